"""Printed marks at a hole's place are print, not holes: a grey punch-guide ring, a dot of
the bed's own tone. A punched hole shows the bed below the sheet, shaded by its cut edge
inside the rim; a printed ring has paper inside and on both sides of its line, a printed
dot is flat to its edge. The marks stay (no ``hole_filled`` on them) beside a real punched
row along the same edge, which is still filled; a real hole left for its tone is named
for a person (``hole_unsure``), not passed over in silence.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest
import simplejpeg
from punched_holes import MM, dot, jpeg, lay_on_bed, ring
from retouch_synthetic import draw_page

from dangan.imaging.accuracy import to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes

OPTS = RetouchOptions(holes=True, orientation=False, trust_file_dpi=True)
MARGIN = 110  # bed around the sheet, px
X = 94  # 12 mm from the binding edge
HOLES = [(X, 2339 // 2 - 310), (X, 2339 // 2 + 310)]  # a punched row, 78.7 mm apart
# Marks 84 mm beyond each end of that row, on its line: taken for holes they would make
# a row of four at a standard spacing and be filled with it.
MARKS = [(X, 2339 // 2 - 310 - 660), (X, 2339 // 2 + 310 + 660)]
SHADE = {245: 0.9, 130: 0.6, 100: 0.6, 22: 0.3}  # the cut edge's shadow on a white, grey, black bed


def _retouch(page: np.ndarray, bed: int, holes: Sequence[tuple[int, int]], seed: int = 0
             ) -> Retouched:
    scan = lay_on_bed(page, bed, holes, MARGIN, SHADE[bed])
    return retouch_bytes(jpeg(scan, seed), OPTS)


def _out(result: Retouched, x: float, y: float) -> np.ndarray:
    """(x, y) on the sheet → output px."""
    assert result.matrix is not None
    c = to_continuous(result.matrix)
    return c[:2, :2] @ np.array([x + MARGIN + 0.5, y + MARGIN + 0.5]) + c[:2, 2] - 0.5


def _filled_at(result: Retouched, spots: list[tuple[int, int]]) -> list[bool]:
    """For each spot (sheet px): is a recorded fill on it?"""
    boxes = result.report.hole_boxes
    out = []
    for x, y in spots:
        p = _out(result, x, y)
        out.append(any(x0 <= p[0] <= x1 and y0 <= p[1] <= y1 for x0, y0, x1, y1 in boxes))
    return out


def _darkest_at(result: Retouched, x: float, y: float) -> int:
    """The darkest output pixel within 4 mm of (x, y) on the sheet: a ring's ink, if kept."""
    assert result.data is not None
    grey = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert grey is not None
    p = _out(result, x, y)
    r = int(4 * MM)
    patch = grey[int(p[1]) - r:int(p[1]) + r + 1, int(p[0]) - r:int(p[0]) + r + 1]
    assert patch.size
    return int(patch.min())


@pytest.mark.parametrize("bed", [245, 130, 22])
@pytest.mark.parametrize(("tone", "width_mm"), [(90, 0.3), (130, 0.4), (170, 0.5)])
def test_printed_rings_stay_beside_a_punched_row(bed: int, tone: int, width_mm: float) -> None:
    """Grey punch-guide rings, 6 mm across, 12 mm from the edge, on the line of a row of
    real holes (trial pages p15, q02, q04, q14: tone 90, 0.3 mm, filled and erased)."""
    page = draw_page()
    for x, y in MARKS:
        ring(page, x, y, tone, width_mm)
    result = _retouch(page, bed, HOLES)
    report = result.report
    assert _filled_at(result, MARKS) == [False, False], report.hole_boxes
    assert _filled_at(result, HOLES) == [True, True], report.hole_boxes
    assert [c.code for c in report.changes].count("hole_filled") == 2
    for x, y in MARKS:  # the ring's ink is in the output
        assert _darkest_at(result, x, y) < (tone + 238) / 2


def test_printed_rings_alone_are_not_filled_nor_named() -> None:
    """Only the grey rings, on a white bed: no fill, nothing named (a printed circle)."""
    page = draw_page()
    for x, y in HOLES:
        ring(page, x, y, 90, 0.3)
    report = _retouch(page, 245, []).report
    assert report.holes_filled == 0 and report.hole_boxes == []
    assert "hole_filled" not in [c.code for c in report.changes]
    assert "hole_unsure" not in report.review


def _white_bed_in_the_sheets_shade(page: np.ndarray, holes: Sequence[tuple[int, int]],
                                   lid: int = 250) -> bytes:
    """Holes over a white lid, as the trial drew them (page p25): the lid under the sheet
    lies in its shade (three quarters of its level), so each hole is a light grey disc with
    a shadow crescent along one side of its rim."""
    h, w = page.shape[:2]
    m = MARGIN
    frame = np.full((h + 2 * m, w + 2 * m), float(lid), np.float32)
    sheet = np.zeros(frame.shape, np.float32)
    sheet[m + 4:m + h + 4, m + 4:m + w + 4] = 1.0
    frame *= 1.0 - 0.25 * cv2.GaussianBlur(sheet, (0, 0), 0.8 * MM)
    hole = np.zeros((h, w), np.float32)
    for x, y in holes:
        cv2.circle(hole, (x, y), round(3 * MM), 1.0, -1)
    soft = cv2.GaussianBlur(hole, (0, 0), 0.4 * MM)
    rim = np.clip(soft - np.roll(soft, (round(0.6 * MM), round(0.6 * MM)), (0, 1)), 0, 1)
    under = frame[m:m + h, m:m + w] * (1.0 - 0.5 * rim)
    grey = page[..., 0].astype(np.float32)
    frame[m:m + h, m:m + w] = grey * (1.0 - hole) + under * hole
    rgb = cv2.cvtColor(np.clip(frame + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    return simplejpeg.encode_jpeg(rgb, quality=90)


def test_holes_over_a_white_lid_in_the_sheets_shade_are_named() -> None:
    """Their grey is not the lid's tone beside the sheet, so they are not filled; but they
    are seen (a disc with the shadow of its cut edge) and named, not passed over."""
    report = retouch_bytes(_white_bed_in_the_sheets_shade(draw_page(), HOLES), OPTS).report
    assert report.holes_filled == 0
    assert "hole_unsure" in report.review and len(report.hole_unsure_boxes) == 2


def test_grey_dots_on_a_white_bed_are_not_named() -> None:
    """The same place printed with grey dots, flat to their edge: nothing named."""
    page = draw_page()
    for x, y in HOLES:
        dot(page, x, y, 185)
    report = retouch_bytes(_white_bed_in_the_sheets_shade(page, []), OPTS).report
    assert report.holes_filled == 0 and "hole_unsure" not in report.review
