"""A page whose sheet is not found with confidence keeps its whole frame and nothing of it
is painted, however dark the bed — as its review reason (sheet_uncertain) says."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False)


def test_a_sheet_not_found_with_confidence_is_not_painted() -> None:
    """A page beside a facing page on a black bed: the sheet is uncertain, so the whole frame
    is kept and nothing is painted, however dark the bed (the review says so)."""
    page = draw_page(seed=2)
    sheet = scan(page, 0.8)
    facing = page[:, 200:500].copy()  # text of the facing page reaches into the frame
    gap = np.full((sheet.shape[0], 40, 3), 22, np.uint8)
    side = np.vstack([np.full((120, 300, 3), 22, np.uint8), facing,
                      np.full((sheet.shape[0] - 120 - facing.shape[0], 300, 3), 22, np.uint8)])
    both = np.ascontiguousarray(np.hstack([sheet, gap, side]))
    result = retouch_bytes(simplejpeg.encode_jpeg(both, quality=90), OPTS)
    report = result.report
    assert "sheet_uncertain" in report.review
    assert "bed_removed" not in {ch.code for ch in report.changes}
    assert not report.bed_sides
    # The black bed is still there, as scanned: none of it painted the paper's colour.
    assert result.data is not None and result.matrix is not None
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
    grey = cv2.cvtColor(both, cv2.COLOR_RGB2GRAY)
    m = result.matrix
    bed = np.zeros(grey.shape, bool)
    bed[:60] = bed[-60:] = True  # bed above and below the sheet, across the whole frame
    bed &= grey < 40
    ys, xs = np.nonzero(bed)
    pts = np.column_stack([xs, ys]) @ m[:, :2].T + m[:, 2]
    oh, ow = out.shape
    ok = (pts[:, 0] >= 1) & (pts[:, 1] >= 1) & (pts[:, 0] < ow - 1) & (pts[:, 1] < oh - 1)
    q = np.round(pts[ok]).astype(int)
    assert ok.sum() > 10_000
    assert float((out[q[:, 1], q[:, 0]] < 60).mean()) > 0.98


def test_holes_on_a_sheet_not_found_with_confidence_are_judged_on_their_own() -> None:
    """The sheet's doubt is about its edge: its holes, each judged on its own (shape, size,
    the bed's tone, a row at a standard spacing), are still filled; the bed is not painted."""
    page = draw_page(seed=2)
    sheet = scan(page, 0.8, holes=True)
    facing = page[:, 200:500].copy()
    gap = np.full((sheet.shape[0], 40, 3), 22, np.uint8)
    side = np.vstack([np.full((120, 300, 3), 22, np.uint8), facing,
                      np.full((sheet.shape[0] - 120 - facing.shape[0], 300, 3), 22, np.uint8)])
    both = np.ascontiguousarray(np.hstack([sheet, gap, side]))
    report = retouch_bytes(simplejpeg.encode_jpeg(both, quality=90),
                           RetouchOptions(orientation=False, holes=True)).report
    assert "sheet_uncertain" in report.review
    assert "bed_removed" not in {ch.code for ch in report.changes}
    assert report.holes_found == 2 and report.holes_filled == 2
