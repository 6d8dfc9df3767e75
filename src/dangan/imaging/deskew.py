"""Measure the skew of a page from its content, by projection profiles of ink pixels.

For a candidate angle the ink pixels are sheared onto the vertical axis and histogrammed;
text lines, table rules and photo edges make the histogram peaky exactly at the true
angle. A coarse search over the allowed range is refined twice (0.05°, then a parabola
through the best three), which gives a few hundredths of a degree at 100 dpi. The angle is
in degrees, counter-clockwise positive as the page is seen (a line rising to the right).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_POINTS = 30_000
COARSE_POINTS = 6_000


@dataclass(frozen=True)
class SkewEstimate:
    angle_deg: float
    confidence: float  # peak prominence of the profile score, 0 (flat) … 1
    points: int


def ink_points(binary: np.ndarray, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """(n, 2) float32 (x, y) of ink pixels, evenly thinned to at most ``limit``."""
    nz = cv2.findNonZero(binary)
    if nz is None:
        return np.zeros((0, 2), np.float32)
    pts = nz.reshape(-1, 2).astype(np.float32)
    if len(pts) > limit:
        step = len(pts) / limit
        pts = pts[(np.arange(limit) * step).astype(np.int64)]
    return pts


def profile_scores(pts: np.ndarray, angles_deg: np.ndarray, bin_px: float = 1.0) -> np.ndarray:
    """Sum of squared row-histogram counts after shearing by each angle (higher = sharper)."""
    if len(pts) == 0:
        return np.zeros(len(angles_deg))
    x = pts[:, 0] - pts[:, 0].mean()
    y = pts[:, 1]
    tans = np.tan(np.deg2rad(angles_deg)).astype(np.float32)
    offset = float(np.abs(x).max() * np.abs(tans).max()) + 1
    nbins = int((float(y.max()) + 2 * offset) / bin_px) + 2
    scores = np.empty(len(angles_deg))
    chunk = max(1, 1_500_000 // len(pts))
    for start in range(0, len(tans), chunk):
        t = tans[start : start + chunk, None]
        rows = ((y[None, :] + x[None, :] * t + offset) * (1.0 / bin_px)).astype(np.int32)
        rows += (np.arange(len(t), dtype=np.int32) * nbins)[:, None]
        counts = np.bincount(rows.ravel(), minlength=len(t) * nbins).reshape(len(t), nbins)
        c = counts.astype(np.float64)
        scores[start : start + len(t)] = (c * c).sum(axis=1)
    return scores


def _parabola_peak(angles: np.ndarray, scores: np.ndarray) -> float:
    i = int(np.argmax(scores))
    if i == 0 or i == len(scores) - 1:
        return float(angles[i])
    y0, y1, y2 = scores[i - 1], scores[i], scores[i + 1]
    denom = y0 - 2 * y1 + y2
    step = float(angles[i + 1] - angles[i])
    if denom >= 0:
        return float(angles[i])
    return float(angles[i] + 0.5 * step * (y0 - y2) / denom)


def coarse_search(pts: np.ndarray, max_deg: float, step: float = 0.5) -> tuple[float, float, float]:
    """Best angle on a coarse grid, its score and the prominence of the peak."""
    sub = pts[:: max(1, len(pts) // COARSE_POINTS)]
    angles = np.arange(-max_deg, max_deg + step / 2, step)
    scores = profile_scores(sub, angles, bin_px=2.0)
    best = float(scores.max())
    base = float(np.median(scores))
    prominence = 0.0 if best <= 0 else (best - base) / best
    return float(angles[int(np.argmax(scores))]), best, prominence


def measure_skew(pts: np.ndarray, max_deg: float, around: SkewEstimate | None = None,
                 rough: bool = False) -> SkewEstimate:
    """Skew of the ink points ``pts`` (x, y in analysis px) within ±``max_deg``.

    With ``around`` (an estimate made at a lower resolution) only the fine search is run;
    ``rough`` stops after a 0.1° search (enough to check agreement with the paper edge).
    """
    if len(pts) < 50:
        return SkewEstimate(0.0, 0.0, len(pts))
    if around is not None:
        coarse, prominence = around.angle_deg, around.confidence
    else:
        coarse, _, prominence = coarse_search(pts, max_deg)
    fine = np.arange(coarse - 0.4, coarse + 0.4001, 0.1)
    scores = profile_scores(pts[::2], fine)
    best = float(fine[int(np.argmax(scores))])
    if rough:
        return SkewEstimate(best, prominence, len(pts))
    finer = np.arange(best - 0.1, best + 0.1001, 0.025)
    angle = _parabola_peak(finer, profile_scores(pts, finer))
    return SkewEstimate(angle, prominence, len(pts))
