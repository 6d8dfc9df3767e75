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
