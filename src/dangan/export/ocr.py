"""Searchable PDF/A with a Chinese text layer: OCRmyPDF driving tesseract ``chi_sim``.

Optional: the project's set-up installs tesseract-ocr-chi-sim and ghostscript. Ghostscript's
PDF/A conversion may re-compress images, so the lossless guarantee holds for plain PDFs only.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from dangan.errors import ExternalToolError

LANGUAGE = "chi_sim"


@cache
def ocr_available() -> str | None:
    """None when OCR can run, else what is missing."""
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return "ocrmypdf"
    exe = shutil.which("tesseract")
    if exe is None:
        return "tesseract"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "tesseract"
    if LANGUAGE not in out.stdout.split():
        return f"tesseract-ocr-{LANGUAGE.replace('_', '-')}"
    if shutil.which("gs") is None:
        return "ghostscript"
    return None


def ocr_pdf(src: Path, dest: Path) -> None:
    missing = ocr_available()
    if missing:
        raise ExternalToolError("error.external_tool", tool=missing, detail="not installed")
    import ocrmypdf

    try:
        ocrmypdf.ocr(src, dest, language=[LANGUAGE], output_type="pdfa", jobs=1,
                     progress_bar=False, optimize=0, pdfa_backend="internal")
    except ocrmypdf.exceptions.ExitCodeException as exc:
        raise ExternalToolError("error.external_tool", tool="ocrmypdf",
                                detail=f"{type(exc).__name__}: {exc}") from exc
