"""Residual skew where the page's ink is not mostly text lines, and doubt said aloud.

A chart, a photo or vertical script (竖排) gives no peaky profile over all the ink; the
angle is then taken from the text alone (rows or columns), confirmed by a fit of the text
lines, or from the paper edge seen on a light bed. A page with no angle to trust is left
unturned and flagged ``skew_uncertain``. Pages from ``dangan.pagegen`` development seeds.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg

from dangan.imaging.accuracy import rotation_of, to_continuous
from dangan.imaging.analysis import ink_mask, reduce
from dangan.imaging.context import RetouchOptions
from dangan.imaging.deskew import line_fit_angle, text_skew
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page

OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)


def _residual(seed: int, kind: str, bed: str) -> tuple[float, str]:
    page = make_page(seed, kind=kind, turn=0, bed=bed)
    result = retouch_bytes(page.data, OPTS)
    assert result.matrix is not None
    angle = rotation_of(to_continuous(result.matrix) @ page.truth.matrix)
    return (angle + 45) % 90 - 45, result.report.skew_method


@pytest.mark.parametrize(("seed", "kind"), [(3007, "chart"), (5016, "photo"),
                                            (5014, "vertical"), (2041, "vertical"),
                                            (3011, "sparse")])
def test_pages_without_plain_text_lines_come_out_straight(seed: int, kind: str) -> None:
    residual, method = _residual(seed, kind, "white")
    assert abs(residual) <= 0.1, (residual, method)
    assert method in ("content", "edge")


def test_a_chart_is_measured_on_its_text() -> None:
    page = make_page(3007, kind="chart", turn=0, bed="white")
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    small, factor = reduce(grey, 200)
    mm = 200 * factor / 25.4
    est = text_skew(ink_mask(small, find_paper(small), mm), mm, 10.0)
    assert est.text_only and est.verified and est.confidence >= 0.3
    assert abs(est.angle_deg - page.truth.skew_deg) < 0.15


def test_line_fit_needs_lines() -> None:
    ink = np.zeros((600, 450), np.uint8)
    for i in range(8):  # eight lines of "words" rising 1° to the right
        y = 100 + 50 * i
        for x in range(40, 400, 24):
            yy = round(y - (x - 40) * np.tan(np.deg2rad(1.0)))
            ink[yy - 3:yy + 3, x:x + 18] = 255
    assert line_fit_angle(ink, 2.0) == pytest.approx(1.0, abs=0.15)
    assert line_fit_angle(ink[:150], 2.0) is None  # one line is no evidence


def test_a_page_with_no_angle_to_trust_is_left_and_flagged() -> None:
    rng = np.random.default_rng(5)
    page = np.full((2339, 1654, 3), 238, np.uint8)
    for _ in range(40):  # drawings: rings and loops, no line of text
        centre = (int(rng.integers(200, 1450)), int(rng.integers(200, 2100)))
        axes = (int(rng.integers(20, 120)), int(rng.integers(20, 120)))
        cv2.ellipse(page, centre, axes, float(rng.uniform(0, 180)), 0, 360, (40, 40, 40),
                    int(rng.integers(2, 9)))
    result = retouch_bytes(simplejpeg.encode_jpeg(page, quality=90), OPTS)
    assert result.report.skew_method == "unsure"
    assert "skew_uncertain" in result.report.review
    assert result.matrix is not None and result.matrix[0, 1] == 0.0  # not turned at all
    assert "deskewed" not in [ch.code for ch in result.report.changes]
