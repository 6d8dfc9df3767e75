"""Bilevel conversion: ink black, paper white, dark areas of any size kept solid.

A local window threshold turns the inside of any dark area wider than its window white
(redaction bars, filled cells, stamps and dots come out as outlines). Here the threshold is
taken relative to the *paper* around a pixel instead of its neighbourhood:

1. On a grid of 0.25 mm cells, ``v`` is the brightest cell within 0.75 mm: thin strokes vanish
   from it, paper and wide dark areas remain.
2. Paper is what is connected to bare paper (cells near the page's paper level) by steps that
   darken gently: a shadow or uneven light darkens a few levels per cell and stays paper, the
   edge of a printed area is a cliff and closes it off. Enclosed bright cells (the inside of a
   glyph, white text in a black bar) are paper of their own.
3. The paper level ``bg`` is ``v`` on paper and is filled in from the paper around everywhere
   else (push-pull interpolation), so the inside of a bar is judged against the paper beside
   it, however large the bar.
4. A pixel is black when it is darker than ``bg`` by half the contrast of the darkest ink near
   it (strokes keep their width), and by at least a small margin (faint text stays).

5. Black components that are shading rather than marks — a crease's valley, a foxing spot's
   soft core, a sheet edge's shadow on a white bed — are found by their soft edges and made
   white (``bilevel_shading``); writing across them stays.

Photos are not dithered: their areas darker than about the paper's level less twice the
margin come out solid black, their highlights white.
"""

from __future__ import annotations

import cv2
import numpy as np

from dangan.imaging.bilevel_shading import shading_components

CELL_MM = 0.254  # grid of the paper estimate (100 cells per inch)
CLIFF = 0.04  # a step darker than this share of the paper level between cells is an edge
SEED = 0.05  # cells within this share of the paper level are bare paper
MARGIN = 0.05  # ink is at least this share of the paper level darker than the paper
MIN_MARGIN = 10.0
NOISE_MARGIN = 4.0  # ... and this many times the page's noise (sigma)


def is_bilevel(grey: np.ndarray) -> bool:
    """Only black and white samples: a page that is already bilevel."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    return bool(hist[1:255].sum() == 0)


def noise_sigma(grey: np.ndarray) -> float:
    """The sensor noise of the page (sigma of one sample), from the differences of neighbouring
    samples along every 8th row; edges are too rare to move their median."""
    rows = grey[::8].astype(np.int16)
    d = np.abs(np.diff(rows, axis=1))
    return float(np.median(d)) * 1.4826 / np.sqrt(2.0)


def _grid(grey: np.ndarray, dpi: float) -> np.ndarray:
    h, w = grey.shape
    f = dpi * CELL_MM / 25.4
    if f <= 1.0:
        return grey
    size = (max(1, round(w / f)), max(1, round(h / f)))
    out: np.ndarray = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return out


def _paper_mask(v: np.ndarray, paper_level: float) -> np.ndarray:
    """Cells reached from bare paper through gentle steps (uint8 0/1)."""
    k = np.ones((3, 3), np.uint8)
    step = cv2.subtract(cv2.dilate(v, k), v)
    gentle = (step <= max(6.0, CLIFF * paper_level)).astype(np.uint8)
    n, labels = cv2.connectedComponents(gentle, connectivity=4)
    seeds = (v >= paper_level * (1.0 - SEED)) & (gentle > 0)
    keep = np.zeros(n, np.uint8)
    keep[np.unique(labels[seeds])] = 1
    keep[0] = 0  # label 0 is the cliffs
    out: np.ndarray = keep[labels]
    return out


def _fill(v: np.ndarray, mask: np.ndarray, paper_level: float) -> np.ndarray:
    """``v`` where ``mask``, interpolated from the masked cells around elsewhere."""
    m = mask.astype(np.float32)
    f = v.astype(np.float32) * m
    levels: list[tuple[np.ndarray, np.ndarray]] = [(f, m)]
    while min(f.shape) > 4:
        size = ((f.shape[1] + 1) // 2, (f.shape[0] + 1) // 2)
        levels.append((cv2.resize(f, size, interpolation=cv2.INTER_AREA),
                       cv2.resize(m, size, interpolation=cv2.INTER_AREA)))
        f = levels[-1][0]
    f, m = levels[-1]
    est = np.where(m > 1e-3, f / np.maximum(m, 1e-3), np.float32(paper_level)).astype(np.float32)
    for f, m in reversed(levels[:-1]):
        up = cv2.resize(est, (f.shape[1], f.shape[0]), interpolation=cv2.INTER_LINEAR)
        est = f + (1.0 - m) * up
    return est


def _ink(a: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """The ink level each cell's threshold is halfway to: on paper the darkest within 0.75 mm
    (a stroke beside it); in an area closed off from the paper, the darkest of that area, so
    a uniform area of any grey is darker than its threshold and comes out solid, and the
    mid-tones of a photo are cut at half the contrast of its darkest part."""
    k = np.ones((3, 3), np.uint8)
    ink = cv2.erode(a, k)
    n, labels = cv2.connectedComponents(1 - paper, connectivity=8)
    if n > 1:
        inside = paper == 0
        lab = labels[inside]
        low = np.full(n, 255, np.uint8)
        np.minimum.at(low, lab, a[inside])
        ink[inside] = np.minimum(ink[inside], low[lab])
    return ink.astype(np.float32)


def _maps(grey: np.ndarray, paper_level: float, dpi: float
          ) -> tuple[np.ndarray, np.ndarray, float]:
    """The threshold (uint8) and the paper level (float32), both at page size, and the ink
    margin."""
    a = _grid(grey, dpi)
    k = np.ones((3, 3), np.uint8)
    v = cv2.dilate(a, k)
    paper = _paper_mask(v, paper_level)
    bg = _fill(v, paper, paper_level)
    ink = _ink(a, paper)
    margin = max(MIN_MARGIN, MARGIN * paper_level, NOISE_MARGIN * noise_sigma(grey))
    t = bg - np.maximum(np.float32(margin), 0.5 * (bg - ink))
    t8 = np.clip(np.rint(t), 0, 255).astype(np.uint8)
    if t8.shape == grey.shape:
        return t8, bg, margin
    size = (grey.shape[1], grey.shape[0])
    return (cv2.resize(t8, size, interpolation=cv2.INTER_LINEAR),
            cv2.resize(bg, size, interpolation=cv2.INTER_LINEAR), margin)


def threshold_map(grey: np.ndarray, paper_level: float, dpi: float) -> np.ndarray:
    """Per-pixel threshold (uint8, page size): a sample below it is ink."""
    return _maps(grey, paper_level, dpi)[0]


def binarise_paper(grey: np.ndarray, paper_level: float, dpi: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``binarise`` and the paper level (float32, page size) it judged each pixel against."""
    t8, bg, margin = _maps(grey, paper_level, dpi)
    out: np.ndarray = cv2.compare(grey, t8, cv2.CMP_GE)
    out[shading_components(out == 0, grey, bg, margin, dpi)] = 255
    return out, bg


def binarise(grey: np.ndarray, paper_level: float, dpi: float) -> np.ndarray:
    """``grey`` as 0 (ink) / 255 (paper); black components that are shading, not marks
    (soft-edged blobs, one-sided lines, shallow fades: ``bilevel_shading``), are paper."""
    return binarise_paper(grey, paper_level, dpi)[0]


__all__ = ["binarise", "binarise_paper", "is_bilevel", "threshold_map"]
