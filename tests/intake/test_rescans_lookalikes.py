"""Sparse sheets of one template with other values filled in are two sheets, not a rescan.

A notice of three short lines (the same heading, the same printed words, another name, date,
time and room) has little ink: the values that differ are a few characters among the words
the two sheets share, at the same places, in the same typeface and size. A rescan of either
sheet is still one sheet. Sheets drawn here with the ``dangan.pagegen`` faces; values from its
corpus on development seeds; the scans are warped with the helpers of ``test_rescans``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_rescans import Warp, duplicates_found, rescan, write_batch

from dangan.pagegen import DEV_SEEDS, corpus
from dangan.pagegen.fonts import available_faces
from dangan.pagegen.ink import Canvas

DPI = 100
SEEDS = [DEV_SEEDS[0] + 7_300 + k for k in range(3)]


def notice(name: str, date: str, hour: str, room: str, style: str = "hei") -> np.ndarray:
    """A court notice (通知): heading, addressee, one line of date and time, one of room."""
    faces = available_faces()
    face = faces.get(style, next(iter(faces.values())))[0]
    cv = Canvas(827, 1169, DPI)  # A4
    size = cv.mm(5)
    cv.text("通　知", face, cv.mm(8), 330, 180)
    cv.text(f"{name}：", face, size, 110, 300)
    cv.text(f"　　请于{date}{hour}时", face, size, 110, 360)
    cv.text(f"到本院第{room}法庭参加庭审。", face, size, 110, 420)
    paper = np.full((cv.height, cv.width, 3), 244, np.uint8)
    rgb, _content = cv.compose(paper)
    return rgb


def _values(seed: int) -> tuple[tuple[str, str, str, str], tuple[str, str, str, str]]:
    """Two fillings of the same length: name, day, time of day and courtroom all differ (the
    year and month may be the same: one session's notices)."""
    rng = np.random.default_rng(seed)

    def name() -> str:
        out = ""
        while len(out) != 3:
            out = corpus.name(rng)
        return out

    year, month = int(rng.integers(1990, 2010)), int(rng.integers(1, 10))
    day = int(rng.integers(10, 27))
    rooms = rng.permutation(list("一二三四五六七八"))
    one = (name(), f"{year}年{month}月{day}日", f"上午{int(rng.integers(8, 10))}", str(rooms[0]))
    two = one
    while two[0] == one[0]:
        two = (name(), f"{year}年{month}月{day + 1}日", f"下午{int(rng.integers(2, 5))}",
               str(rooms[1]))
    return one, two


@pytest.mark.parametrize("seed", SEEDS)
def test_two_sparse_notices_with_other_values_are_not_a_rescan(seed: int, tmp_path: Path,
                                                              ) -> None:
    one, two = _values(seed)
    a, b = notice(*one), notice(*two)
    # the second notice scanned like a rescan of the first would be: skewed, other bed
    v1, v2 = write_batch(tmp_path, [
        [rescan(a, Warp(angle=0.4, bed=20), seed=1), rescan(b, Warp(angle=-1.2, bed=20), seed=2)],
        [rescan(a, Warp(angle=2.5, bed=30, scale=0.98), seed=3)],
    ])
    # the first notice's rescan in the next volume is found; the second notice is no rescan
    assert duplicates_found(tmp_path) == {(f"{v2}/0001.jpg", f"{v1}/0001.jpg")}


def test_a_sparse_notice_rescanned_is_found_whatever_the_values(tmp_path: Path) -> None:
    one, two = _values(SEEDS[0])
    a, b = notice(*one, style="song"), notice(*two, style="song")
    v1, = write_batch(tmp_path, [[
        rescan(a, Warp(angle=-0.6, bed=235), seed=4), rescan(b, Warp(angle=0.9), seed=5),
        rescan(b, Warp(angle=-3.0, bed=140, shift=(0.02, -0.01)), seed=6),
        rescan(a, Warp(angle=3.5, bed=15, gamma=1.2), seed=7),
    ]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0003.jpg", f"{v1}/0002.jpg"),
                                          (f"{v1}/0004.jpg", f"{v1}/0001.jpg")}
