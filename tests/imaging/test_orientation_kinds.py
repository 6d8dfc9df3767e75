"""An upright page of every kind stays as it is; a turned printed page is put right; the
reading stops reading columns where nothing reads as a column.

Generated pages come from ``dangan.pagegen`` and ``dangan.samples`` development seeds.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging import orientation_reading
from dangan.imaging._exec import rapidocr
from dangan.imaging.orientation import decide_orientation
from dangan.pagegen import KINDS, make_page


@pytest.mark.parametrize("k", range(len(KINDS)))
def test_an_upright_generated_page_of_each_kind_is_never_turned(k: int) -> None:
    page = make_page(1000 + k, kind=KINDS[k], turn=0)
    assert page.truth.turn == 0
    d = decide_orientation(cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY), 200.0)
    assert d.rotation == 0, d.evidence


@pytest.mark.parametrize("k", range(7))
def test_an_upright_sample_page_of_each_kind_is_never_turned(k: int) -> None:
    from dangan.samples.layout import KINDS as SAMPLE_KINDS
    from dangan.samples.page import PageSpec, render_page

    assert len(SAMPLE_KINDS) == 7
    rp = render_page(PageSpec(kind=SAMPLE_KINDS[k], dpi=200, seed=1000 + k, rotation=0))
    assert rp.truth.rotation == 0
    scan = rp.scan_array
    grey = cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY) if scan.ndim == 3 else scan
    d = decide_orientation(grey, 200.0)
    assert d.rotation == 0, d.evidence


@pytest.mark.parametrize(("seed", "kind", "turn"), [
    (1011, "letter", 90), (1014, "table", 90), (1027, "carbon", 180),
    (1035, "form", 270), (1042, "chart", 270), (1067, "vertical", 180)])
def test_a_turned_printed_page_is_put_right(seed: int, kind: str, turn: int) -> None:
    page = make_page(seed, kind=kind, turn=turn)
    need = page.truth.turn
    assert need != 0
    d = decide_orientation(cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY), 200.0)
    assert (d.rotation, d.review) == (need, ""), d.evidence


# --- the column reading, on a recogniser that answers by table ----------------------------
def fake_recogniser(monkeypatch: pytest.MonkeyPatch,
                    answer: dict[int, tuple[str, float]]) -> list[int]:
    """Each crop is a flat image whose value names it; ``answer`` maps a view's quarter turn
    (0/2: the box read as a row, 1/3: as a column) to what it reads as. Returns the turns of
    the views read, in order."""
    asked: list[int] = []

    def view(crop: np.ndarray, q: int) -> np.ndarray:
        return np.array([[int(crop[0, 0, 0]), q]])

    def recognise(views: list[np.ndarray]) -> list[tuple[str, float]]:
        asked.extend(int(v[0, 1]) for v in views)
        return [answer[int(v[0, 1])] for v in views]

    monkeypatch.setattr(orientation_reading, "_view", view)
    monkeypatch.setattr(rapidocr, "recognise", recognise)
    return asked


def boxes(first: int) -> list[np.ndarray]:
    return [np.full((10, 50, 3), first + i, np.uint8) for i in range(3)]


def test_columns_are_not_read_again_once_what_reads_as_no_row_reads_as_no_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Handwriting: nothing reads, as a row or as a column. The first round reads each box
    both ways (12 views); the next only as rows (6), not 12 again."""
    asked = fake_recogniser(monkeypatch, {q: ("", 0.0) for q in range(4)})
    reader = orientation_reading._Reader()
    reader.round(boxes(1))
    assert reader.recognised == 12 and sorted(set(asked)) == [0, 1, 2, 3]
    reader.round(boxes(4))
    assert reader.recognised == 18
    assert sorted(set(asked[12:])) == [0, 2]
    assert reader.result().fluent.sum() == 0


def test_columns_lying_across_keep_being_read_as_columns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns of vertical script lying across: no box reads as a row, every box reads as a
    column of a page needing a quarter turn — each round's boxes vote for it."""
    asked = fake_recogniser(monkeypatch, {0: ("文末", 0.3), 2: ("末", 0.2),
                                          1: ("档案文书", 0.95), 3: ("", 0.1)})
    reader = orientation_reading._Reader()
    reader.round(boxes(1))
    reader.round(boxes(4))
    assert reader.recognised == 24 and asked.count(1) == 6
    assert list(reader.result().fluent) == [0, 6, 0, 0]
