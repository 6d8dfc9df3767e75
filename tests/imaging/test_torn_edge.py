"""A bay torn into the sheet's edge shows the bed inside the sheet's outline: it is the
paper's own damage, never painted (it lies inside the sheet), and ``torn.torn_bays`` names
its area for a person to see (``torn.torn_bays``); a whole sheet, a seal printed across the edge and a corner cut
(left to ``cut_corners``) give none."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.analysis import reduce
from dangan.imaging.context import RetouchOptions
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.torn import torn_bays

MM = 200 / 25.4


def _bay(page: np.ndarray, pts: list[list[int]], bed: int) -> np.ndarray:
    out = page.copy()
    cv2.fillPoly(out, [np.array(pts, np.int32)], (bed, bed, bed))
    return out


def _bays(page: np.ndarray, bed: int, angle: float) -> list[float]:
    frame = scan(page, angle, bed=bed)
    small, factor = reduce(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), 200.0)
    return torn_bays(small, find_paper(small), 200 * factor / 25.4)


def _tears(w: int, h: int) -> dict[str, list[list[int]]]:
    return {
        "right": [[w, 900], [w - 90, 950], [w - 60, 1000], [w - 120, 1040], [w, 1100]],
        "bottom": [[600, h], [650, h - 70], [700, h - 40], [760, h - 100], [820, h]],
    }


@pytest.mark.parametrize(("edge", "bed", "angle"),
                         [("right", 22, 0.0), ("right", 22, 2.0), ("bottom", 120, -1.0),
                          ("bottom", 22, 3.0)])
def test_a_bay_torn_into_an_edge_is_named_with_its_area(edge: str, bed: int,
                                                        angle: float) -> None:
    page = draw_page()
    h, w = page.shape[:2]
    pts = _tears(w, h)[edge]
    area = cv2.contourArea(np.array(pts, np.float32)) / MM / MM
    [found] = _bays(_bay(page, pts, bed), bed, angle)
    assert found == pytest.approx(area, rel=0.3)


@pytest.mark.parametrize(("bed", "angle"), [(22, 0.0), (22, 2.5), (120, -1.0)])
def test_a_whole_sheet_has_no_torn_bay(bed: int, angle: float) -> None:
    assert _bays(draw_page(), bed, angle) == []


def test_a_seal_across_the_edge_is_no_tear() -> None:
    """Half a seal stamped across the sheet's right edge (骑缝章): a ring 1.2 mm wide and a
    solid star, in the grey bed's tone, touching the bed."""
    page = draw_page()
    h, w = page.shape[:2]
    centre = (w, h // 2)
    cv2.circle(page, centre, round(19 * MM), (120, 120, 120), round(1.2 * MM), cv2.LINE_AA)
    star = [[w, h // 2 - 40], [w - 38, h // 2], [w, h // 2 + 40]]
    cv2.fillPoly(page, [np.array(star, np.int32)], (120, 120, 120))
    assert _bays(page, 120, 0.5) == []


def test_a_corner_torn_away_is_left_to_the_corner_cut() -> None:
    page = draw_page()
    w = page.shape[1]
    leg = round(20 * MM)
    assert _bays(_bay(page, [[w - leg, 0], [w, 0], [w, leg]], 22), 22, 1.0) == []


def test_the_bay_is_never_painted() -> None:
    """The bed inside the sheet's outline stays as it was: retouch paints only outside."""
    page = draw_page()
    h, w = page.shape[:2]
    frame = scan(_bay(page, _tears(w, h)["right"], 22), 0.0, bed=22)
    result = retouch_bytes(simplejpeg.encode_jpeg(frame, quality=92),
                           RetouchOptions(orientation=False))
    m = np.array(result.report.matrix, np.float64).reshape(2, 3)
    assert result.data is not None
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
    x, y = np.array([w - 40 + 110, 1000 + 120, 1.0]) @ m.T  # inside the bay, in the scan
    assert out[round(y), round(x)] < 80


def test_a_torn_edge_asks_a_person_with_its_area() -> None:
    page = draw_page()
    h, w = page.shape[:2]
    frame = scan(_bay(page, _tears(w, h)["right"], 22), 0.0, bed=22)
    report = retouch_bytes(simplejpeg.encode_jpeg(frame, quality=92),
                           RetouchOptions(orientation=False)).report
    assert "torn_edge" in report.review and len(report.torn_mm2) == 1, report.review
    [detail] = [d.detail for d in report.defects if d.detail.startswith("torn_edge:")]
    assert detail.endswith("mm2") and report.status == "defect"
    report = retouch_bytes(simplejpeg.encode_jpeg(scan(page, 0.0, bed=22), quality=92),
                           RetouchOptions(orientation=False)).report
    assert "torn_edge" not in report.review and report.torn_mm2 == []


def _photo(page: np.ndarray, box: tuple[int, int, int, int], seed: int = 7) -> np.ndarray:
    """A dark photograph (grey 5-90, smooth) printed over ``box`` (x0, y0, x1, y1, px)."""
    out = page.copy()
    x0, y0, x1, y1 = box
    cells = np.random.default_rng(seed).uniform(5, 90, (12, 9)).astype(np.float32)
    tone = cv2.resize(cells, (x1 - x0, y1 - y0), interpolation=cv2.INTER_CUBIC).clip(0, 255)
    out[y0:y1, x0:x1] = tone.astype(np.uint8)[..., None]
    return out


@pytest.mark.parametrize(("where", "angle"), [("left", 0.0), ("top", 0.0), ("top_left", 0.0),
                                              ("left", 1.5)])
def test_a_dark_photo_printed_to_the_edge_is_no_tear(where: str, angle: float) -> None:
    """A photo printed to the sheet's left and/or top edge on a black bed: its darkest parts
    take the bed's tone and join it, but its outline is straight and square with the sheet."""
    page = draw_page(lines=4)
    box = {"left": (0, round(20 * MM), round(190 * MM), round(250 * MM)),
           "top": (round(15 * MM), 0, round(195 * MM), round(250 * MM)),
           "top_left": (0, 0, round(190 * MM), round(250 * MM))}[where]
    assert _bays(_photo(page, box), 22, angle) == []


def test_a_tear_beside_a_dark_photo_is_still_named() -> None:
    """The photo is print; the ragged bay torn into the right edge below it is a tear."""
    page = draw_page(lines=4)
    w = page.shape[1]
    page = _photo(page, (0, round(20 * MM), round(150 * MM), round(120 * MM)))
    pts = [[w, 1500], [w - 90, 1550], [w - 60, 1600], [w - 120, 1640], [w, 1700]]
    area = cv2.contourArea(np.array(pts, np.float32)) / MM / MM
    [found] = _bays(_bay(page, pts, 22), 22, 1.0)
    assert found == pytest.approx(area, rel=0.3)
