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


MCU_ROWS = 16  # luma rows of a 4:2:0 JPEG's block row


def whole_mcu_rows(y: np.ndarray) -> np.ndarray:
    """``y`` as it is, held in a buffer that goes on to a whole block row, the last row
    repeated (as libjpeg pads an image itself). The encoder from planes reads the luma of
    the last block row in full, past the end of a plane whose height is not a multiple of
    16: what memory happened to hold there changed the last rows of the page (by a grey
    level) and made the output bytes differ from run to run."""
    h = y.shape[0]
    if h % MCU_ROWS == 0:
        return y
    buf = np.empty((h + MCU_ROWS - h % MCU_ROWS, y.shape[1]), np.uint8)
    buf[:h] = y
    buf[h:] = y[-1]
    return buf[:h]


def encode(r: Rendered, opts: RetouchOptions) -> bytes:
    if opts.fmt == "jpg":
        if r.kind == "ycc420":
            y, cb, cr = r.planes
            data = simplejpeg.encode_jpeg_yuv_planes(whole_mcu_rows(y), cb, cr,
                                                     quality=opts.jpeg_quality)
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
