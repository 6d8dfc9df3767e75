"""Decode a page file into an 8-bit RGB or grey array, refusing what cannot be a page.

JPEG goes through libjpeg-turbo (simplejpeg); everything else through Pillow, which
normalises CMYK, 16-bit, palette and bilevel images to 8 bits. Every failure becomes a
``BadPage`` carrying a defect detail, so one bad file never stops a batch.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import simplejpeg
from PIL import Image

MIN_SIDE_PX = 200
MAX_PIXELS = 40_000 * 30_000


class BadPage(Exception):
    """The file is not a usable page image; ``detail`` says why (machine-readable)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    pixels: np.ndarray  # (h, w, 3) RGB or (h, w) grey, uint8
    file_dpi: float | None


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise BadPage(f"too_large:{width}x{height}")
    if min(width, height) < MIN_SIDE_PX:
        raise BadPage(f"too_small:{width}x{height}")


def _jpeg_dpi(data: bytes) -> float | None:
    # JFIF APP0: "JFIF\0" ver(2) units(1) xdens(2) ydens(2)
    pos = data.find(b"JFIF\x00", 0, 64)
    if pos < 0:
        return None
    units = data[pos + 7]
    xd = int.from_bytes(data[pos + 8 : pos + 10], "big")
    if xd <= 1:
        return None
    return float(xd) if units == 1 else float(xd) * 2.54 if units == 2 else None


def _decode_jpeg(data: bytes) -> Decoded:
    try:
        width, height, _, colorspace = simplejpeg.decode_jpeg_header(data)
    except ValueError as exc:
        raise BadPage(f"corrupt:{exc}") from None
    _check_size(width, height)
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise BadPage("truncated")
    try:
        # The fast IDCT and upsampling cost nothing visible on scans and save a quarter.
        if colorspace == "Gray":
            pixels = simplejpeg.decode_jpeg(data, colorspace="GRAY", fastdct=True)[:, :, 0]
        else:
            pixels = simplejpeg.decode_jpeg(data, colorspace="RGB", fastdct=True,
                                            fastupsample=True)
    except (ValueError, RuntimeError) as exc:
        raise BadPage(f"corrupt:{exc}") from None
    return Decoded(pixels, _jpeg_dpi(data))


def _to_8bit(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.uint32 if img.mode == "I" else np.uint16)
        top = 65535 if arr.dtype == np.uint16 or arr.max() > 255 else 255
        return Image.fromarray((arr.astype(np.float32) * (255.0 / top)).astype(np.uint8))
    if img.mode == "F":
        arr = np.clip(np.asarray(img), 0, 255).astype(np.uint8)
        return Image.fromarray(arr)
    if img.mode in ("1", "L", "LA"):
        return img.convert("L")
    return img.convert("RGB")


def _decode_other(data: bytes) -> Decoded:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            _check_size(*img.size)
            img.load()
    except BadPage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPage("too_large") from None
    except Exception as exc:  # Pillow raises many unrelated types for broken files
        raise BadPage(f"corrupt:{type(exc).__name__}") from None
    dpi = img.info.get("dpi")
    file_dpi = float(dpi[0]) if dpi and float(dpi[0]) > 1 else None
    if img.mode == "RGB" and getattr(img, "bits", 8) == 16:  # pragma: no cover - rare
        img = img.convert("RGB")
    img = _to_8bit(img)
    return Decoded(np.asarray(img), file_dpi)


def decode_page(data: bytes) -> Decoded:
    """Decode page bytes; raise ``BadPage`` for anything that is not a usable page."""
    if not data:
        raise BadPage("empty_file")
    decoded = _decode_jpeg(data) if data[:2] == b"\xff\xd8" else _decode_other(data)
    pixels = decoded.pixels
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = np.ascontiguousarray(pixels[:, :, :3])
    return Decoded(pixels, decoded.file_dpi)
