"""The skew left on the output, measured honestly.

Ink points of the scan's pixel grid keep its rows wherever they are mapped, and a profile
finds them as a peak at the grid's angle: they are dithered. The residual of two facing pages
laid at different angles, or of text above a rule at another angle, is no one angle: ``None``,
as doubt (not as ink without lines, like a drawing's).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from retouch_synthetic import draw_page
from test_deskew_check import _drawing

from dangan.imaging.accuracy import rotation_of, to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.deskew import (
    halves_disagree,
    ink_points,
    skew_left,
    skew_left_checked,
    straightened,
)


def _rise(x: float, angle_deg: float) -> float:
    return -x * float(np.tan(np.deg2rad(angle_deg)))


def _page_ink(angle_deg: float, seed: int) -> np.ndarray:
    """The ink mask at 50 dpi of an A4 page of 30 lines drawn at 200 dpi, turned
    ``angle_deg`` (as a scan of it lies), reduced as analysis reduces it."""
    rng = np.random.default_rng(seed)
    grey = np.full((2339, 1654), 240, np.uint8)
    for r in range(30):
        words = " ".join("".join(rng.choice(list("abcdefghklmnoprstuy"), int(rng.integers(2, 9))))
                         for _ in range(9))
        cv2.putText(grey, words, (150, 250 + 62 * r), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2,
                    cv2.LINE_AA)
    m = cv2.getRotationMatrix2D((827, 1170), angle_deg, 1.0)
    grey = cv2.warpAffine(grey, m, (1654, 2339), borderValue=240)
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return (small < 240 * 200 // 256).astype(np.uint8) * 255


@pytest.mark.parametrize(("angle", "seed"), [(0.1, 2), (0.2, 3), (-0.25, 4), (0.35, 5)])
def test_a_small_skew_is_not_pulled_to_the_pixel_grid(angle: float, seed: int) -> None:
    """On the pixels' own rows a profile peaks at 0°: a skew of a few tenths measured on
    them comes out near 0 (0.1° and 0.2° as -0.1°). Dithered, it is measured."""
    pts = ink_points(_page_ink(angle, seed))
    left = skew_left(pts, 12.0, 1.0)
    assert left is not None and left == pytest.approx(angle, abs=0.1)


def _text_pts(angle_deg: float, rows: int = 14, seed: int = 0) -> np.ndarray:
    """Ink points of a page of ``rows`` lines of words 600 px wide (analysis px), rising
    ``angle_deg`` to the right."""
    rng = np.random.default_rng(seed)
    ink = np.zeros((30 * rows + 100, 640), np.uint8)
    for i in range(rows):
        x = 20 + int(rng.integers(0, 20))
        while x < 580:
            w = int(rng.integers(10, 40))
            yy = round(60 + 30 * i + _rise(x + w / 2 - 300, angle_deg))
            ink[yy - 3:yy + 3, x:x + w] = 255
            x += w + int(rng.integers(5, 9))
    return ink_points(ink)


def test_a_spread_of_two_pages_at_different_angles_has_no_one_skew_left() -> None:
    left, right = _text_pts(0.0), _text_pts(1.5, seed=1)
    right = right + np.float32([640, 0])
    spread = np.vstack([left, right]).astype(np.float32)
    assert halves_disagree(spread, 0.0, 0.3)
    assert skew_left(spread, 12.0, 1.0) is None
    assert skew_left_checked(spread, 12.0, 1.0) == (None, True)  # disputed, not unmeasured
    # without asking for one angle (a turn checked in analysis) it still answers, as before
    assert skew_left(spread, 12.0) is not None
    # a spread laid askew as a whole, both its pages at one angle, is measured
    level = np.vstack([_text_pts(0.0), _text_pts(0.0, seed=1) + np.float32([640, 0])])
    same = straightened(level, -0.8)
    assert not halves_disagree(same, 0.8, 0.3)
    assert skew_left(same, 12.0, 1.0) == pytest.approx(0.8, abs=0.1)


def test_text_above_a_rule_at_another_angle_has_no_one_skew_left() -> None:
    text = _text_pts(0.0, rows=6)
    bottom = text.copy()
    ink = np.zeros((700, 640), np.uint8)
    cv2.line(ink, (10, 600), (630, 600 - 11), 255, 5)  # 1° off the text, full width
    rule = ink_points(ink)
    page = np.vstack([bottom, rule]).astype(np.float32)
    assert skew_left(page, 12.0, 1.0) is None
    # turned straight, text alone is measured level
    assert skew_left(straightened(text, 0.0), 12.0, 1.0) == pytest.approx(0.0, abs=0.15)


def test_ink_without_lines_is_unmeasured_not_disputed() -> None:
    # rings and loops, no line of text (the drawing of test_deskew_check)
    assert skew_left_checked(_drawing(), 12.0, 1.0) == (None, False)


def _spread(left_deg: float, right_deg: float) -> tuple[bytes, list[np.ndarray]]:
    """Two facing A4 pages at 200 dpi on a dark bed, each laid at its own angle; the JPEG and
    each page's map from its upright self to the scan."""
    h, w = 2339, 1654
    scan = np.full((h + 240, 2 * w + 240, 3), 20, np.uint8)
    maps = []
    for i, angle in enumerate((left_deg, right_deg)):
        page = draw_page(seed=11 + i)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        m[:, 2] += (120 + i * w, 120)
        cv2.warpAffine(page, m, scan.shape[1::-1], dst=scan, borderMode=cv2.BORDER_TRANSPARENT)
        maps.append(to_continuous(m))
    ok, jpeg = cv2.imencode(".jpg", scan, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return jpeg.tobytes(), maps


@pytest.mark.parametrize(("left", "right"), [(0.0, 1.8), (-1.2, 0.4)])
def test_the_skew_left_on_a_spread_is_honest(left: float, right: float) -> None:
    """Whatever one turn does to two pages at different angles, the skew reported after it
    is each page's own residual, or none at all — never one page's angle for both."""
    from dangan.imaging.pipeline import retouch_bytes

    data, maps = _spread(left, right)
    result = retouch_bytes(data, RetouchOptions(orientation=False, dpi=200,
                                                trust_file_dpi=False))
    assert result.matrix is not None
    residual = [rotation_of(to_continuous(result.matrix) @ m) for m in maps]
    after = result.report.skew_after_deg
    assert after is None or all(abs(after - r) <= 0.3 for r in residual), (after, residual)


@pytest.mark.parametrize(("left", "right"), [(0.0, 1.8), (-1.2, 0.4)])
def test_a_spread_whose_pages_disagree_is_flagged_not_passed(left: float, right: float) -> None:
    """Where the two pages' skews cannot both be straight, the page is left for a person:
    ``skew_uncertain``, the skew after it none and marked as doubt — not "ok" with one page's
    angle, or none that reads as "nothing to measure"."""
    from dangan.imaging.pipeline import retouch_bytes

    data, maps = _spread(left, right)
    result = retouch_bytes(data, RetouchOptions(orientation=False, dpi=200,
                                                trust_file_dpi=False))
    assert result.matrix is not None
    residual = [rotation_of(to_continuous(result.matrix) @ m) for m in maps]
    if max(abs(r) for r in residual) <= 0.5:
        return  # both pages straight enough: nothing to flag
    report = result.report
    assert report.skew_after_deg is None and report.skew_after_doubt, residual
    assert "skew_uncertain" in report.review
    assert any(d.detail == "skew_uncertain:after=doubt" for d in report.defects)
