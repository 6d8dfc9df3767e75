"""A solid dark disc is a hole only where what shows through it is the scanner bed.

A printed dot at a hole's place (a bullet, a mark) is round, solid and dark too: on a sheet
that fills the frame (no bed seen) or on a bed of another tone it stays; a disc of the bed's
own tone, in a row at a standard spacing, with the shadow of its cut edge inside its rim,
is filled and recorded.
"""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg
from punched_holes import jpeg, lay_on_bed
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.holes_bed import bed_tone, shows_bed
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(holes=True, orientation=False)


def _dots(page: np.ndarray, ink: int) -> np.ndarray:
    """Two solid 6 mm dots 80 mm apart, 11 mm from the binding edge (a punched row's place)."""
    page = page.copy()
    h = page.shape[0]
    for y in (h // 2 - 310, h // 2 + 310):
        cv2.circle(page, (90, y), 24, (ink, ink, ink), -1, cv2.LINE_AA)
    return page


def _jpeg(pixels: np.ndarray) -> bytes:
    return simplejpeg.encode_jpeg(cv2.GaussianBlur(pixels, (0, 0), 1.0), quality=90)


def test_printed_dots_on_a_sheet_filling_the_frame_are_kept() -> None:
    report = retouch_bytes(_jpeg(_dots(draw_page(), 25)), OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []
    assert "hole_filled" not in [c.code for c in report.changes]
    assert "hole" not in [d.code for d in report.defects]


def test_printed_dots_on_a_grey_bed_are_kept() -> None:
    data = _jpeg(scan(_dots(draw_page(), 25), 0.6, bed=130))
    report = retouch_bytes(data, OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []
    assert "hole_filled" not in [c.code for c in report.changes]


def test_holes_showing_a_grey_bed_are_filled_and_recorded() -> None:
    """The same row punched through the sheet, showing the grey bed's own tone (shaded by
    the cut edge inside the rim), is a row of holes: the test above fails for the tone
    alone, not for the place or the shape. A flat dot of the bed's tone is print
    (test_holes_printed_rings)."""
    page = draw_page()
    h = page.shape[0]
    data = jpeg(lay_on_bed(page, 130, [(90, h // 2 - 310), (90, h // 2 + 310)], 110, 0.6))
    report = retouch_bytes(data, OPTS).report
    assert report.holes_filled == 2 and len(report.hole_boxes) == 2
    assert [c.code for c in report.changes].count("hole_filled") == 2


def test_holes_showing_a_dark_bed_are_filled() -> None:
    data = _jpeg(scan(draw_page(), 0.9, bed=22, holes=True))
    assert retouch_bytes(data, OPTS).report.holes_filled == 2


def test_bed_tone_is_none_without_a_bed_or_on_a_white_bed() -> None:
    page = cv2.cvtColor(draw_page(), cv2.COLOR_RGB2GRAY)
    h, w = page.shape
    mm = 200 / 25.4
    full = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    assert bed_tone(page, full, mm) is None
    white = cv2.copyMakeBorder(page, 120, 120, 110, 110, cv2.BORDER_CONSTANT, value=245)
    inner = full + np.array([110.0, 120.0])
    assert bed_tone(white, inner, mm) is None
    grey = cv2.copyMakeBorder(page, 120, 120, 110, 110, cv2.BORDER_CONSTANT, value=130)
    tone = bed_tone(grey, inner, mm)
    assert tone is not None and abs(tone.level - 130) <= 2
    assert shows_bed(135.0, tone, (60.0, 60.0)) and not shows_bed(30.0, tone, (60.0, 60.0))
