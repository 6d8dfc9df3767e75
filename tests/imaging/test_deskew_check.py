"""An angle found by one method is checked on the page's own ink as it will lie after the
turn: its lines must come out level. A steep angle from a source that is not sure by itself
(an edge on a light bed) needs that confirmation; ink without lines says nothing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging.deskew import (
    AGREES,
    CONTRADICTS,
    UNCLEAR,
    check_turn,
    ink_points,
    skew_left,
    straightened,
    turn_allowed,
)


def _lines(angle_deg: float) -> np.ndarray:
    """Ink points of ten lines of "words" rising ``angle_deg`` to the right (analysis px)."""
    ink = np.zeros((420, 600), np.uint8)
    for i in range(10):
        y = 60 + 32 * i
        for x in range(30, 560, 26):
            yy = round(y - (x - 30) * np.tan(np.deg2rad(angle_deg)) + 20)
            ink[yy - 3:yy + 3, x:x + 19] = 255
    return ink_points(ink)


def _drawing() -> np.ndarray:
    rng = np.random.default_rng(3)
    ink = np.zeros((420, 600), np.uint8)
    for _ in range(30):  # rings and loops, no line of text
        centre = (int(rng.integers(40, 560)), int(rng.integers(40, 380)))
        axes = (int(rng.integers(8, 50)), int(rng.integers(8, 50)))
        cv2.ellipse(ink, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, 2)
    return ink_points(ink)


def test_straightened_takes_the_skew_out() -> None:
    pts = _lines(1.5)
    assert skew_left(pts, 10.0) == pytest.approx(1.5, abs=0.1)
    assert skew_left(straightened(pts, 1.5), 10.0) == pytest.approx(0.0, abs=0.1)
    # a wrong angle leaves the difference, measured over the whole range, not clipped
    assert skew_left(straightened(pts, -8.0), 10.0) == pytest.approx(9.5, abs=0.15)


def test_the_right_angle_agrees_and_a_wrong_one_contradicts() -> None:
    pts = _lines(1.5)
    assert check_turn(pts, 1.4, 10.0) == AGREES
    assert check_turn(pts, -8.0, 10.0) == CONTRADICTS
    assert check_turn(pts, 2.2, 10.0) == UNCLEAR  # 0.7° off: neither confirmed nor refuted
    assert check_turn(pts, 3.0, 10.0) == CONTRADICTS  # 1.5° off
    assert not turn_allowed(pts, -8.0, 10.0, sure_source=True)  # even a sure edge


def test_ink_without_lines_says_nothing() -> None:
    pts = _drawing()
    assert skew_left(pts, 10.0) is None
    assert check_turn(pts, 6.0, 10.0) == UNCLEAR
    assert turn_allowed(pts, 1.2, 10.0, sure_source=False)  # small: applied
    assert not turn_allowed(pts, 6.0, 10.0, sure_source=False)  # steep, unconfirmed: left
    assert turn_allowed(pts, 6.0, 10.0, sure_source=True)  # a sure edge (dark bed) stands


def test_a_steep_angle_confirmed_by_the_lines_is_allowed() -> None:
    pts = _lines(6.0)
    assert check_turn(pts, 6.0, 10.0) == AGREES
    assert turn_allowed(pts, 6.0, 10.0, sure_source=False)


def test_columns_of_vertical_script_are_lines_too() -> None:
    pts = _lines(4.0)
    down = np.column_stack([pts[:, 1], 600 - pts[:, 0]]).astype(np.float32)  # a quarter turn
    assert check_turn(down, 4.0, 10.0) == AGREES
    assert check_turn(down, -4.0, 10.0) == CONTRADICTS
