"""A sheet on a white lid that casts no shadow: where its edge is not seen (a paper at the
lid's own tone) the whole frame is kept and flagged shrunk, and a sheet filling the frame
on a lid, its text left-aligned, is never cropped to its text. (A paper within 6 % of the
lid's tone is not found yet: a step of tone at 50 dpi is also what a dense line of small
print looks like, and cropping there cuts it.)"""

from __future__ import annotations

import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.imaging.qc import SHRUNK

OPTS = RetouchOptions(orientation=False)
MARGIN = (118, 118)  # 15 mm of lid at 200 dpi


def _frame(tone: int, lid: int, angle: float, noise: float, margin: tuple[int, int] = MARGIN
           ) -> np.ndarray:
    page = draw_page()
    page[(page == 238).all(axis=2)] = tone  # the paper's tone (the text stays)
    frame = scan(page, angle, bed=lid, margin=margin)
    if noise:
        grain = np.random.default_rng(7).normal(0, noise, frame.shape)
        frame = np.clip(frame + grain, 0, 255).astype(np.uint8)
    return frame


def _retouch(frame: np.ndarray) -> Retouched:
    return retouch_bytes(simplejpeg.encode_jpeg(frame, quality=90), OPTS)


def _outside(pts: np.ndarray, result: Retouched) -> int:
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    out = np.column_stack([pts, np.ones(len(pts))]) @ m.T
    w, h = result.report.width, result.report.height
    inside = (out[:, 0] >= -0.5) & (out[:, 1] >= -0.5) & (out[:, 0] <= w - 0.5) \
        & (out[:, 1] <= h - 0.5)
    return int(np.count_nonzero(~inside))


def test_a_paper_at_the_lids_own_tone_keeps_the_frame() -> None:
    """Nothing tells the paper from the lid: the whole frame is kept (and flagged shrunk)."""
    frame = _frame(250, 250, 0.0, 1.0)
    result = _retouch(frame)
    h, w = frame.shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    assert _outside(corners, result) == 0
    assert SHRUNK in result.report.review


@pytest.mark.parametrize("margin", [(0, 0), (8, 6)])
def test_a_sheet_filling_the_frame_on_a_lid_is_not_cropped_to_its_text(
        margin: tuple[int, int]) -> None:
    """The text's left-aligned block and its first line are steps of tone too, but not plain
    paper after them: the frame (the sheet) is kept whole."""
    frame = _frame(240, 250, 0.0, 2.0, margin)
    result = _retouch(frame)
    h, w = frame.shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    assert _outside(corners, result) <= 4  # within the few px a deskew may need
    assert result.report.scale >= 0.95
