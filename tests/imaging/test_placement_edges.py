"""Placement keeps the ink whole with a 1.5 mm pad — but not beyond the sheet's edge: ink
written to the edge ends there, and what lies beyond is bed, no content to keep."""

from __future__ import annotations

import numpy as np

from dangan.imaging.geometry import place


def _box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def test_ink_at_the_sheet_edge_is_not_padded_into_the_bed() -> None:
    """A 1000 px wide sheet on a 1000 px canvas, ink from edge to edge: placed at its size,
    the sheet edge on the canvas edge (it was shrunk to make room for 12 px of bed)."""
    pl = place(_box(100, 100, 1099, 1500), _box(100, 300, 1099, 1200), 0.0, (1000, 1500), 0, 12)
    assert pl.scale == 1.0
    assert abs(pl.matrix[0, 2] + 100) < 1  # the sheet's left edge on the canvas's left edge


def test_content_beyond_the_sheet_keeps_its_pad() -> None:
    pl = place(_box(100, 100, 1000, 1500), _box(60, 300, 900, 1200), 0.0, (1000, 1500), 0, 12)
    assert pl.matrix[0, 2] + 60 >= 12 - 1e-6  # ink beyond the sheet still 12 px inside
