"""A sheet on a white bed (a white lid) is found by its edges — the shadow it casts along
them — and cropped to at its size, not kept with its bed and shrunk onto the page; a note
written beyond the sheet's edge onto the bed keeps the whole frame (nothing is cut)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.imaging.qc import SHRUNK

OPTS = RetouchOptions(orientation=False)
MARGIN = (118, 118)  # 15 mm of bed at 200 dpi


def _on_white_bed(angle: float, note: bool = False) -> np.ndarray:
    """The drawn A4 sheet on a white bed (250) with the thin shadow (~0.8 mm) its edges cast."""
    page = draw_page()
    frame = scan(page, angle, bed=250, margin=MARGIN)
    cover = scan(np.full_like(page, 255), angle, bed=0, margin=MARGIN)[:, :, 0]
    sheet = (cover > 127).astype(np.uint8)
    shadow = (cv2.dilate(sheet, np.ones((13, 13), np.uint8)) > 0) & (sheet == 0)
    frame[shadow] = 205
    if note:  # a handwritten note on the bed beside the sheet's right edge
        h, w = frame.shape[:2]
        cv2.putText(frame, "see 17", (w - 110, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (30, 30, 30), 2)
    return frame


def _retouch(frame: np.ndarray) -> Retouched:
    return retouch_bytes(simplejpeg.encode_jpeg(frame, quality=92), OPTS)


def _ink_outside(frame: np.ndarray, result: Retouched) -> int:
    """Ink pixels of the input that the output's map puts outside its canvas."""
    ys, xs = np.nonzero(frame[:, :, 0] < 100)
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    out = np.column_stack([xs, ys, np.ones(len(xs))]) @ m.T
    w, h = result.report.width, result.report.height
    inside = (out[:, 0] >= 0) & (out[:, 1] >= 0) & (out[:, 0] <= w - 1) & (out[:, 1] <= h - 1)
    return int(np.count_nonzero(~inside))


@pytest.mark.parametrize("angle", [0.0, 1.5])
def test_a_sheet_on_a_white_bed_is_cropped_at_its_size(angle: float) -> None:
    frame = _on_white_bed(angle)
    result = _retouch(frame)
    report = result.report
    assert report.scale >= 0.99
    assert SHRUNK not in report.review
    assert _ink_outside(frame, result) == 0
    assert report.bed_sides == []  # a white bed is never painted: only the crop changes


@pytest.mark.parametrize("angle", [0.0, 1.5])
def test_a_note_beyond_the_sheet_on_a_white_bed_keeps_the_frame(angle: float) -> None:
    frame = _on_white_bed(angle, note=True)
    result = _retouch(frame)
    assert _ink_outside(frame, result) == 0
    h, w = frame.shape[:2]
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [w - 1, h - 1, 1], [0, h - 1, 1]]) @ m.T
    assert corners[:, 0].min() >= -1 and corners[:, 1].min() >= -1  # the whole frame kept
    assert corners[:, 0].max() <= result.report.width and corners[:, 1].max() <= result.report.height
