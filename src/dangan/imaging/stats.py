"""Small, fast statistics on uint8 images (histogram-based, no sorting)."""

from __future__ import annotations

import cv2
import numpy as np

U16_LABELS = 65_535  # labels in 16 bits: no more components (nor foreground pixels) than this


def percentile_u8(values: np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0–100) of uint8 ``values``, from a 256-bin histogram."""
    hist = np.bincount(values.ravel(), minlength=256)
    total = int(hist.sum())
    if total == 0:
        return 0.0
    return float(np.searchsorted(np.cumsum(hist), q / 100.0 * total))


def histogram_u8(grey: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """The 256-bin histogram (int64) of uint8 ``grey``, of the pixels where ``where`` (a
    boolean or uint8 mask of the same shape) is set: ``np.bincount(grey[where])`` without
    gathering the pixels."""
    mask = None if where is None else where.view(np.uint8) if where.dtype == bool else where
    hist = cv2.calcHist([np.ascontiguousarray(grey)], [0],
                        None if mask is None else np.ascontiguousarray(mask), [256], [0, 256])
    return hist.ravel().astype(np.int64)


def percentile_of_histogram(hist: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (the linear method) of the uint8 values counted in
    ``hist``, bit for bit: the same virtual index between the same two order statistics,
    the same interpolation."""
    n = int(hist.sum())
    if n == 0:
        raise ValueError("percentile of no values")
    index = (n - 1) * np.true_divide(q, 100)
    below = int(np.floor(index))
    above = min(below + 1, n - 1)
    cum = np.cumsum(hist)
    a = float(np.searchsorted(cum, below, side="right"))  # the value of order statistic `below`
    b = float(np.searchsorted(cum, above, side="right"))
    gamma = float(index - below)
    return b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma


def components_with_stats(binary: np.ndarray
                          ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``cv2.connectedComponentsWithStats(binary, connectivity=8)``: the same count, labels,
    stats and centroids. Labelled in 16 bits when the foreground has fewer pixels than
    ``U16_LABELS`` (so fewer components): OpenCV's 8-connected labelling with statistics
    costs half or less then (labels come back as uint16)."""
    if cv2.countNonZero(binary) < U16_LABELS:
        n, labels, stats, cents = cv2.connectedComponentsWithStatsWithAlgorithm(
            binary, 8, cv2.CV_16U, cv2.CCL_DEFAULT)
    else:
        n, labels, stats, cents = cv2.connectedComponentsWithStats(binary, connectivity=8)
    return int(n), labels, stats, cents
