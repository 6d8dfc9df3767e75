"""Two copies of one printed form filled with other names are two sheets, not a rescan.

A trial's 送达回证 (a court's return-of-service form: a ruled table of labels, values typed in
the same face, a seal) filled twice, the two differing in two fields only — the person served
and the one who signed for them, three characters each — was reported as "the sheet scanned
again": the values lie ink on ink, too little of the sheet's ink to sway the body's share. A
few tiles plainly another text now tell two sheets (``body.MAX_SPLIT_TILES``); the same form
scanned twice is still found. Pages drawn here with the ``dangan.pagegen`` faces.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from test_rescans import Warp, duplicates_found, rescan, write_batch

from dangan.pagegen.fonts import available_faces
from dangan.pagegen.ink import Canvas

DPI = 100
ROWS = (("案　　号", "（2019）某民初字第0123号"), ("送达文书", "民事判决书"),
        ("受送达人", "{name}"), ("送达地点", "某某县城关镇幸福路12号"),
        ("送达日期", "二〇一九年五月二十二日"), ("签 收 人", "{name}（本人）"))


def served_form(name: str) -> np.ndarray:
    """The form filled for ``name`` (RGB, A4 at DPI)."""
    faces = available_faces()
    song = faces["song"][0]
    bold = faces.get("song_bold", faces["song"])[0]
    cv = Canvas(827, 1169, DPI)
    x0, x1, xm = cv.mm(30), cv.width - cv.mm(30), cv.mm(70)
    cv.text("送达回证", bold, cv.mm(9), cv.width // 2 - cv.mm(18), cv.mm(25))
    top, pitch = cv.mm(45), cv.mm(14)
    ys = [top + k * pitch for k in range(len(ROWS) + 1)] + [top + len(ROWS) * pitch + cv.mm(50)]
    cv.grid([x0, x1], ys, thick=2)
    cv.rule(xm, ys[0], xm, ys[-1], 2)
    for k, (label, value) in enumerate(ROWS):
        y = top + k * pitch + cv.mm(4)
        cv.text(label, song, cv.mm(5), x0 + cv.mm(4), y)
        cv.text(value.format(name=name), song, cv.mm(5.5), xm + cv.mm(5), y)
    cv.text("送达人：", song, cv.mm(5), x0, ys[-1] + cv.mm(8))
    cv.text("填发人：", song, cv.mm(5), cv.mm(110), ys[-1] + cv.mm(8))
    seal = cv2.ellipse2Poly((cv.mm(150), cv.mm(250)), (cv.mm(20), cv.mm(20)), 0, 0, 360, 3)
    cv.strokes([seal.astype(np.float32)], cv.mm(1.0), "seal")
    paper = np.full((cv.height, cv.width, 3), (250, 248, 240), np.uint8)
    rgb, _content = cv.compose(paper)
    return rgb


def test_one_form_filled_for_two_people_is_two_sheets(tmp_path: Path) -> None:
    first, second = served_form("张某某"), served_form("王建军")
    write_batch(tmp_path, [[rescan(first, Warp(angle=0.6, bed=120), seed=1),
                            rescan(second, Warp(angle=-0.9, shift=(0.01, -0.01), bed=120),
                                   seed=2)]])
    assert duplicates_found(tmp_path) == set()


def test_the_form_scanned_twice_is_still_found(tmp_path: Path) -> None:
    first, second = served_form("张某某"), served_form("王建军")
    again = rescan(first, Warp(angle=-1.8, shift=(0.02, 0.01), scale=0.97, bed=40, gamma=1.2),
                   seed=3)
    v1, = write_batch(tmp_path, [[rescan(first, Warp(angle=0.6, bed=120), seed=1),
                                  rescan(second, Warp(angle=-0.9, bed=120), seed=2), again]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0003.jpg", f"{v1}/0001.jpg")}
