"""Orientation of Latin-script pages drawn with the system's fonts (``latin_pages``).

On a page of Latin script the direction classifier is often unsure which end is up, and on a
page on its side Tesseract's OSD often answers the opposite quarter turn (270 for 90, in
italic and hand-like faces above all), so the page used to be flagged although line after
line of it read better one way. Such a reading, with the line direction pointing the same
way, now turns the page; an upright page is never turned, and Tesseract sure of upright or
upside down still stops the turn. A page with little text is turned only when its few lines
read fluently one way and the line direction says the same beyond doubt.
"""

from __future__ import annotations

from functools import cache

import cv2
import latin_pages
import numpy as np
import pytest

from dangan.imaging._exec import rapidocr, tesseract
from dangan.imaging.orientation import OrientationDecision, decide_orientation
from dangan.pagegen import make_page

pytestmark = pytest.mark.skipif(not latin_pages.available(),
                                reason="URW fonts or licence texts not on this system")


@cache
def _page(seed: int, kind: str, dpi: int) -> np.ndarray:
    return latin_pages.page(seed, kind, dpi)


def _decide(seed: int, kind: str, dpi: int, clockwise: int) -> OrientationDecision:
    """The decision on the page turned ``clockwise`` as a scanner would write it (JPEG)."""
    grey = np.ascontiguousarray(np.rot90(_page(seed, kind, dpi), -clockwise // 90))
    ok, jpeg = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    return decide_orientation(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), float(dpi))


@pytest.mark.parametrize(("seed", "kind", "dpi"), [(36, "hand", 200), (25, "book", 300)])
def test_latin_page_on_its_side_read_line_after_line_is_put_right(
        seed: int, kind: str, dpi: int) -> None:
    d = _decide(seed, kind, dpi, 90)
    assert (d.rotation, d.review) == (270, ""), d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict)
    assert reading["paired"][3] >= 8 and sum(reading["paired"]) == reading["paired"][3]


def test_tesseract_taking_the_opposite_quarter_turn_does_not_stop_a_clear_reading() -> None:
    """A hand-like italic page on its side: the reading and the line direction say 90,
    Tesseract (surely) 270."""
    d = _decide(1064, "hand", 200, 270)
    assert (d.rotation, d.review) == (90, ""), d.evidence
    assert isinstance(d.evidence["reading"], dict) and d.evidence["reading"]["paired"][1] >= 6


@pytest.mark.parametrize("says", [0, 180])
def test_tesseract_sure_of_upright_or_upside_down_still_stops_the_turn(
        monkeypatch: pytest.MonkeyPatch, says: int) -> None:
    monkeypatch.setattr(tesseract, "osd", lambda *_: tesseract.Osd(says, 6.0, "Latin", 2.0))
    d = _decide(1064, "hand", 200, 270)
    assert d.rotation == 0 and d.review != "", d.evidence


@pytest.mark.parametrize(("seed", "kind", "dpi"), [(36, "hand", 200), (25, "book", 300),
                                                   (1064, "hand", 200)])
def test_the_same_latin_pages_upright_are_not_turned(seed: int, kind: str, dpi: int) -> None:
    d = _decide(seed, kind, dpi, 0)
    assert d.rotation == 0, d.evidence


def test_little_latin_text_read_one_way_is_put_right() -> None:
    """A few lines that read fluently one way, none another way, and the line direction
    saying the same beyond doubt: the page is put right (it was flagged as too little
    text)."""
    d = _decide(22, "sparse", 200, 270)
    assert (d.rotation, d.review) == (90, ""), d.evidence


def test_the_same_little_latin_text_upright_is_not_turned() -> None:
    d = _decide(22, "sparse", 200, 0)
    assert d.rotation == 0, d.evidence


def test_faint_page_on_its_side_is_not_missed_silently() -> None:
    """The detector found not one line on this low-contrast page lying on its side (faint
    lines running down the page escape it, at 640 and at 960 px), so it was left as it was
    and not flagged. Its lines are found on the view turned a quarter."""
    d = _decide(1075, "faint", 300, 90)
    assert d.rotation == 270 or (d.rotation == 0 and d.review), d.evidence
    ppocr = d.evidence["ppocr"]
    assert isinstance(ppocr, dict) and ppocr["lines"] > 0


@pytest.mark.parametrize("clockwise", [0, 180])
def test_the_same_faint_page_across_is_not_turned_wrongly(clockwise: int) -> None:
    """Not one box at 640 px on it either, but strokes of ink: it is still looked at at
    960 px, where its lines are found."""
    d = _decide(1075, "faint", 300, clockwise)
    assert d.rotation == (360 - clockwise) % 360 or (d.rotation == 0 and d.review), d.evidence
    ppocr = d.evidence["ppocr"]
    assert isinstance(ppocr, dict) and ppocr["px"] == 960 and ppocr["lines"] > 0


@pytest.mark.parametrize("turn", [0, 90])
def test_generated_blank_sheet_is_left_as_it_is_after_one_look(
        monkeypatch: pytest.MonkeyPatch, turn: int) -> None:
    """A blank sheet (faint show-through from its back) is not a question for a person. The
    detector found not one box on it at 640 px, and next to no stroke of ink lies on it:
    it is not looked at again at 960 px (it cost 2.25 times the first look, for nothing)."""
    looks: list[tuple[int, ...]] = []
    detect = rapidocr.detect_lines

    def counted(bgr: np.ndarray) -> np.ndarray:
        looks.append(bgr.shape)
        return detect(bgr)

    monkeypatch.setattr(rapidocr, "detect_lines", counted)
    page = make_page(800_123, kind="blank", turn=turn)
    d = decide_orientation(cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY), 200.0)
    assert (d.rotation, d.review) == (0, ""), d.evidence
    assert [max(s[:2]) for s in looks] == [640]


def test_sideways_ledger_with_one_box_read_as_a_turn_and_none_as_it_is_is_flagged() -> None:
    """A ledger on its side whose few boxes found at 640 px lie across (its rules and
    columns): the line direction and Tesseract let it pass as it is, although the one box
    that read fluently read as a quarter turn and none read as it is. It was left unflagged;
    a person now looks."""
    d = _decide(1087, "ledger", 200, 270)
    assert d.rotation in (0, 90) and (d.rotation == 90 or d.review), d.evidence


def test_the_same_ledger_upright_is_not_turned() -> None:
    d = _decide(1087, "ledger", 200, 0)
    assert d.rotation == 0, d.evidence
