"""A sheet cropped close to its content and rescanned with another crop is found: where a
scan's frame cuts through the sheet's content (text, rules, a seal's ring running into the
edge of the file), what lies just beyond that edge is the crop, not another sheet. Two
sheets sharing a seal stay two sheets, and neither a strip of grey bed along the frame nor
the thin tip of a black bed where a sheet crosses the frame's edge is taken for content cut
by the crop.

Pages from ``dangan.pagegen`` on development seeds at 100 dpi; the rescans are warped here
with known values (``test_rescans.rescan``) and then cropped.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_rescans import Warp, _jpeg, duplicates_found, rescan, write_batch

from dangan.intake.duplicates.sheet import _cut_marks, mid_grey, mid_scan
from dangan.pagegen import DEV_SEEDS, make_page

SEED = DEV_SEEDS[0] + 127  # a ruled table with row numbers in its left column


def _tight(seed: int, margin_mm: float = 1.0) -> np.ndarray:
    """The clean sheet of ``seed`` (100 dpi) cut to its content and ``margin_mm`` around it:
    a page file cropped close, content near every edge of the frame."""
    sheet = make_page(seed, dpi=100, turn=0).sheet
    ys, xs = np.nonzero(sheet.content)
    m = round(margin_mm * 100 / 25.4)
    h, w = sheet.content.shape
    return np.ascontiguousarray(sheet.rgb[max(0, ys.min() - m) : min(h, ys.max() + m),
                                          max(0, xs.min() - m) : min(w, xs.max() + m)])


def _crop(data: bytes, left: float = 0.0, top: float = 0.0, right: float = 0.0,
          bottom: float = 0.0) -> bytes:
    """The scan with shares of its frame cut off each side (a crop that cuts the sheet)."""
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    h, w = rgb.shape[:2]
    return _jpeg(np.ascontiguousarray(rgb[round(top * h) : h - round(bottom * h),
                                          round(left * w) : w - round(right * w)]))


CROPS = {
    # the rescan's crop cuts into the sheet on its left: the row numbers of the table's
    # first column lie off it, the rules and the rest of the rows run into its edge
    "left strip cut": (Warp(angle=2.5, scale=1.03, bed=235, margin=0.04),
                       {"left": 0.045}),
    # turned and enlarged on a frame that barely holds it: two sides cut
    "top and right cut": (Warp(angle=-3.5, scale=1.05, bed=140, margin=0.02),
                          {"top": 0.02, "right": 0.03}),
}


@pytest.mark.parametrize("case", list(CROPS))
def test_a_page_cropped_close_and_rescanned_with_another_crop_is_found(
        case: str, tmp_path: Path) -> None:
    warp, crop = CROPS[case]
    page = _tight(SEED)
    v1, = write_batch(tmp_path, [[_jpeg(page), _jpeg(_tight(SEED + 1)),
                                  _crop(rescan(page, warp, seed=5), **crop)]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0003.jpg", f"{v1}/0001.jpg")}


def _grey_scan(rgb: np.ndarray, warp: Warp) -> np.ndarray:
    grey = mid_grey(rescan(rgb, warp))
    assert grey is not None
    return grey


def test_a_strip_of_bed_at_the_frame_is_not_content_cut_by_the_crop() -> None:
    """A sheet shifted against the frame's edge on a grey bed (a strip of bed narrower than
    the paper level's kernel: ink to the ink measure, along the edge) and on a black bed (the
    sheet's corner crossing the frame, the bed's thin tip beside it): the frame cuts the
    sheet there, not its content — nothing there excuses a mark off the frame."""
    blank = np.empty((1169, 827, 3), np.uint8)
    blank[:] = (246, 242, 230)
    for bed, angle in ((140, 1.5), (15, 2.0), (15, -2.5)):
        grey = _grey_scan(blank, Warp(angle=angle, bed=bed, shift=(0.03, -0.035), margin=0.05))
        assert int(_cut_marks(mid_scan(grey)).sum()) == 0, (bed, angle)
