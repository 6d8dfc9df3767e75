"""Painting the bed never paints ink on the paper: a line running off the sheet's edge and
marks written across it keep their last millimetres, on a dark and on a grey bed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import edge_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes

OPTS = RetouchOptions(orientation=False)
MM = 200 / 25.4  # the synthetic pages are 200 dpi
ANGLE = 0.6  # degrees the sheet lies askew on the bed
MARGIN = (110, 120)  # bed around the sheet (scan px)


def _sheet_to_scan(page: np.ndarray) -> np.ndarray:
    """The affine ``scan`` applies to the sheet (3×3)."""
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), ANGLE, 1.0)
    m[:, 2] += MARGIN
    return np.vstack([m, [0, 0, 1]])


def _kept_near_edges(page: np.ndarray, result: Retouched, near_mm: tuple[float, float]
                     ) -> tuple[float, int]:
    """(share of the sheet's ink lying ``near_mm`` from its bottom or right edge that the
    output still shows dark where the output matrix puts it, ink pixels counted)."""
    h, w = page.shape[:2]
    lo, hi = round(near_mm[0] * MM), round(near_mm[1] * MM)
    ink = page[:, :, 0] < 128
    band = np.zeros_like(ink)
    band[h - hi:h - lo, :w - hi] = True  # along the bottom edge
    band[:h - hi, w - hi:w - lo] = True  # along the right edge
    ys, xs = np.nonzero(ink & band)
    assert result.matrix is not None and result.data is not None
    m = np.vstack([result.matrix, [0, 0, 1]]) @ _sheet_to_scan(page)
    pts = np.column_stack([xs, ys, np.ones(len(xs))]) @ m[:2].T
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
    darkest = cv2.erode(out, np.ones((3, 3), np.uint8))  # a pixel of slack for resampling
    oh, ow = out.shape
    xi = np.clip(np.round(pts[:, 0]).astype(int), 0, ow - 1)
    yi = np.clip(np.round(pts[:, 1]).astype(int), 0, oh - 1)
    inside = (pts[:, 0] >= 0) & (pts[:, 1] >= 0) & (pts[:, 0] <= ow - 1) & (pts[:, 1] <= oh - 1)
    kept = inside & (darkest[yi, xi] < 150)
    return float(kept.mean()), len(xs)


@pytest.mark.parametrize("bed", [22, 140], ids=["dark_bed", "grey_bed"])
def test_ink_at_the_sheet_edge_is_not_painted_with_the_bed(bed: int) -> None:
    page = edge_page()
    data = simplejpeg.encode_jpeg(scan(page, ANGLE, bed=bed, margin=MARGIN), quality=92)
    result = retouch_bytes(data, OPTS)
    assert "bed_removed" in {ch.code for ch in result.report.changes}  # the bed was painted
    assert not result.report.review
    # 0.3–2.5 mm from the edge: where the old 1.5 mm blend band and the 1.2 mm rim line
    # painted it (0 % kept up to 0.4 mm, 7 % on the dark and 71 % on the grey bed up to
    # 0.8 mm). The last 0.3 mm is where paper and bed blend and the canvas ends.
    kept, n = _kept_near_edges(page, result, (0.3, 2.5))
    assert n > 2000 and kept > 0.98, f"{kept:.1%} of {n} ink px kept 0.3–2.5 mm from the edge"
    # The bed itself is gone: no bed-dark strip beyond the sheet on the output.
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
    assert float((out[: round(5 * MM)] < 60).mean()) < 0.002  # the top: plain edge
