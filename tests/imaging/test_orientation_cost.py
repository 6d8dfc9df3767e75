"""The orientation decision asks only as much as it needs, and its cheaper evidence never
turns a page on its own.

Generated pages come from ``dangan.pagegen`` development seeds; the rules are also checked
on evidence built by hand, so each test says which piece of evidence decides.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from dangan.imaging import orientation, orientation_reading
from dangan.imaging._exec import rapidocr, tesseract
from dangan.imaging.orientation import LineVotes, decide_orientation
from dangan.imaging.orientation_reading import Reading
from dangan.pagegen import make_page


@cache
def generated(seed: int, kind: str, turn: int) -> tuple[np.ndarray, int]:
    page = make_page(seed, kind=kind, turn=turn)
    return cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY), page.truth.turn


def refuse(*_: object) -> None:
    raise AssertionError("Tesseract was asked")


@pytest.mark.parametrize("turn", [0, 90, 180])
def test_a_clear_page_is_decided_without_tesseract(turn: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Printed lines that read fluently one way and a line direction that says the same:
    settled by the detector, its classifier and the recogniser; Tesseract is not asked."""
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey, need = generated(10011, "letter", turn)
    d = decide_orientation(grey, 200.0)
    assert (d.rotation, d.review) == (need, "")
    assert "tesseract" not in d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and reading["answer"] == need


def test_the_reading_stops_once_the_page_is_settled() -> None:
    grey, _ = generated(10011, "letter", 0)
    reading = decide_orientation(grey, 200.0).evidence["reading"]
    assert isinstance(reading, dict)
    assert reading["answer"] == 0
    # The page has more than READ_BOXES lines; the reading ended when it was sure.
    assert decide_orientation(grey, 200.0).evidence["ppocr"]["lines"] > (  # type: ignore[index]
        orientation_reading.READ_BOXES)
    assert reading["boxes"] < orientation_reading.READ_BOXES


def test_detector_looks_again_larger_only_when_it_found_little_text() -> None:
    full, _ = generated(10011, "letter", 0)
    assert decide_orientation(full, 200.0).evidence["ppocr"]["px"] == (  # type: ignore[index]
        orientation.DET_LONG_SIDE)
    sparse, _ = generated(10074, "sparse", 0)
    assert decide_orientation(sparse, 200.0).evidence["ppocr"]["px"] == (  # type: ignore[index]
        orientation.DET_LONG_SIDE_SPARSE)


