"""Find binding/punch holes: dark, round, solid spots near an edge of the paper.

Holes show the scanner bed through the sheet, so they are as dark as the bed, round and
solid, 4–10 mm across, within a few centimetres of the paper edge (content keeps a binding
margin). Characters fail the roundness and solidity tests; seals are rings; photos are big.
Masters keep their holes; filling happens only in the derivative written by retouch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import percentile_u8


@dataclass(frozen=True)
class Hole:
    x: float  # centre, analysis px
    y: float
    r: float


def _edge_distance(x: float, y: float, quad: np.ndarray) -> float:
    dmin = np.inf
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        d = q - p
        n = np.hypot(*d)
        if n > 0:
            dmin = min(dmin, abs(d[0] * (y - p[1]) - d[1] * (x - p[0])) / n)
    return float(dmin)


def find_holes(grey: np.ndarray, paper_mask: np.ndarray, quad: np.ndarray,
               paper_level: float, mm: float) -> list[Hole]:
    """Holes inside the paper quad of the reduced grey image ``grey`` (``mm`` px per mm)."""
    # About 50 dpi is plenty for 6 mm discs and blurs text to grey.
    k = 2 if mm > 3.0 else 1
    if k == 2:
        grey = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        paper_mask = paper_mask[::2, ::2][: grey.shape[0], : grey.shape[1]]
    dark_level = percentile_u8(grey[::2, ::2], 1)
    thr = dark_level + 0.45 * (paper_level - dark_level)
    dark = ((grey < thr) & (paper_mask > 0)).astype(np.uint8)
    mm /= k
    # Only a band along the paper edges can hold binding holes.
    band = int(50 * mm)
    h, w = dark.shape
    if h > 3 * band and w > 3 * band:
        dark[band:h - band, band:w - band] = 0
    # An opening removes text strokes (a pixel or two wide here) before labelling; a 6 mm
    # disc comes through it unchanged.
    opened: np.ndarray = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _n, _, stats, cents = cv2.connectedComponentsWithStats(opened, connectivity=8)
    r_min, r_max = 1.6 * mm, 5.5 * mm
    holes: list[Hole] = []
    x0, y0, bw, bh, area = (stats[:, i].astype(np.float64) for i in range(5))
    side = np.maximum(bw, bh)
    full = (bw > 0.75 * bh) & (bh > 0.75 * bw)
    fill = area / (np.pi * side * side / np.where(full, 4, 8))
    ok = ((area >= 0.45 * np.pi * r_min**2) & (area <= 1.3 * np.pi * r_max**2)
          & (bw >= 0.45 * bh) & (bw <= 2.2 * bh) & (fill >= 0.7) & (fill <= 1.25))
    ok[0] = False
    for i in np.flatnonzero(ok):
        r = side[i] / 2
        cx, cy = (x0[i] + bw[i] / 2, y0[i] + bh[i] / 2) if full[i] else (cents[i][0] + 0.5, cents[i][1] + 0.5)
        if _edge_distance(k * cx, k * cy, quad) > 28 * k * mm:
            continue
        holes.append(Hole(float(k * cx - 0.5), float(k * cy - 0.5), float(k * r)))
    return holes
