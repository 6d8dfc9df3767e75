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
    dark_level = float(np.percentile(grey[::4, ::4], 1))
    thr = dark_level + 0.45 * (paper_level - dark_level)
    dark = ((grey < thr) & (paper_mask > 0)).astype(np.uint8)
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, _, stats, cents = cv2.connectedComponentsWithStats(dark, connectivity=8)
    r_min, r_max = 1.6 * mm, 5.5 * mm
    holes: list[Hole] = []
    for i in range(1, n):
        x0, y0, bw, bh, area = stats[i]
        if area < 0.45 * np.pi * r_min**2 or area > 1.3 * np.pi * r_max**2:
            continue
        if not 0.45 <= bw / bh <= 2.2:
            continue
        cx, cy = cents[i]
        if _edge_distance(cx, cy, quad) > 28 * mm:
            continue
        side = max(bw, bh)
        full = bw > 0.75 * bh and bh > 0.75 * bw
        fill = area / (np.pi * side * side / 4) if full else area / (np.pi * side * side / 8)
        if not 0.7 <= fill <= 1.25:
            continue
        r = side / 2
        if full:
            holes.append(Hole(float(x0 + bw / 2), float(y0 + bh / 2), float(r)))
        else:
            holes.append(Hole(float(cx), float(cy), float(r)))
    return holes
