"""Holes over a white bed show only a ring: the shadow of the punched edge.

Found and filled when the ring is round, closed, 4–9 mm across, in a row at a standard
spacing in the binding margin, with plain paper in and around it; a printed circle (a punch
guide, a letter O) is ink, not a shadow, and stays.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from punched_holes import jpeg, lay_on_bed
from retouch_synthetic import draw_page

from dangan.imaging.accuracy import to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.pagegen import make_page
from dangan.pagegen.generate import GeneratedPage

OPTS = RetouchOptions(holes=True, orientation=False, trust_file_dpi=True)


def _fills_on(page: GeneratedPage, result: Retouched) -> tuple[int, int]:
    """(fills on a real hole, fills elsewhere)."""
    assert result.matrix is not None
    c = to_continuous(result.matrix) @ page.truth.matrix
    holes = [c[:2, :2] @ (h.clean_x, h.clean_y) + c[:2, 2] for h in page.truth.holes]
    on = off = 0
    for x0, y0, x1, y1 in result.report.hole_boxes:
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        if any(np.hypot(*(centre - h)) < 30 for h in holes):
            on += 1
        else:
            off += 1
    return on, off


@pytest.mark.parametrize(("seed", "count"), [(1001, 3), (1012, 2), (1023, 3)])
def test_holes_on_a_white_bed_are_filled(seed: int, count: int) -> None:
    page = make_page(seed, turn=0, holes=count, bed="white")
    result = retouch_bytes(page.data, OPTS)
    assert result.report.holes_filled == count == len(result.report.hole_boxes)
    assert _fills_on(page, result) == (count, 0)
    assert [ch.code for ch in result.report.changes].count("hole_filled") == count


def _with_rings(ink: int, width: int) -> bytes:
    """The synthetic page, on a white bed, with two circles drawn in its binding margin."""
    page = draw_page()
    h = page.shape[0]
    for y in (h // 2 - 310, h // 2 + 310):  # 80 mm apart, 11 mm from the edge, 6 mm across
        cv2.circle(page, (90, y), 24, (ink, ink, ink), width, cv2.LINE_AA)
    page = cv2.GaussianBlur(page, (0, 0), 1.2)  # the scanner's optics
    framed = cv2.copyMakeBorder(page, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(245, 245, 245))
    return simplejpeg.encode_jpeg(framed, quality=90)


@pytest.mark.parametrize(("ink", "width"), [(30, 3), (175, 4)])
def test_printed_circles_in_the_margin_are_not_holes(ink: int, width: int) -> None:
    """An ink circle, and a soft grey one as light as a shadow: print either way — paper
    inside and on both sides of the line."""
    report = retouch_bytes(_with_rings(ink, width), OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []


def test_shadow_rings_in_the_margin_are_holes() -> None:
    """The same rows punched through the sheet over the white bed: the bed inside, the cut
    edge's shadow on it inside the rim only. Found and filled: the tests above fail for
    the print alone."""
    page = draw_page()
    h = page.shape[0]
    holes = [(90, h // 2 - 310), (90, h // 2 + 310)]
    report = retouch_bytes(jpeg(lay_on_bed(page, 245, holes, 60, 0.9)), OPTS).report
    assert report.holes_filled == 2 and len(report.hole_boxes) == 2


def test_a_hole_cropped_off_the_canvas_is_neither_filled_nor_recorded() -> None:
    """This sheet is wider than the page size: its punched row lies in the overhang that the
    output leaves off, so no fill is recorded there (it would be a fill of nothing) and no
    hole is reported as left unfilled."""
    page = make_page(1019, turn=0)
    assert len(page.truth.holes) == 2
    report = retouch_bytes(page.data, OPTS).report
    w, h = report.width, report.height
    assert all(0 <= (x0 + x1) / 2 < w and 0 <= (y0 + y1) / 2 < h
               for x0, y0, x1, y1 in report.hole_boxes)
    assert report.holes_found == report.holes_filled == len(report.hole_boxes)
    assert "hole" not in [d.code for d in report.defects]
