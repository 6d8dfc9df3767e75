"""A sheet on a white bed (a white lid) under uneven light: the lid's dimmed side is no dark
bed (the paper beyond its edge is no brighter than the lid before it), so the sheet is
found by its edges and cropped to at its size — not kept whole with its bed and shrunk."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.analysis import reduce
from dangan.imaging.context import RetouchOptions
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.imaging.qc import SHRUNK
from dangan.pagegen import make_page

OPTS = RetouchOptions(orientation=False)
MARGIN = (118, 118)  # 15 mm of bed at 200 dpi


def _lit(frame: np.ndarray, depth: float, towards: str) -> np.ndarray:
    """``frame`` under a light falling off linearly by ``depth`` towards one side."""
    h, w = frame.shape[:2]
    ramp = np.linspace(0.0, 1.0, w if towards in ("left", "right") else h, dtype=np.float32)
    if towards in ("left", "top"):
        ramp = ramp[::-1]
    field = 1 - depth * (ramp[None, :] if towards in ("left", "right") else ramp[:, None])
    field = np.broadcast_to(field, (h, w))
    return np.clip(frame * field[..., None], 0, 255).astype(np.uint8)


def _on_white_bed(angle: float) -> np.ndarray:
    """The drawn A4 sheet on a white lid (245) with the thin shadow (~0.8 mm) its edges cast."""
    page = draw_page()
    frame = scan(page, angle, bed=245, margin=MARGIN)
    cover = scan(np.full_like(page, 255), angle, bed=0, margin=MARGIN)[:, :, 0]
    sheet = (cover > 127).astype(np.uint8)
    shadow = (cv2.dilate(sheet, np.ones((13, 13), np.uint8)) > 0) & (sheet == 0)
    frame[shadow] = 200
    return frame


def _ink_outside(ink: np.ndarray, result: Retouched) -> int:
    ys, xs = np.nonzero(ink)
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    out = np.column_stack([xs, ys, np.ones(len(xs))]) @ m.T
    w, h = result.report.width, result.report.height
    inside = (out[:, 0] >= 0) & (out[:, 1] >= 0) & (out[:, 0] <= w - 1) & (out[:, 1] <= h - 1)
    return int(np.count_nonzero(~inside))


def _gaps_mm(quad: np.ndarray, result: Retouched) -> np.ndarray:
    """Distance (mm) from the output's left, top, right and bottom edge to the sheet's
    nearest corner (below 0: beyond the edge)."""
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    out = np.column_stack([quad, np.ones(4)]) @ m.T
    w, h = result.report.width, result.report.height
    gaps = [out[:, 0].min(), out[:, 1].min(), w - 1 - out[:, 0].max(), h - 1 - out[:, 1].max()]
    return np.array(gaps) / (result.report.dpi / 25.4)


@pytest.mark.parametrize(("angle", "depth", "towards"),
                         [(0.0, 0.35, "right"), (1.5, 0.3, "bottom"), (-2.0, 0.4, "left")])
def test_a_sheet_on_a_white_lid_in_shade_is_cropped_at_its_size(angle: float, depth: float,
                                                                towards: str) -> None:
    frame = _lit(_on_white_bed(angle), depth, towards)
    result = retouch_bytes(simplejpeg.encode_jpeg(frame, quality=92), OPTS)
    report = result.report
    assert report.scale >= 0.99, report.defects
    assert SHRUNK not in report.review and "sheet_uncertain" not in report.review
    assert _ink_outside(frame[:, :, 0] < 100, result) == 0
    assert report.bed_sides == []  # a white lid is never painted, dimmed or not


@pytest.mark.parametrize(("seed", "light", "depth"),
                         [(54, "lamp", 0.4), (78, "gradient", 0.28), (101, "gradient", 0.3)])
def test_generated_sheets_on_a_white_lid_under_uneven_light(seed: int, light: str,
                                                            depth: float) -> None:
    """pagegen pages (development seeds) whose dimmed lid read as a dark bed side: the crop
    lies at the sheet (within its margin), its content all kept, never shrunk."""
    page = make_page(seed, bed="white", turn=0, scan={"light": light, "light_depth": depth,
                                                      "curl_edge": None})
    result = retouch_bytes(page.data, OPTS)
    report = result.report
    assert report.scale >= 0.97 and SHRUNK not in report.review, report.defects
    a = page.truth.matrix
    ys, xs = np.nonzero(page.content_mask[::4, ::4])
    pts = np.column_stack([xs * 4 + 0.5, ys * 4 + 0.5]) @ a[:2, :2].T + a[:2, 2]
    ink = np.zeros(page.image.shape[:2], bool)
    h, w = ink.shape
    ink[np.clip(pts[:, 1].astype(int), 0, h - 1), np.clip(pts[:, 0].astype(int), 0, w - 1)] = True
    assert _ink_outside(ink, result) == 0
    # the crop lies at the sheet: not 2-16 mm of lid kept around it (an A4 sheet on the A4
    # page keeps its ink and margin; the paper's rim may lie beyond the page's edge)
    assert _gaps_mm(np.asarray(page.truth.paper_quad), result).max() <= 3.0
    assert report.bed_sides == []


@pytest.mark.parametrize("bed", [150, 110, 40])
def test_a_grey_or_black_bed_in_shade_stays_a_bed(bed: int) -> None:
    """The paper beyond a grey (or black) bed's edge is far brighter than the bed, dimmed or
    not: that bed is seen on every side, not taken for a lid."""
    frame = _lit(scan(draw_page(), 1.0, bed=bed, margin=MARGIN), 0.35, "right")
    small, _ = reduce(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), 200.0)
    paper = find_paper(small)
    assert not paper.white_bed and set(paper.bed_sides) == {"top", "right", "bottom", "left"}
