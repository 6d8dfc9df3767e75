"""Pages of one layout with other texts are two sheets, not a rescan.

A printed form (its frame, its title) with a red seal at one place, filled with a dense body
of bold characters: at the size the scans are compared at, two such bodies are lines of ink
blobs at the same places, and the frame, the title and the seal fix the fit. The text differs
everywhere, so no page is a rescan of another, at any small tilt; a rescan of one of them is
still found. Pages drawn here with the ``dangan.pagegen`` faces on test seeds; the scans are
warped with the helpers of ``test_rescans``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from test_rescans import Warp, duplicates_found, rescan, write_batch

from dangan.pagegen import TEST_SEEDS
from dangan.pagegen.fonts import available_faces
from dangan.pagegen.ink import Canvas

DPI = 100
SEED = TEST_SEEDS[0] + 7_700


def form_page(seed: int) -> np.ndarray:
    """A form (frame, ruled title box, title) with a seal at its foot, its body 26 lines
    of bold characters drawn at random from the CJK block (RGB, A4 at DPI)."""
    rng = np.random.default_rng(seed)
    faces = available_faces()
    bold = faces.get("song_bold", faces.get("hei_bold", next(iter(faces.values()))))[0]
    cv = Canvas(827, 1169, DPI)
    x0, y0, x1, y1 = cv.mm(15), cv.mm(15), cv.width - cv.mm(15), cv.height - cv.mm(15)
    cv.grid([x0, x1], [y0, y0 + cv.mm(22), y1], thick=3)
    cv.text("案件材料登记表", bold, cv.mm(8), (x0 + x1) // 2 - cv.mm(28), y0 + cv.mm(6))
    size, pitch = cv.mm(4.6), cv.mm(7.6)
    for k in range(26):
        line = "".join(chr(int(c)) for c in rng.integers(0x4E00, 0x9FA6, size=24))
        cv.text(line, bold, size, x0 + cv.mm(5), y0 + cv.mm(28) + k * pitch)
    seal = cv2.ellipse2Poly((cv.mm(160), cv.mm(264)), (cv.mm(15), cv.mm(15)), 0, 0, 360, 3)
    cv.strokes([seal.astype(np.float32)], cv.mm(1.0), "seal")
    paper = np.full((cv.height, cv.width, 3), (250, 248, 240), np.uint8)
    rgb, _content = cv.compose(paper)
    return rgb


def test_one_form_with_other_texts_is_no_rescan(tmp_path: Path) -> None:
    pages = [form_page(SEED + k) for k in range(6)]
    # each page scanned once, tilted up to ±1.5° on a paper-white bed, as the site scanned them
    tilts = (0.4, -1.5, 1.2, -0.7, 1.5, -1.3)
    write_batch(tmp_path, [[rescan(p, Warp(angle=a, bed=245, margin=0.0), seed=k)
                            for k, (p, a) in enumerate(zip(pages, tilts, strict=True))]])
    assert duplicates_found(tmp_path) == set()


def test_a_form_rescanned_is_still_found(tmp_path: Path) -> None:
    pages = [form_page(SEED + 10 + k) for k in range(3)]
    again = rescan(pages[1], Warp(angle=2.0, scale=0.97, bed=30, margin=0.12), seed=9)
    v1, = write_batch(tmp_path, [[rescan(p, Warp(angle=-0.5 * k), seed=k)
                                  for k, p in enumerate(pages)] + [again]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0004.jpg", f"{v1}/0002.jpg")}
