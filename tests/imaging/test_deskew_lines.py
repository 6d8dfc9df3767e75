"""The line fit that confirms a profile's angle.

A thin rule laid a little askew is drawn at 50 dpi as a staircase of level steps: the steps
say nothing of its slope and must not confirm a level page. The words of a table's cells
make short bands, each with an angle good to about a pixel over its length: together they
confirm the angle. Two rows of them do not.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging.deskew import line_fit_angle

MM = 50 / 25.4  # analysis px per mm (50 dpi)


def _rise(x: float, angle_deg: float) -> float:
    return -x * float(np.tan(np.deg2rad(angle_deg)))


def _ruled_form(angle_deg: float) -> np.ndarray:
    """Ink of a form at 50 dpi: long 1-px rules (antialiased, then thresholded as the ink
    mask does: a staircase of level steps) with a few words above each."""
    grey = np.full((560, 400), 255, np.uint8)
    for i in range(18):
        y0 = 60 + 26 * i
        cv2.line(grey, (40, round(y0 + _rise(-160, angle_deg))),
                 (360, round(y0 + _rise(160, angle_deg))), 40, 1, cv2.LINE_AA)
        x = 44  # a label: two short words
        for w in (14, 10):
            yy = round(y0 - 7 + _rise(x - 200, angle_deg))
            grey[yy - 3:yy + 3, x:x + w] = 30
            x += w + 5
    return (grey < 128).astype(np.uint8) * 255


def _table_cells(angle_deg: float, rows: int = 16) -> np.ndarray:
    """Ink at 50 dpi of a table's body drawn at 200 dpi, turned ``angle_deg`` and reduced:
    two words in cells 33 mm wide (bands 20-30 mm long), no rules."""
    rng = np.random.default_rng(4)
    grey = np.full((2000, 1640), 240, np.uint8)
    letters = list("abcdefghklmnoprstuy")
    for r in range(rows):
        for c in range(6):
            words = ["".join(rng.choice(letters, int(rng.integers(4, 7)))) for _ in range(2)]
            cv2.putText(grey, " ".join(words), (60 + 260 * c, 200 + 100 * r),
                        cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2, cv2.LINE_AA)
    m = cv2.getRotationMatrix2D((820, 1000), angle_deg, 1.0)
    grey = cv2.warpAffine(grey, m, (1640, 2000), borderValue=240)
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return (small < 240 * 200 // 256).astype(np.uint8) * 255


def test_a_thin_rule_askew_does_not_confirm_a_level_page() -> None:
    ink = _ruled_form(0.95)
    angle = line_fit_angle(ink, MM)
    assert angle is not None and angle == pytest.approx(0.95, abs=0.3)


def test_short_bands_of_table_cells_confirm_the_angle() -> None:
    angle = line_fit_angle(_table_cells(1.3), MM)
    assert angle is not None and angle == pytest.approx(1.3, abs=0.3)
    level = line_fit_angle(_table_cells(0.0), MM)
    assert level is not None and abs(level) <= 0.3


def test_two_lines_of_text_confirm_nothing() -> None:
    ink = _table_cells(1.3)
    assert line_fit_angle(ink, MM) is not None
    two = _table_cells(1.3, rows=2)  # two rows of cells: several bands on each
    assert line_fit_angle(two, MM) is None
