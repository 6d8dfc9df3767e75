"""A corner folded over (a dog-ear) hides what lies under it, and a torn-away corner is the
original's damage: either is flagged for a person, with the area; a whole sheet is not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import CORNER_CUT


def _dog_ear(page: np.ndarray, leg_px: int, bed: int, corner: str = "top_right") -> np.ndarray:
    """The corner folded over: bed shows where the corner was, the flap (the back of the
    paper, blank) lies over the page beside it, hiding the page number drawn there."""
    out = page.copy()
    h, w = out.shape[:2]
    if corner == "top_right":
        gone = [[w - leg_px, 0], [w, 0], [w, leg_px]]
        flap = [[w - leg_px, 0], [w, leg_px], [w - leg_px, leg_px]]
    else:  # bottom_left
        gone = [[0, h - leg_px], [0, h], [leg_px, h]]
        flap = [[0, h - leg_px], [leg_px, h], [leg_px, h - leg_px]]
    cv2.fillPoly(out, [np.array(flap, np.int32)], (230, 230, 226))
    cv2.fillPoly(out, [np.array(gone, np.int32)], (bed, bed, bed))
    return out


def _report(pixels: np.ndarray):  # type: ignore[no-untyped-def]
    return retouch_bytes(simplejpeg.encode_jpeg(pixels, quality=90), RetouchOptions()).report


@pytest.mark.parametrize(("leg_mm", "bed", "angle", "corner"),
                         [(13, 22, 1.0, "top_right"), (19, 120, -3.0, "top_right"),
                          (38, 22, 0.0, "bottom_left")])
def test_a_folded_corner_is_flagged_with_its_area(leg_mm: float, bed: int, angle: float,
                                                  corner: str) -> None:
    leg = round(leg_mm * 200 / 25.4)
    report = _report(scan(_dog_ear(draw_page(), leg, bed, corner), angle, bed=bed))
    assert CORNER_CUT in report.review, report.defects
    [area] = report.corners_cut_mm2
    assert area == pytest.approx(leg_mm * leg_mm / 2, rel=0.2)
    assert report.status == "defect"
    assert report.to_dict()["corners_cut_mm2"] == [area]


@pytest.mark.parametrize(("bed", "angle"), [(22, 0.0), (22, 2.5), (120, -1.0)])
def test_a_whole_sheet_is_not_flagged(bed: int, angle: float) -> None:
    report = _report(scan(draw_page(), angle, bed=bed))
    assert report.corners_cut_mm2 == [] and CORNER_CUT not in report.review


def test_worn_round_corners_are_not_a_fold() -> None:
    """Old paper's corners wear round (here a 4 mm radius): nothing is hidden."""
    page = draw_page()
    h, w = page.shape[:2]
    r = round(4 * 200 / 25.4)
    mask = np.zeros((h, w), np.uint8)
    cv2.rectangle(mask, (0, 0), (w - 1, h - 1), 255, -1)
    for cx, cy in ((0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)):
        x0, y0 = min(cx, w - 1 - r), min(cy, h - 1 - r)
        mask[y0:y0 + r + 1, x0:x0 + r + 1] = 0
        cv2.circle(mask, (r if cx == 0 else w - 1 - r, r if cy == 0 else h - 1 - r), r, 255, -1)
    page[mask == 0] = 22
    report = _report(scan(page, 1.0))
    assert report.corners_cut_mm2 == [] and CORNER_CUT not in report.review


def test_the_reason_is_worded() -> None:
    zh, en = catalogue()[f"retouch.review.{CORNER_CUT}"]
    assert "折" in zh and "重扫" in zh and "folded" in en
