"""A colour page whose height is not a whole JPEG block row (A4 at 200 dpi: 2339 rows) is
encoded from the page alone: the same bytes whatever memory follows its planes."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg

from dangan.imaging.context import RetouchOptions
from dangan.imaging.encode import encode
from dangan.imaging.render import Rendered
from dangan.pagegen import make_page


def _followed_by(plane: np.ndarray, fill: int) -> np.ndarray:
    """``plane`` in a buffer whose memory after it holds ``fill``."""
    buf = np.full(plane.size + 65_536, fill, np.uint8)
    buf[:plane.size] = plane.ravel()
    return buf[:plane.size].reshape(plane.shape)


def test_colour_page_bytes_do_not_depend_on_memory_after_its_planes() -> None:
    rgb = make_page(1006, turn=0, bed="grey").image
    rgb = cv2.resize(rgb, (1654, 2339), interpolation=cv2.INTER_AREA)
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    half = cv2.resize(ycc[:2338], (827, 1169), interpolation=cv2.INTER_AREA)
    half = np.vstack([half, half[-1:]])  # 1170 chroma rows for 2339 luma rows
    cb, cr = np.ascontiguousarray(half[:, :, 2]), np.ascontiguousarray(half[:, :, 1])
    opts = RetouchOptions()
    out = [encode(Rendered((_followed_by(ycc[:, :, 0].copy(), fill), cb, cr), "ycc420"), opts)
           for fill in (0, 255)]
    assert out[0] == out[1]
    page = simplejpeg.decode_jpeg(out[0], colorspace="RGB")
    assert page.shape == (2339, 1654, 3)
    # the last rows are the page's own (paper and bed, not what memory held)
    assert np.abs(page[-3:].astype(int) - rgb[-3:].astype(int)).max() <= 12
