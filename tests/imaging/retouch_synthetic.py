"""Synthetic pages drawn with OpenCV for the retouch step tests (origin: this file)."""

from __future__ import annotations

import cv2
import numpy as np


def draw_page(w: int = 1654, h: int = 2339, lines: int = 28, seed: int = 0) -> np.ndarray:
    """An upright A4 page at 200 dpi: left-aligned ragged lines, a page number top right."""
    rng = np.random.default_rng(seed)
    page = np.full((h, w, 3), 238, np.uint8)
    for i in range(lines):
        n = int(rng.integers(35, 52))
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), n))
        x = 240 + (60 if i % 6 == 0 else 0)
        cv2.putText(page, text, (x, 330 + i * 62), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (25, 25, 25), 2)
    cv2.putText(page, "17", (w - 160, 90), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (25, 25, 25), 2)
    return page


def edge_page(seed: int = 5) -> np.ndarray:
    """A page with a line of text cut by its bottom edge and a column of marks cut by its
    right edge (a note running off the sheet), as a scan shows a sheet written to its edge."""
    page = draw_page(seed=seed)
    h, w = page.shape[:2]
    # Text 6 mm high whose lower half lies beyond the bottom edge: only its top 3 mm show.
    cv2.putText(page, "received 12.3.97 copy true", (300, h + 22), cv2.FONT_HERSHEY_SIMPLEX,
                1.6, (30, 30, 30), 3)
    for y in range(600, 1700, 90):  # strokes across the right edge
        cv2.line(page, (w - 40, y), (w + 20, y + 30), (30, 30, 30), 3)
        cv2.putText(page, "x", (w - 26, y + 60), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (30, 30, 30), 2)
    return page


def scan(page: np.ndarray, angle: float, turn: int = 0, bed: int = 22,
         margin: tuple[int, int] = (110, 120), holes: bool = False) -> np.ndarray:
    """Lay ``page`` on a dark bed, rotated ``angle``° counter-clockwise, then quarter-turned."""
    page = page.copy()
    h, w = page.shape[:2]
    if holes:
        for y in (h // 2 - 310, h // 2 + 310):
            cv2.circle(page, (90, y), 24, (bed, bed, bed), -1, cv2.LINE_AA)
    mx, my = margin
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[:, 2] += (mx, my)
    out = cv2.warpAffine(page, m, (w + 2 * mx, h + 2 * my), borderValue=(bed, bed, bed))
    turns = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    return cv2.rotate(out, turns[turn]) if turn else out
