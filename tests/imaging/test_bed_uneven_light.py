"""A sheet on a grey bed under uneven light (a lamp, a gradient): the light dims the bed and
the sheet alike, so under a lamp the sheet's dim side can be darker than the lit bed. The
bed's light is fitted along the frame's edge and bed and paper are told apart as if evenly
lit: the sheet is found, its bed painted, and the page is not flagged for a sheet it could
not find (``sheet_uncertain``), shrunk, or a border. Other paper beside the sheet is still
other paper: that page keeps its frame and is flagged, and what is written on it is kept.

Development pages of ``dangan.pagegen`` (seeds < 100,000) on grey beds under uneven light,
undamaged, that were flagged ``sheet_uncertain`` and ``shrunk`` (and two ``black_border``).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from dangan.imaging.accuracy import Outcome, Truth, assess
from dangan.imaging.analysis import reduce
from dangan.imaging.context import RetouchOptions
from dangan.imaging.paper import bed_light, find_paper
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.imaging.qc import SHRUNK
from dangan.pagegen import GeneratedPage, make_page

OPTS = RetouchOptions(orientation=False, holes=True, trust_file_dpi=True)
LAMP_PAGES = (1001, 1008, 1034, 1044)  # grey bed; lamp, gradient, lamp (drawn upside
# down), lamp


def _truth(page: GeneratedPage) -> Truth:
    tr = page.truth
    return Truth(turn=tr.turn, text_page=tr.text_page, clean_to_scan=tr.matrix,
                 content=page.content_mask,
                 holes=tuple((h.clean_x, h.clean_y, h.clean_r) for h in tr.holes),
                 blur_mm=tr.blur_sigma * 25.4 / tr.dpi, dpi=tr.dpi)


def _retouch(page: GeneratedPage, data: bytes, frame: np.ndarray
             ) -> tuple[Outcome, Retouched]:
    # a page drawn turned is turned back by the pipeline's own orientation step
    result = retouch_bytes(data, replace(OPTS, orientation=page.truth.turn != 0))
    assert result.data is not None and result.matrix is not None
    out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return assess(grey, _truth(page), out, result.matrix, result.report), result


@pytest.mark.parametrize("seed", LAMP_PAGES)
def test_a_sheet_on_a_grey_bed_under_uneven_light_is_found(seed: int) -> None:
    page = make_page(seed)
    assert page.truth.bed == "grey" and page.truth.light in ("lamp", "gradient")
    outcome, result = _retouch(page, page.data, page.image)
    report = result.report
    assert "sheet_uncertain" not in report.review
    assert SHRUNK not in report.review
    assert "bed_removed" in {ch.code for ch in report.changes}
    assert report.status == "ok", [f"{d.code}:{d.detail}" for d in report.defects]
    # and the page came out fine: nothing painted over, no bed left beside the sheet
    assert outcome.damage == (), (outcome.damage, outcome.ink_kept, outcome.bed_left_mm2)


def _with_slip(page: GeneratedPage) -> tuple[np.ndarray, np.ndarray]:
    """The page's frame widened by 260 px of its bed on the right, a slip of other paper
    with writing on it (a piece of the sheet's own text) lying there against the frame's
    edge; and the slip's box in the frame (x0, y0, x1, y1)."""
    img = page.image
    w = img.shape[1]
    edge = img[:, w - 6:w].astype(np.float32).mean(axis=1, keepdims=True)  # bed, by row
    more = np.repeat(edge, 260, axis=1).astype(np.uint8)
    frame = np.ascontiguousarray(np.hstack([img, more]))
    quad = np.asarray(page.truth.paper_quad)
    cx, cy = quad.mean(axis=0).astype(int)
    slip = img[cy - 300:cy + 300, cx - 100:cx + 100]
    x0, y0 = w + 60, cy - 300
    frame[y0:y0 + 600, x0:x0 + 200] = slip
    return frame, np.array([x0, y0, x0 + 200, y0 + 600])


def test_other_paper_beside_a_sheet_under_a_lamp_keeps_the_frame_and_is_flagged() -> None:
    page = make_page(LAMP_PAGES[0])
    frame, (x0, y0, x1, y1) = _with_slip(page)
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    assert ok
    outcome, result = _retouch(page, data.tobytes(), frame)
    report = result.report
    assert "sheet_uncertain" in report.review
    assert report.status == "defect"
    # the slip's writing is still there where the matrix puts it
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    ys, xs = np.nonzero(grey[y0:y1, x0:x1] < 100)
    assert len(xs) > 500
    m = result.matrix
    assert result.data is not None and m is not None
    pts = np.column_stack([xs + x0, ys + y0]) @ m[:, :2].T + m[:, 2]
    out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert out is not None
    q = np.round(pts).astype(int)
    inside = (q[:, 0] >= 0) & (q[:, 1] >= 0) & (q[:, 0] < out.shape[1]) & (q[:, 1] < out.shape[0])
    assert inside.mean() > 0.99
    near = cv2.erode(out, np.ones((5, 5), np.uint8))  # within ±2 px
    assert float((near[q[inside, 1], q[inside, 0]] < 150).mean()) > 0.95
    # the frame kept whole leaves its bed beside the sheet: the assessment calls it damage
    assert outcome.border_left and "border_left" in outcome.damage


def test_a_blurred_scan_under_a_lamp_is_still_flagged() -> None:
    page = make_page(LAMP_PAGES[2], scan={"blur_sigma": 3.0})
    outcome, result = _retouch(page, page.data, page.image)
    report = result.report
    assert "blurred" in {d.code for d in report.defects}
    assert "blurred" in outcome.damage


def test_the_beds_light_is_fitted_only_where_it_is_uneven() -> None:
    lamp = make_page(LAMP_PAGES[0])
    flat = make_page(LAMP_PAGES[0], scan={"light": "flat"})
    for page, uneven in ((lamp, True), (flat, False)):
        grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
        small, _f = reduce(grey, page.truth.dpi)
        paper = find_paper(small)
        light = bed_light(small, paper.bed_sides, float(np.percentile(small, 90)))
        assert (light is not None) is uneven
        if light is not None:  # it follows the bed along the frame, within a few levels
            band = small[:, :3].astype(np.float32)
            bed = band < 0.8 * paper.level
            assert float(np.median(np.abs(band - light[:, :3])[bed])) < 6


def _placed(bed: float, lid_dim: float) -> tuple[np.ndarray, np.ndarray]:
    """An output page (A4 at 100 dpi) holding a sheet whose right 10 mm fall beyond the sheet
    found, shown as ``bed`` (a tone) there; the right third under a lamp dimmed by
    ``lid_dim`` (paper and lid alike); and the clean→output map (the sheet 10 mm narrower)."""
    h, w = 1169, 827
    out = np.full((h, w), 235.0, np.float32)
    strip = int(10 * 100 / 25.4)
    out[:, w - strip:] = bed
    out[:, 2 * w // 3:] *= lid_dim
    c = np.eye(3)  # clean px = output px; the clean sheet is w - strip wide
    return np.clip(out, 0, 255).astype(np.uint8), c


def test_a_border_left_is_measured_beside_the_sheet_by_its_truth() -> None:
    from dangan.imaging.accuracy import BED_LEFT_MM2, bed_left_mm2

    strip = int(10 * 100 / 25.4)
    dark, c = _placed(bed=60, lid_dim=1.0)  # a black bed left along the right side
    assert bed_left_mm2(dark, c, (827 - strip, 1169), 100, 100) > 10 * BED_LEFT_MM2
    # a white lid dimmed by a lamp beside paper dimmed as much is no border
    lid, c = _placed(bed=235, lid_dim=0.7)
    assert bed_left_mm2(lid, c, (827 - strip, 1169), 100, 100) <= BED_LEFT_MM2
    # the same dimmed lid with a grey bed strip on it is one
    grey, c = _placed(bed=150, lid_dim=0.7)
    assert bed_left_mm2(grey, c, (827 - strip, 1169), 100, 100) > 10 * BED_LEFT_MM2