def test_a_few_lines_that_settle_the_page_spare_the_second_look(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Little text at 640 px, but its lines in a clear direction and read the same way: the
    page is settled on that look, without the 960 px one and without Tesseract."""
    monkeypatch.setattr(tesseract, "osd", refuse)
    looks: list[int] = []
    detect = rapidocr.detect_lines

    def counted(bgr: np.ndarray) -> np.ndarray:
        looks.append(max(bgr.shape[:2]))
        return detect(bgr)

    monkeypatch.setattr(rapidocr, "detect_lines", counted)
    grey, _ = generated(10019, "sparse", 0)
    d = decide_orientation(grey, 200.0)
    assert (d.rotation, d.review) == (0, "") and looks == [orientation.DET_LONG_SIDE]
    ppocr = d.evidence["ppocr"]
    assert isinstance(ppocr, dict) and ppocr["text"] < orientation.MIN_TEXT


def test_a_few_letters_are_not_latin_script() -> None:
    """A rotated Chinese character can read as "l" or "I": too few letters to say Latin."""
    assert orientation_reading._latin("Il") == 0.0
    assert orientation_reading._latin("the quick fox") > orientation_reading.LATIN


# --- the rules, on evidence built by hand ------------------------------------------------
def lines(best: int, margin: float, text: float = 5.0) -> LineVotes:
    votes = np.zeros(4)
    votes[best // 90] = 1.0
    votes[(best // 90 + 2) % 4] = 1.0 - margin if margin < 1 else 0.0
    votes /= votes.sum()
    return LineVotes(votes * 1000, 20, text, np.zeros((0, 4, 2), np.float32))


def read(fluent: list[int], *, latin: float = 0.0, paired: list[int] | None = None
         ) -> Reading:
    f = np.asarray(fluent, float)
    return Reading(f, f * 0.6, latin, 12, paired=np.asarray(paired or [0, 0, 0, 0], float))


def decide(lv: LineVotes, rd: Reading, monkeypatch: pytest.MonkeyPatch,
           osd: tesseract.Osd | None = None) -> tuple[int, str, float]:
    monkeypatch.setattr(tesseract, "available", lambda: True)
    monkeypatch.setattr(tesseract, "osd", lambda *_: osd)
    grey = np.full((1169, 827), 230, np.uint8)
    return orientation._decide(lv, rd, orientation._Osd(grey, 100.0, lv, (640, 453)))


def test_one_box_read_as_latin_does_not_turn_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Upright vertical script has tall lines (the detector says "on its side"); one box
    that happened to read as Latin once turned such a page. A turn on a weak reading needs
    two boxes."""
    turn, review, _ = decide(lines(270, 0.98), read([0, 0, 0, 1], latin=1.0), monkeypatch)
    assert turn == 0 and review


def test_tools_agreeing_do_not_turn_against_the_reading(
        monkeypatch: pytest.MonkeyPatch) -> None:
    osd = tesseract.Osd(270, 3.2, "Latin", 1.8)
    turn, review, _ = decide(lines(270, 0.5), read([0, 2, 0, 0]), monkeypatch, osd)
    assert (turn, review) == (0, orientation.READING_DISAGREES)


def test_as_it_is_is_not_passed_silently_against_two_boxes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Vertical script lying across looks to the detector like upright rows; two boxes
    that read fluently as columns of a page needing a quarter turn flag it."""
    turn, review, _ = decide(lines(0, 0.9), read([0, 2, 0, 0]), monkeypatch)
    assert (turn, review) == (0, orientation.READING_DISAGREES)


def test_latin_reading_better_as_it_lies_box_after_box_is_upright(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Latin upside down reads nearly as well (d/p, n/u, o, s): no box is fluent one way
    only, but five read better as they lie and none the other way."""
    rd = read([0, 0, 0, 0], paired=[5, 0, 0, 0])
    monkeypatch.setattr(tesseract, "osd", refuse)
    assert decide(lines(0, 0.07), rd, monkeypatch, None)[:2] == (0, "")


def test_latin_pairs_alone_never_turn_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs for a turn need the line direction clearly saying the same."""
    rd = read([0, 0, 0, 0], paired=[0, 0, 5, 0])
    turn, _, _ = decide(lines(0, 0.2), rd, monkeypatch, None)
    assert turn == 0


def test_faint_lines_are_read_last() -> None:
    """Text showing through thin paper from the back is fainter than the page's own."""
    page = np.full((400, 800), 235, np.uint8)
    rng = np.random.default_rng(5)
    dark = rng.random((30, 300)) < 0.3
    faint = rng.random((30, 600)) < 0.3
    page[50:80, 100:400][dark] = 30  # a short line in full ink
    page[200:230, 100:700][faint] = 190  # a long line showing through
    quads = np.array([[[95, 45], [405, 45], [405, 85], [95, 85]],
                      [[95, 195], [705, 195], [705, 235], [95, 235]]], np.float32)
    crops = orientation_reading.line_crops(page, quads, 1.0, 2)
    assert len(crops) == 2
    assert crops[0].min() < 100 and crops[1].min() > 150


def test_reading_and_line_direction_agreeing_turn_a_page_without_tesseract(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading (boxes read fluently upside down, rows told from columns) and the line
    direction are independent tools: both clearly saying "upside down" turn the page, even
    when the line direction wins by less than STRONG_MARGIN. Tesseract, which takes this
    upside-down Chinese letter for upright, is not asked."""
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey, need = generated(1022, "letter", 180)
    d = decide_orientation(grey, 200.0)
    assert (d.rotation, d.review) == (need, "") == (180, "")
    ppocr = d.evidence["ppocr"]
    assert isinstance(ppocr, dict)
    assert orientation.MIN_MARGIN_TURN <= ppocr["margin"] < orientation.STRONG_MARGIN


def test_tesseract_does_not_veto_a_sure_reading_the_lines_agree_with(
        monkeypatch: pytest.MonkeyPatch) -> None:
    osd = tesseract.Osd(0, 3.1, "Han", 1.0)
    lv = lines(180, 0.6)
    assert orientation.MIN_MARGIN_TURN <= lv.margin < orientation.STRONG_MARGIN
    assert decide(lv, read([0, 0, 10, 2]), monkeypatch, osd)[:2] == (180, "")


def test_little_text_needs_the_line_direction_beyond_doubt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a page with little text a sure reading turns it only with the lines clearly
    agreeing (STRONG_MARGIN), not merely by MIN_MARGIN_TURN."""
    lv = lines(180, 0.6, text=0.5)
    assert lv.text < orientation.MIN_TEXT and lv.margin < orientation.STRONG_MARGIN
    turn, _, _ = decide(lv, read([0, 0, 3, 0]), monkeypatch, None)
    assert turn == 0


def test_the_recogniser_reads_each_crop_alone() -> None:
    """One crop per run costs less CPU on one thread than batches, and a narrow crop is not
    padded to the width of a wide one read with it: it reads exactly as it reads alone."""
    grey, _ = generated(10011, "letter", 0)
    small, _ = orientation._reduce(grey, orientation.DET_LONG_SIDE)
    mid, _ = orientation._reduce(grey, orientation.READ_LONG_SIDE)
    quads = rapidocr.detect_lines(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    crop = orientation_reading.line_crops(mid, quads, mid.shape[0] / small.shape[0], 1)[0]
    narrow = np.ascontiguousarray(crop[:, : crop.shape[1] // 2])
    wide = np.ascontiguousarray(np.concatenate([crop] * 3, axis=1))
    assert rapidocr.recognise([narrow, wide])[0] == rapidocr.recognise([narrow])[0]


def test_as_it_is_of_the_detector_alone_is_checked_when_nothing_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of vertical script lying on its side: its columns look to the detector like
    upright rows, and the recogniser reads nothing either way. The detector's "as it is"
    passed silently; where not one box read, Tesseract saying otherwise flags the page."""
    nothing = Reading(np.zeros(4), np.zeros(4), 0.0, 6)
    sideways = tesseract.Osd(90, 1.5, "Han", 2.0)
    assert decide(lines(0, 0.9), nothing, monkeypatch, sideways)[:2] == (
        0, orientation.DISAGREE)
    upright = tesseract.Osd(0, 1.5, "Han", 2.0)
    assert decide(lines(0, 0.9), nothing, monkeypatch, upright)[:2] == (0, "")
    unsure = tesseract.Osd(180, 0.5, "Han", 2.0)
    assert decide(lines(0, 0.9), nothing, monkeypatch, unsure)[:2] == (0, "")
    # a box read (even one that could not tell row from column): the detector's word stands
    # without Tesseract, as before
    some = Reading(np.zeros(4), np.zeros(4), 0.0, 6, unsure=1)
    monkeypatch.setattr(tesseract, "osd", refuse)
    assert orientation._decide(lines(0, 0.9), some, orientation._Osd(
        np.full((1169, 827), 230, np.uint8), 100.0, lines(0, 0.9), (640, 453)))[:2] == (0, "")


def test_vertical_script_on_its_side_that_reads_as_nothing_is_not_passed() -> None:
    """The page (a second-generator dev seed) that passed as upright unflagged: vertical
    script turned a quarter, read as nothing, the detector sure of "as it is"."""
    grey, need = generated(42012, "vertical", 90)
    d = decide_orientation(grey, 200.0)
    assert need == 90
    assert d.rotation == need or (d.rotation == 0 and d.review), d.evidence


def decide_unasked(lv: LineVotes, rd: Reading, monkeypatch: pytest.MonkeyPatch
                   ) -> tuple[int, str, float]:
    """``decide`` with Tesseract present but failing the test if it is asked."""
    monkeypatch.setattr(tesseract, "available", lambda: True)
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey = np.full((1169, 827), 230, np.uint8)
    return orientation._decide(lv, rd, orientation._Osd(grey, 100.0, lv, (640, 453)))


def test_little_text_with_a_reading_is_settled_without_tesseract(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a page with little text that the reading did not settle, nothing Tesseract could
    say changes the outcome: a reading of "as it is" passes it, any other is flagged."""
    lv = lines(0, 0.9, text=0.5)
    assert lv.text < orientation.MIN_TEXT and lv.margin >= orientation.MIN_MARGIN_UPRIGHT
    unclear = Reading(np.asarray([3.0, 0, 0, 0]), np.zeros(4), 0.0, 6)  # rows? columns?
    assert decide_unasked(lv, unclear, monkeypatch) == (0, "", 0.8)
    assert decide_unasked(lv, read([0, 0, 3, 0]), monkeypatch) == (
        0, orientation.LITTLE_TEXT, 0.0)


def test_tesseract_is_not_asked_to_back_a_weak_reading_the_lines_deny(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two boxes read as a quarter turn, the lines clearly "as it is": Tesseract could not
    make that turn (the lines say otherwise), so it is not asked; the page is flagged."""
    assert decide_unasked(lines(0, 0.9), read([0, 2, 0, 0]), monkeypatch)[:2] == (
        0, orientation.READING_DISAGREES)


def test_a_page_looked_at_again_is_decided_on_the_second_look_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A page looked at again larger (little text at 640 px, not settled there): the
    decision's votes are the second look's, exactly as ``line_votes`` has them (the first
    look's lines are classified only when they were text enough to settle the page)."""
    grey, _ = generated(10074, "sparse", 0)
    calls: list[int] = []
    classify = rapidocr.classify_lines

    def counted(crops: list[np.ndarray]) -> list[tuple[int, float]]:
        calls.append(len(crops))
        return classify(crops)

    monkeypatch.setattr(rapidocr, "classify_lines", counted)
    d = decide_orientation(grey, 200.0)
    ppocr = d.evidence["ppocr"]
    assert isinstance(ppocr, dict) and ppocr["px"] == orientation.DET_LONG_SIDE_SPARSE
    seen = list(calls)  # the decision's own classifier calls: one or two looks
    assert 1 <= len(seen) <= 2
    mid, _ = orientation._reduce(grey, orientation.READ_LONG_SIDE)
    small, _ = orientation._reduce(mid, orientation.DET_LONG_SIDE_SPARSE)
    lv = orientation.line_votes(small, mid)
    assert ppocr["votes"] == [round(float(v), 1) for v in lv.votes]
    assert ppocr["lines"] == lv.lines == seen[-1]
