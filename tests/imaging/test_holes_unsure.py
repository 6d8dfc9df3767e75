"""A likely binding hole left unfilled is said (``hole_unsure``), ordinary print is not.

A disc or ring that passed every check on its own (shape, size, margin, the bed's tone, no
print beside it) but stands in no row of holes — the other hole cropped off or hidden — is
left, and listed for review. So is one of a hole's shape and place left for its tone or for
print beside it that, taken as a hole, completes a row at a standard spacing. Bold
characters, bullets darker than the bed, letters, printed circles and chart legends are not
listed: they fail the shape, or stand alone at another tone.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.analysis import reduce
from dangan.imaging.holes import (
    NOT_BED,
    PRINT_BESIDE,
    ROW_ALONE,
    HoleJudgement,
    find_holes,
    find_rings,
    judge_holes,
)
from dangan.imaging.paper import find_paper
from dangan.pagegen import make_page

DPI = 200
MM = DPI / 25.4
R = round(3 * MM)  # a 6 mm disc


def _judge(image: np.ndarray | bytes) -> tuple[HoleJudgement, float]:
    """The holes judged on a page as ``analyse`` does, and the analysis factor."""
    if isinstance(image, bytes):
        image = simplejpeg.decode_jpeg(image, "RGB")
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    small, factor = reduce(grey, DPI)
    mm = DPI * factor / 25.4
    paper = find_paper(small)
    assert paper.found
    candidates = find_holes(small, paper.mask, paper.quad, paper.level, mm)
    rings = find_rings(grey, factor, DPI)
    return judge_holes(grey, factor, DPI, candidates, paper.quad, rings), factor


def _jpeg(pixels: np.ndarray) -> bytes:
    return simplejpeg.encode_jpeg(cv2.GaussianBlur(pixels, (0, 0), 1.0), quality=90)


def _disc(page: np.ndarray, x: float, y: float, tone: int) -> None:
    cv2.circle(page, (round(x), round(y)), R, (tone, tone, tone), -1, cv2.LINE_AA)


def _at(judgement: HoleJudgement, factor: float) -> list[tuple[float, float]]:
    """Centres of the unsure holes, scan px."""
    return [((h.x + 0.5) / factor - 0.5, (h.y + 0.5) / factor - 0.5) for h in judgement.unsure]


def test_a_lone_hole_is_left_and_flagged() -> None:
    """One hole showing the black bed, 11 mm from the edge (its partner cropped off or torn
    away): no row, so it is not filled; it is listed where it lies."""
    page = draw_page()
    h = page.shape[0]
    _disc(page, 90, h // 2 + 200, 22)
    judged, factor = _judge(_jpeg(scan(page, 0.0, bed=22)))
    assert judged.holes == []
    assert [w.why for w in judged.left if w.why != "shape"] == [ROW_ALONE]
    (x, y), = _at(judged, factor)
    assert abs(x - (90 + 110)) < 8 and abs(y - (h // 2 + 200 + 120)) < 8


def test_holes_on_a_sheet_filling_the_frame_are_flagged_not_filled() -> None:
    """Two dark discs at a punched row's place on a sheet filling the frame: no bed seen to
    tell a hole from a printed dot, so nothing is filled — and both are listed."""
    page = draw_page()
    h = page.shape[0]
    for y in (h // 2 - 310, h // 2 + 310):
        _disc(page, 90, y, 25)
    judged, factor = _judge(_jpeg(page))
    assert judged.holes == []
    assert [w.why for w in judged.left if w.why != "shape"] == [NOT_BED, NOT_BED]
    ys = sorted(y for _x, y in _at(judged, factor))
    assert len(ys) == 2 and abs(ys[0] - (h // 2 - 310)) < 8 and abs(ys[1] - (h // 2 + 310)) < 8


def test_a_hole_with_print_beside_it_completing_a_row_is_flagged() -> None:
    """Three holes 80 mm apart on a black bed; a page number written 12 mm beyond the last
    one, at its distance from the edge. The last is left for the print beside it and the
    first two are filled; the last completes their row, so it is listed."""
    page = draw_page()
    h = page.shape[0]
    ys = [h // 2 - 630, h // 2, h // 2 + 630]
    for y in ys:
        _disc(page, 90, y, 22)
    cv2.putText(page, "12", (70, ys[2] + R + round(12 * MM)), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                (25, 25, 25), 2)
    judged, factor = _judge(_jpeg(scan(page, 0.0, bed=22)))
    assert len(judged.holes) == 2
    assert PRINT_BESIDE in [w.why for w in judged.left]
    (x, y), = _at(judged, factor)
    assert abs(x - (90 + 110)) < 8 and abs(y - (ys[2] + 120)) < 8


def _column(page: np.ndarray, ink: int) -> None:
    """Bold marks 7 mm tall in a column 22 mm from the edge (■ □ ■ ■ □ ● ○, as 國 圖 回 in a
    bold face) and a bullet in the margin, 12 mm from the edge."""
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
    _disc(page, 12 * MM, h / 2 + 120 * MM, ink)


@pytest.mark.parametrize(("ink", "bed"), [(15, 28), (10, 22), (20, 30)])
def test_bullets_and_bold_marks_darker_than_the_bed_are_not_flagged(ink: int, bed: int
                                                                    ) -> None:
    page = draw_page()
    _column(page, ink)
    judged, _f = _judge(_jpeg(scan(page, 0.0, bed=bed)))
    assert judged.holes == [] and judged.unsure == []


def test_printed_circles_and_dots_on_a_grey_bed_are_not_flagged() -> None:
    page = draw_page()
    h = page.shape[0]
    for y in (h // 2 - 310, h // 2 + 310):
        _disc(page, 90, y, 25)
        cv2.circle(page, (90, y + 150), 24, (30, 30, 30), 3, cv2.LINE_AA)
    judged, _f = _judge(_jpeg(scan(page, 0.6, bed=130)))
    assert judged.holes == [] and judged.unsure == []


@pytest.mark.parametrize(("seed", "kind", "bed"), [
    (3, "chart", "black"), (8, "letter", "grey"), (21, "form", "black"), (34, "table", "white"),
    (55, "vertical", "black"), (89, "chart", "grey")])
def test_generated_pages_without_holes_are_not_flagged(seed: int, kind: str, bed: str) -> None:
    """Bold titles, seals, page numbers, legend squares the size of a hole: nothing listed."""
    page = make_page(seed, kind=kind, bed=bed, holes=0, turn=0)
    judged, _f = _judge(page.image)
    assert judged.holes == [] and judged.unsure == []


@pytest.mark.parametrize(("seed", "bed", "count"), [(5, "black", 2), (13, "grey", 3),
                                                    (40, "white", 2)])
def test_filled_holes_are_not_flagged(seed: int, bed: str, count: int) -> None:
    page = make_page(seed, bed=bed, holes=count, turn=0)
    judged, _f = _judge(page.image)
    assert len(judged.holes) == count and judged.unsure == []


def test_a_lone_hole_asks_a_person_in_the_report_with_its_box() -> None:
    from dangan.imaging.context import RetouchOptions
    from dangan.imaging.pipeline import retouch_bytes

    page = draw_page()
    h = page.shape[0]
    _disc(page, 90, h // 2 + 200, 22)
    data = _jpeg(scan(page, 0.0, bed=22))
    report = retouch_bytes(data, RetouchOptions(orientation=False, holes=True)).report
    assert "hole_unsure" in report.review and report.holes_filled == 0
    [box] = report.hole_unsure_boxes
    assert box[0] < 90 < box[2] and box[1] < h // 2 + 200 < box[3], box
    report = retouch_bytes(data, RetouchOptions(orientation=False, holes=False)).report
    assert "hole_unsure" not in report.review  # holes not asked for: nothing said of them
