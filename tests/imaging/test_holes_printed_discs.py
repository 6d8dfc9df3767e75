"""A printed black disc is not a hole, on a black bed too.

A bullet ●, a bold ● in a column of characters or a mark at a hole's place in the row is as
round, solid and dark as a hole showing a black bed. It stays: a hole shows the tone of the
bed seen beside the sheet next to it (black ink is most often darker than a black bed), a
row of holes runs parallel to the paper edge, and a hole lies in the binding margin with no
print beside it at its distance from the edge.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.holes import column_ink_mm2
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(holes=True, orientation=False)
MM = 200 / 25.4  # draw_page is A4 at 200 dpi
R = round(3 * MM)  # a 6 mm disc


def _disc(page: np.ndarray, x: float, y: float, ink: int) -> None:
    cv2.circle(page, (round(x), round(y)), R, (ink, ink, ink), -1, cv2.LINE_AA)


def _column(page: np.ndarray, ink: int) -> None:
    """Bold marks 7 mm tall in a column 19–26 mm from the left edge, 25 mm apart (■ □ ■ ■ □
    ● ○, as 國 圖 回 ■ □ ● ○ in a bold face): the ● 50 mm below the middle."""
    h = page.shape[0]
    x, half = round(22.5 * MM), round(3.3 * MM)
    c = (ink, ink, ink)
    for i, kind in enumerate("■□■■□●○"):
        y = round(h / 2 + (-75 + 25 * i) * MM)
        if kind in "■□":
            cv2.rectangle(page, (x - half, y - half), (x + half, y + half), c,
                          -1 if kind == "■" else 5)
        elif kind == "●":
            _disc(page, x, y, ink)
        else:
            cv2.circle(page, (x, y), half, c, 5, cv2.LINE_AA)


def _jpeg(pixels: np.ndarray) -> bytes:
    return simplejpeg.encode_jpeg(cv2.GaussianBlur(pixels, (0, 0), 1.0), quality=88)


@pytest.mark.parametrize(("ink", "bed"), [(15, 28), (10, 22), (20, 30), (25, 25)])
def test_discs_in_the_margin_and_in_a_text_column_on_a_black_bed_stay(ink: int, bed: int
                                                                       ) -> None:
    """No holes at all: a 6 mm ● in the margin, 12 mm from the edge, and a bold ● in a
    column of marks 22 mm from it, 70 mm apart along the edge (the line through them
    slants 9° from the edge). Of the bed's own tone too: their places tell."""
    page = draw_page()
    h = page.shape[0]
    _column(page, ink)
    _disc(page, 12 * MM, h / 2 + 120 * MM, ink)
    result = retouch_bytes(_jpeg(scan(page, 0.0, bed=bed)), OPTS)
    assert result.report.holes_filled == 0 and result.report.hole_boxes == []
    assert "hole_filled" not in [c.code for c in result.report.changes]


@pytest.mark.parametrize(("ink", "bed"), [(15, 28), (10, 22), (20, 30)])
def test_a_disc_in_line_with_a_row_of_holes_stays(ink: int, bed: int) -> None:
    """Two holes 80 mm apart showing the black bed, and a printed ● 80 mm further along the
    same row, at the same distance from the edge: the two holes are filled, the ● stays."""
    page = draw_page()
    h = page.shape[0]
    y_dot = h // 2 + 310 + 620
    _disc(page, 90, y_dot, ink)
    result = retouch_bytes(_jpeg(scan(page, 0.0, bed=bed, holes=True)), OPTS)
    report = result.report
    assert report.holes_filled == 2 and len(report.hole_boxes) == 2
    ys = sorted((y0 + y1) / 2 for _x0, y0, _x1, y1 in report.hole_boxes)
    assert abs((ys[1] - ys[0]) - 620) < 15  # the two holes, not the ● 80 mm below them


def test_a_line_of_two_discs_slanting_from_the_edge_is_not_a_row() -> None:
    """Two discs of the bed's own tone, in a plain margin 70 mm apart, 12 and 22 mm from the
    edge: within 10° of the edge, but a punch's row keeps one distance from it."""
    page = draw_page()
    h = page.shape[0]
    _disc(page, 22 * MM, h / 2 - 35 * MM, 25)
    _disc(page, 12 * MM, h / 2 + 35 * MM, 25)
    result = retouch_bytes(_jpeg(scan(page, 0.0, bed=25)), OPTS)
    assert result.report.holes_filled == 0 and result.report.hole_boxes == []


def test_discs_in_a_column_of_print_are_not_holes_even_of_the_beds_tone() -> None:
    """Two bold ● of the bed's own tone, 80 mm apart in a row parallel to the edge, 22 mm
    from it — but in a column of bold marks 25 mm apart: content, not a binding."""
    page = draw_page()
    h = page.shape[0]
    x, half = round(22.5 * MM), round(3.3 * MM)
    for kind, dy in zip("■●□■●○", (-65, -40, -15, 15, 40, 65), strict=True):
        y = round(h / 2 + dy * MM)
        if kind == "●":
            _disc(page, x, y, 25)
        elif kind == "○":
            cv2.circle(page, (x, y), half, (25, 25, 25), 5, cv2.LINE_AA)
        else:
            cv2.rectangle(page, (x - half, y - half), (x + half, y + half), (25, 25, 25),
                          -1 if kind == "■" else 5)
    result = retouch_bytes(_jpeg(scan(page, 0.0, bed=25)), OPTS)
    assert result.report.holes_filled == 0 and result.report.hole_boxes == []


def test_print_beside_a_disc_at_its_distance_from_the_edge_is_measured() -> None:
    """The strip looked at: the column of marks beside a ● is ink; a hole's margin is not."""
    page = draw_page()
    h = page.shape[0]
    _column(page, 15)
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    quad = np.array([[0, 0], [page.shape[1] - 1, 0], [page.shape[1] - 1, h - 1], [0, h - 1]],
                    np.float64)
    down = np.array([0.0, 1.0])
    in_column = column_ink_mm2(grey, 22.5 * MM, h / 2 + 50 * MM, R, down, quad, MM)
    in_margin = column_ink_mm2(grey, 90, h / 2 - 310, R, down, quad, MM)
    assert in_column > 20 and in_margin == 0
