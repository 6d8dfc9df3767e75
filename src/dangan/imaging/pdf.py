"""Page images out of a PDF written by a scanner.

A scanner's PDF holds one image per page drawn over the whole page: that image is taken as
it is (pikepdf decodes JPEG, Flate, CCITT G4 and JPEG 2000 streams), at the resolution the
page size gives it, so nothing is resampled twice. A page that is not one full-page image
(text, vectors, several strips) is rendered by poppler's ``pdftoppm`` at ``RENDER_DPI``.
Anything else is refused with a ``BadPage`` detail.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pikepdf
from PIL import Image

RENDER_DPI = 300
POINTS_PER_INCH = 72.0


def _bad(detail: str) -> Exception:
    from dangan.imaging.load import BadPage

    return BadPage(detail)


def pdf_page_count(fh: BinaryIO) -> int:
    with pikepdf.open(fh) as pdf:
        return len(pdf.pages)


def _as_array(img: Image.Image) -> np.ndarray:
    if img.mode in ("1", "L", "LA", "I;16", "I"):
        return np.asarray(img.convert("L"))
    return np.asarray(img.convert("RGB"))


def _page_image(page: pikepdf.Page) -> tuple[np.ndarray, float] | None:
    """The page's only image when it covers the page, with its resolution; else None."""
    images = list(page.get_images().values())
    if len(images) != 1:
        return None
    box = [float(v) for v in page.mediabox]
    width_in = abs(box[2] - box[0]) / POINTS_PER_INCH
    height_in = abs(box[3] - box[1]) / POINTS_PER_INCH
    if width_in <= 0 or height_in <= 0:
        return None
    try:
        img = pikepdf.PdfImage(images[0]).as_pil_image()  # type: ignore[arg-type]
    except Exception:  # an unsupported filter (JBIG2 without a decoder…): render instead
        return None
    w, h = img.size
    if abs(w / h - width_in / height_in) > 0.03 * (width_in / height_in):
        return None  # drawn rotated or on part of the page: poppler knows how
    pixels = _as_array(img)
    turn = int(page.obj.get("/Rotate", 0) or 0) % 360
    if turn:
        pixels = np.ascontiguousarray(np.rot90(pixels, -turn // 90))
    return pixels, w / width_in


def _render(data: bytes, index: int, dpi: int = RENDER_DPI) -> np.ndarray:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise _bad("pdf_no_renderer")
    with tempfile.TemporaryDirectory(prefix="dangan-pdf-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        n = str(index + 1)
        proc = subprocess.run([exe, "-r", str(dpi), "-f", n, "-l", n, "-png", str(src),
                               str(Path(tmp) / "out")], capture_output=True, check=False,
                              timeout=300)
        out = sorted(Path(tmp).glob("out*.png"))
        if proc.returncode != 0 or not out:
            raise _bad(f"pdf_render_failed:{proc.returncode}")
        with Image.open(out[0]) as img:
            return _as_array(img)


def decode_pdf_page(data: bytes, index: int) -> tuple[np.ndarray, float, int]:
    """Pixels, dpi and page count of page ``index`` (0-based) of a PDF."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            if pages == 0:
                raise _bad("pdf_no_pages")
            if index >= pages:
                raise _bad(f"no_page:{index + 1}/{pages}")
            found = _page_image(pdf.pages[index])
    except pikepdf.PasswordError:
        raise _bad("pdf_encrypted") from None
    except pikepdf.PdfError as exc:
        raise _bad(f"corrupt:pdf:{str(exc)[:80]}") from None
    if found is not None:
        return found[0], found[1], pages
    return _render(data, index), float(RENDER_DPI), pages
