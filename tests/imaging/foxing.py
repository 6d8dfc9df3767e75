"""Foxing drawn on a scanned page: brown age spots on the paper (origin: this file).

Foxing is rust-brown, soft-edged, from specks under a millimetre to blotches a centimetre
across, often in clusters, sometimes with a darker core; it takes more of the blue than of the
red, so in grey it is a mid tone (about 0.7–0.9 of the paper), never ink-dark. It lies on the
paper only: a punched hole shows the bed, not the spot.
"""

from __future__ import annotations

import cv2
import numpy as np

BROWN = np.array([0.93, 0.80, 0.62], np.float32)  # what a full spot leaves of R, G, B


def fox(image: np.ndarray, rng: np.random.Generator, around: tuple[float, float],
        spread_mm: float, dpi: float, spots: int = 14, keep_out: list[tuple[float, float, float]]
        | None = None, paper: np.ndarray | None = None, strength: float = 1.0) -> np.ndarray:
    """``image`` (RGB, scan px) with ``spots`` foxing spots scattered within ``spread_mm`` of
    ``around``; never inside the discs ``keep_out`` (x, y, r: the holes) nor off ``paper`` (a
    bool mask of the sheet, when given)."""
    mm = dpi / 25.4
    h, w = image.shape[:2]
    stain = np.zeros((h, w), np.float32)
    for _ in range(spots):
        a = rng.uniform(0, 2 * np.pi)
        d = spread_mm * np.sqrt(rng.uniform(0, 1))
        x, y = around[0] + d * np.cos(a) * mm, around[1] + d * np.sin(a) * mm
        r = mm * float(rng.choice([rng.uniform(0.3, 1.0), rng.uniform(1.0, 3.0),
                                   rng.uniform(3.0, 5.5)], p=[0.45, 0.4, 0.15]))
        depth = strength * rng.uniform(0.35, 0.8)
        blob = np.zeros((h, w), np.float32)
        axes = (max(1, round(r * rng.uniform(0.7, 1.0))), max(1, round(r)))
        cv2.ellipse(blob, (round(x), round(y)), axes, rng.uniform(0, 180), 0, 360, depth, -1,
                    cv2.LINE_AA)
        if r > 1.5 * mm and rng.random() < 0.5:  # a darker core
            cv2.circle(blob, (round(x + rng.normal(0, r / 4)), round(y + rng.normal(0, r / 4))),
                       max(1, round(r * 0.3)), min(1.0, depth * 1.4), -1, cv2.LINE_AA)
        stain = np.maximum(stain, cv2.GaussianBlur(blob, (0, 0), max(0.8, r / 3)))
    for x, y, r in keep_out or []:
        cv2.circle(stain, (round(x), round(y)), round(r + 1), 0.0, -1)
    if paper is not None:
        stain[~paper] = 0.0
    k = 1.0 - stain[..., None] * (1.0 - BROWN[None, None, :])
    out: np.ndarray = np.clip(image.astype(np.float32) * k, 0, 255).astype(np.uint8)
    return out
