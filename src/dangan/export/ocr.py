"""Searchable PDF/A with a Chinese text layer: OCRmyPDF driving tesseract ``chi_sim``.

Optional: the project's set-up installs tesseract-ocr-chi-sim and ghostscript. Ghostscript's
PDF/A conversion may re-compress images, so the lossless guarantee holds for plain PDFs only.

The text layer's font: OCRmyPDF embeds the first face of a font collection it finds, and the
first face of fonts-noto-cjk's ``NotoSansCJK-Regular.ttc`` is the Japanese one (some
characters in Japanese shapes). dangan has it embed the collection's Simplified Chinese face
(Noto Sans CJK SC) instead.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from functools import cache
from pathlib import Path
from typing import Any

from dangan.errors import ExternalToolError

LANGUAGE = "chi_sim"
SC_FAMILY = "CJK SC"  # the Simplified Chinese face of a Noto CJK collection ("Noto Sans CJK SC")
_patch_lock = threading.Lock()


@cache
def simplified_chinese_face(path: str) -> int:
    """The index of the Simplified Chinese face in a font collection (0 when it has none)."""
    try:
        from fontTools.ttLib import TTCollection

        collection = TTCollection(path, lazy=True)
        for index, font in enumerate(collection.fonts):
            family = str(font["name"].getDebugName(1) or "")
            if family.endswith(SC_FAMILY):
                return index
    except Exception:  # not a collection fontTools reads: OCRmyPDF's own choice
        return 0
    return 0


def _embed_simplified_chinese() -> None:
    """Make OCRmyPDF's text-layer renderer register a collection's Simplified Chinese face
    (once per process; without the renderer it knows, nothing is changed)."""
    try:
        from ocrmypdf.fpdf_renderer import renderer
    except ImportError:
        return
    cls: Any = getattr(renderer, "Fpdf2PdfRenderer", None)
    with _patch_lock:
        if cls is None or getattr(cls, "_dangan_sc", False) or not hasattr(cls, "_register_font"):
            return

        def register_font(self: Any, pdf: Any, font_manager: Any) -> str:
            path = str(font_manager.font_path)
            registered: dict[str, str] = self._registered_fonts
            if not path.lower().endswith((".ttc", ".otc")) or path in registered:
                return str(original(self, pdf, font_manager))
            family = f"{font_manager.font_path.stem}-sc"
            pdf.add_font(family=family, fname=path,
                         collection_font_number=simplified_chinese_face(path))
            registered[path] = family
            return family

        original = cls._register_font
        cls._register_font = register_font
        cls._dangan_sc = True


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

    _embed_simplified_chinese()
    try:
        ocrmypdf.ocr(src, dest, language=[LANGUAGE], output_type="pdfa", jobs=1,
                     progress_bar=False, optimize=0, pdfa_backend="internal")
    except ocrmypdf.exceptions.ExitCodeException as exc:
        raise ExternalToolError("error.external_tool", tool="ocrmypdf",
                                detail=f"{type(exc).__name__}: {exc}") from exc
