"""A page with little text — a caption under a photograph, the few lines of a cover or a
note — is turned when every box that read fluently reads so one way and the detector's line
direction says the same beyond doubt; a word or two, a box read another way, or a line
direction in doubt still leave it as it is and flagged. Tesseract is not asked.

Hand-built evidence says which piece decides; the generated pages are test seeds of
``dangan.samples`` and Latin-script pages of ``latin_pages``.
"""

from __future__ import annotations

import cv2
import latin_pages
import numpy as np
import pytest

from dangan.imaging import orientation
from dangan.imaging._exec import tesseract
from dangan.imaging.orientation import LineVotes, decide_orientation
from dangan.imaging.orientation_reading import Reading


def refuse(*_: object) -> None:
    raise AssertionError("Tesseract was asked")


def lines(best: int, margin: float, text: float) -> LineVotes:
    votes = np.zeros(4)
    votes[best // 90] = 1.0
    votes[(best // 90 + 2) % 4] = 1.0 - margin if margin < 1 else 0.0
    votes /= votes.sum()
    return LineVotes(votes * 1000, 2, text, np.zeros((0, 4, 2), np.float32))


def read(fluent: list[int], hv: float = 0.6, latin: float = 0.0, unsure: int = 0,
         paired: list[int] | None = None) -> Reading:
    f = np.asarray(fluent, float)
    return Reading(f, f * hv, latin, int(f.sum()) + unsure, unsure=unsure,
                   paired=np.asarray(paired or [0, 0, 0, 0], float))


def decide(lv: LineVotes, rd: Reading, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[int, str, float]:
    monkeypatch.setattr(tesseract, "available", lambda: True)
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey = np.full((1169, 827), 230, np.uint8)
    return orientation._decide(lv, rd, orientation._Osd(grey, 100.0, lv, (640, 453)))


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_one_caption_read_one_way_with_the_lines_agreeing_turns_the_page(
        turn: int, monkeypatch: pytest.MonkeyPatch) -> None:
    fluent = [0, 0, 0, 0]
    fluent[turn // 90] = 1
    assert decide(lines(turn, 1.0, 0.3), read(fluent), monkeypatch)[:2] == (turn, "")


def test_a_word_or_two_is_still_too_little(monkeypatch: pytest.MonkeyPatch) -> None:
    lv = lines(270, 1.0, 0.5 * orientation.FEW_TEXT)
    assert decide(lv, read([0, 0, 0, 1]), monkeypatch)[:2] == (0, orientation.LITTLE_TEXT)


def test_a_caption_that_does_not_tell_row_from_column_is_not_enough(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Upright vertical script has tall lines too: one box must tell row from column."""
    rd = read([0, 0, 0, 1], hv=0.1)
    assert decide(lines(270, 1.0, 0.3), rd, monkeypatch)[:2] == (0, orientation.LITTLE_TEXT)
    rd = read([0, 0, 0, 1], unsure=1)
    assert decide(lines(270, 1.0, 0.3), rd, monkeypatch)[:2] == (0, orientation.LITTLE_TEXT)


def test_latin_script_needs_two_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Latin script read upside down often reads nearly as well: one line is not enough."""
    one = read([0, 0, 1, 0], hv=0.0, latin=1.0, paired=[0, 0, 1, 0])
    assert decide(lines(180, 1.0, 0.4), one, monkeypatch)[:2] == (0, orientation.LITTLE_TEXT)
    two = read([0, 0, 2, 0], hv=0.0, latin=1.0, paired=[0, 0, 2, 0])
    assert decide(lines(180, 1.0, 0.4), two, monkeypatch)[:2] == (180, "")
    against = read([0, 0, 2, 0], hv=0.0, latin=1.0, paired=[1, 0, 2, 0])
    assert decide(lines(180, 1.0, 0.4), against, monkeypatch)[:2] == (
        0, orientation.LITTLE_TEXT)


def test_a_box_read_another_way_or_lines_in_doubt_leave_the_page_flagged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert decide(lines(90, 1.0, 0.5), read([1, 2, 0, 0]), monkeypatch)[1]
    assert decide(lines(90, 0.5, 0.5), read([0, 1, 0, 0]), monkeypatch)[:2] == (
        0, orientation.LITTLE_TEXT)
    assert decide(lines(270, 1.0, 0.5), read([0, 1, 0, 0]), monkeypatch)[:2] == (
        0, orientation.LITTLE_TEXT)


def _sample(seed: int, kind: str, turn: int) -> tuple[np.ndarray, int]:
    from dangan.samples.page import PageSpec, render_page

    rp = render_page(PageSpec(kind=kind, dpi=200, seed=seed, rotation=turn))
    scan = rp.scan_array
    grey = cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY) if scan.ndim == 3 else scan
    return grey, rp.truth.rotation


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_photograph_with_its_caption_is_put_right(turn: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey, need = _sample(800_005, "photo", turn)
    d = decide_orientation(grey, 200.0)
    assert (d.rotation, d.review) == (need, ""), d.evidence


@pytest.mark.skipif(not latin_pages.available(),
                    reason="URW fonts or licence texts not on this system")
@pytest.mark.parametrize("clockwise", [0, 90, 180, 270])
def test_a_sparse_latin_page_is_put_right_or_flagged_never_turned_wrongly(
        clockwise: int) -> None:
    grey = np.ascontiguousarray(np.rot90(latin_pages.page(800_006, "sparse", 200),
                                         -clockwise // 90))
    d = decide_orientation(grey, 200.0)
    need = (360 - clockwise) % 360
    assert d.rotation == need or (d.rotation == 0 and d.review), d.evidence
