"""Encode a rendered page: JPEG with its dpi in the JFIF header, or TIFF (G4 for bilevel)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.imaging.context import RetouchOptions
from dangan.imaging.render import Rendered


def set_jfif_dpi(data: bytes, dpi: int) -> bytes:
    """Write ``dpi`` into the JFIF APP0 density fields (libjpeg-turbo leaves them 1:1)."""
    if data[2:4] != b"\xff\xe0" or data[6:11] != b"JFIF\x00":
        return data
    d = int(dpi).to_bytes(2, "big")
    return data[:13] + b"\x01" + d + d + data[18:]


def _to_rgb(r: Rendered) -> np.ndarray:
    y, cb, cr = r.planes
    h, w = y.shape
    cr_f = cv2.resize(cr, (w, h), interpolation=cv2.INTER_LINEAR)
    cb_f = cv2.resize(cb, (w, h), interpolation=cv2.INTER_LINEAR)
    out: np.ndarray = cv2.cvtColor(cv2.merge([y, cr_f, cb_f]), cv2.COLOR_YCrCb2RGB)
    return out


def encode(r: Rendered, opts: RetouchOptions) -> bytes:
    if opts.fmt == "jpg":
        if r.kind == "ycc420":
            y, cb, cr = r.planes
            data = simplejpeg.encode_jpeg_yuv_planes(y, cb, cr, quality=opts.jpeg_quality)
        else:
            plane = r.planes[0]
            data = simplejpeg.encode_jpeg(plane[:, :, None], quality=opts.jpeg_quality,
                                          colorspace="GRAY")
        return set_jfif_dpi(data, opts.dpi)
    buf = io.BytesIO()
    if r.kind == "bilevel":
        Image.fromarray(r.planes[0]).convert("1").save(
            buf, "TIFF", compression="group4", dpi=(opts.dpi, opts.dpi))
    else:
        img = Image.fromarray(_to_rgb(r) if r.kind == "ycc420" else r.planes[0])
        img.save(buf, "TIFF", compression="tiff_adobe_deflate", dpi=(opts.dpi, opts.dpi))
    return buf.getvalue()
