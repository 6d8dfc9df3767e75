"""TIFF delivery: one multi-page TIFF per item, or one single-page TIFF per page.

TIFF cannot carry a JPEG stream unchanged the way PDF can, so pages are decoded once and
stored with lossless LZW compression (the decoded pixels are kept exactly; nothing is
re-compressed lossily). Resolution tags are set to the scan dpi.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from PIL import Image, UnidentifiedImageError

from dangan.errors import InputError

COMPRESSION = "tiff_lzw"


def _open(data: bytes) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError("package.bad_image", detail=str(exc)) from exc
    return img


def multipage_tiff(jpegs: Sequence[bytes], dpi: int) -> bytes:
    if not jpegs:
        raise InputError("package.no_pages")
    frames = [_open(d) for d in jpegs]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:],
                   compression=COMPRESSION, dpi=(dpi, dpi))
    return buf.getvalue()


def single_tiffs(jpegs: Sequence[bytes], dpi: int) -> Iterator[bytes]:
    for data in jpegs:
        buf = io.BytesIO()
        _open(data).save(buf, "TIFF", compression=COMPRESSION, dpi=(dpi, dpi))
        yield buf.getvalue()


def tiff_pages(data: bytes) -> int:
    img = _open(data)
    return int(getattr(img, "n_frames", 1))
