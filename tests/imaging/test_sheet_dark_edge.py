"""A dark photo printed to the sheet's edges on a black bed is the sheet's, not bed.

The sheet finder takes the largest bright region for the sheet; a photo running to the top,
left and right edges of a sheet joins the bed by tone, and the caption below it was taken
for the whole sheet: the photo was painted out in the paper's colour. What is painted must
have the tone of the bed seen along the frame's edge; else the frame is kept and the page
flagged ``sheet_uncertain``. Nothing deep inside the sheet's rectangle is ever painted.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg

from dangan.imaging.bed import CURL_MM, find_bed
from dangan.imaging.context import RetouchOptions
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False)
DPI = 200
BED = 18


def mm(v: float) -> int:
    return round(v * DPI / 25.4)


def _sheet(photo: tuple[float, float, float, float], lo: float, hi: float) -> np.ndarray:
    """An A4 sheet (grey 238) with a caption line at 272 mm and a smooth dark photo
    (grey ``lo``–``hi``) over ``photo`` = x0, y0, x1, y1 in mm."""
    page = np.full((mm(297), mm(210)), 238, np.uint8)
    for i in range(12):  # a caption: a row of short dark strokes
        x = mm(30) + i * mm(12)
        cv2.putText(page, "Ab", (x, mm(275)), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)
    x0, y0, x1, y1 = photo
    grid = np.random.default_rng(7).uniform(lo, hi, (12, 9)).astype(np.float32)
    tone = cv2.resize(grid, (mm(x1 - x0), mm(y1 - y0)), interpolation=cv2.INTER_CUBIC)
    page[mm(y0):mm(y0) + tone.shape[0], mm(x0):mm(x0) + tone.shape[1]] = np.clip(tone, 0, 255)
    return page


def _on_bed(page: np.ndarray, skew: float, margin_mm: float = 15) -> bytes:
    h, w = page.shape
    m = mm(margin_mm)
    a = cv2.getRotationMatrix2D((w / 2 + m, h / 2 + m), skew, 1.0)
    a[:, 2] += (m, m)
    out = cv2.warpAffine(page, a, (w + 2 * m, h + 2 * m), flags=cv2.INTER_LINEAR,
                         borderValue=BED)
    noise = np.random.default_rng(0).normal(0, 2.5, out.shape)
    out = np.clip(out + noise, 0, 255).astype(np.uint8)
    return simplejpeg.encode_jpeg(out[..., None], quality=88, colorspace="GRAY")


def _out(data: bytes | None) -> np.ndarray:
    assert data is not None
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img is not None
    return img


@pytest.mark.parametrize("skew", [0.0, 2.0])
def test_a_dark_photo_to_three_edges_is_kept_and_the_sheet_flagged(skew: float) -> None:
    page = _sheet((0, 0, 210, 255), 5, 90)
    result = retouch_bytes(_on_bed(page, skew), OPTS)
    report = result.report
    assert "sheet_uncertain" in report.review, report.defects
    assert "bed_removed" not in [c.code for c in report.changes]
    out = _out(result.data)
    assert out.shape[0] > out.shape[1]  # the portrait frame kept, not a landscape caption
    assert np.mean(out < 120) > 0.6  # the photo is there (it was painted out: 0.4 %)


def test_a_photo_to_two_edges_is_not_painted() -> None:
    """A photo reaching the top and left edges: the sheet's outline (an L of light paper) has
    a convex hull that cuts across the photo; what lies beyond that hull inside the sheet was
    painted as bed (12.9 % of the photo)."""
    page = _sheet((0, 0, 190, 250), 5, 90)
    result = retouch_bytes(_on_bed(page, 0.0), OPTS)
    out = _out(result.data)
    assert result.matrix is not None
    m = mm(15)
    ys, xs = np.mgrid[mm(5):mm(245):7, mm(5):mm(185):7]
    pts = np.column_stack([xs.ravel() + m, ys.ravel() + m]).astype(np.float64)
    on = pts @ result.matrix[:, :2].T + result.matrix[:, 2]
    inside = ((on[:, 0] >= 0) & (on[:, 0] < out.shape[1]) & (on[:, 1] >= 0)
              & (on[:, 1] < out.shape[0]))
    seen = out[on[inside, 1].astype(int), on[inside, 0].astype(int)]
    assert inside.mean() > 0.95
    assert np.mean(seen > 150) < 0.005, np.mean(seen > 150)  # no paper colour in the photo


def test_a_small_sheet_on_a_plain_black_bed_is_still_cleaned() -> None:
    """The bed of one tone all over: painted as before (a slip on a large bed)."""
    page = np.full((mm(120), mm(90)), 238, np.uint8)
    for i in range(6):
        cv2.putText(page, "Receipt 12", (mm(8), mm(20) + i * mm(15)),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)
    result = retouch_bytes(_on_bed(page, 1.0, margin_mm=40), OPTS)
    report = result.report
    assert "sheet_uncertain" not in report.review, report.defects
    assert "bed_removed" in [c.code for c in report.changes]


def test_nothing_deep_inside_the_sheet_is_bed_to_paint() -> None:
    """A black print of the bed's very tone, to the sheet's top and left edges: no tone tells
    it from the bed, but it lies inside the sheet's rectangle, deeper than a lifted edge
    draws the paper in, and is never in the zone painted (it was: the part beyond the
    outline's convex hull)."""
    px_mm = 4.0

    def px(v: float) -> int:
        return round(v * px_mm)

    img = np.full((px(327), px(240)), BED, np.uint8)
    img[px(15):px(312), px(15):px(225)] = 238
    img[px(15):px(165), px(15):px(135)] = BED
    cv2.putText(img, "Ab 12", (px(60), px(250)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)
    noise = np.random.default_rng(0).normal(0, 2, img.shape)
    img = np.clip(img + noise, 0, 255).astype(np.uint8)
    paper = find_paper(img)
    bed = find_bed(img, paper, px_mm)
    assert paper.found and bed.confident  # the bed around the sheet is still painted
    sheet = np.zeros(img.shape, np.uint8)
    sheet[px(15):px(312), px(15):px(225)] = 1
    deep = cv2.erode(sheet, np.ones((2 * px(CURL_MM) + 1,) * 2, np.uint8)) > 0
    assert bed.zone[~deep & (sheet == 0)].any()
    assert not bed.zone[deep].any()
