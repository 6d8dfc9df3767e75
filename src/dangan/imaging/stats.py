"""Small, fast statistics on uint8 images (histogram-based, no sorting)."""

from __future__ import annotations

import numpy as np


def percentile_u8(values: np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0–100) of uint8 ``values``, from a 256-bin histogram."""
    hist = np.bincount(values.ravel(), minlength=256)
    total = int(hist.sum())
    if total == 0:
        return 0.0
    return float(np.searchsorted(np.cumsum(hist), q / 100.0 * total))
