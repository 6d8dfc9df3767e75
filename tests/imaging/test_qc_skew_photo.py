"""The skew left is measured on the page's writing where it has some beside a photo — what
blur is judged on: solid ink over 8 mm and what lies within 6 mm of a solid area 12 mm or
more across are left out. A photo's tones and soft edge tell no angle, and on a straight
photo page they made the skew left doubtful (``skew_uncertain``)."""

from __future__ import annotations

import numpy as np

from dangan.imaging import qc

DPI, FACTOR = 200.0, 0.5  # analysis scale: 100 dpi
MM = FACTOR * DPI / 25.4


def _ink_with_photo(text: bool) -> np.ndarray:
    ink = np.zeros((1100, 800), np.uint8)
    y0, y1, x0, x1 = round(20 * MM), round(120 * MM), round(30 * MM), round(170 * MM)
    ink[y0:y1, x0:x1] = 1  # the photo, solid
    rng = np.random.default_rng(3)
    band = round(4 * MM)  # its soft edge: speckle fading to the paper
    edge = ink[y1:y1 + band, x0:x1]
    edge[rng.random(edge.shape) < 0.3] = 1
    if text:
        for row in range(6):  # lines of text far below it: strokes 4 px wide, gaps between
            y = round((160 + 10 * row) * MM)
            for x in range(round(30 * MM), round(170 * MM), 16):
                ink[y:y + 12, x:x + 4] = 1
    return ink


def test_writing_leaves_out_a_photo_and_its_edge() -> None:
    ink = _ink_with_photo(text=True)
    grey = np.where(ink > 0, 40, 235).astype(np.uint8)
    grey = np.kron(grey, np.ones((2, 2), np.uint8))  # the full-resolution scan
    solid = qc.solid_areas(ink, FACTOR, DPI, grey)
    written = qc.writing(ink, solid, MM)
    assert written.dtype == np.uint8
    assert not written[: round(124 * MM)].any()  # the photo and its speckled edge are out
    below = ink[round(155 * MM):]
    assert np.array_equal(written[round(155 * MM):], below)  # the text is all kept


def test_a_photo_alone_is_measured_whole() -> None:
    ink = _ink_with_photo(text=False)
    grey = np.kron(np.where(ink > 0, 40, 235).astype(np.uint8), np.ones((2, 2), np.uint8))
    written = qc.writing(ink, qc.solid_areas(ink, FACTOR, DPI, grey), MM)
    assert np.array_equal(written, ink)
