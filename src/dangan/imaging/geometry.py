"""Where the page goes: one affine map from the scan to the output canvas.

Orientation (quarter turns), deskew, cropping to the paper plus a margin, and placing on the
configured page size are composed into a single 2×3 matrix, so the full-resolution image is
resampled exactly once. Coordinates are OpenCV pixel centres. The placement rules, in order:
content is never cut (scale down only when the content itself cannot fit), the paper is
centred, and the margin outside the paper edge is kept where the canvas has room for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Placement:
    matrix: np.ndarray  # 2×3 float64, scan px → output px
    scale: float
    size: tuple[int, int]  # output (width, height)


def rotation_matrix(angle_deg: float) -> np.ndarray:
    """3×3 counter-clockwise (as seen) rotation about the origin, image y pointing down."""
    t = np.deg2rad(angle_deg)
    c, s = np.cos(t), np.sin(t)
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def transform(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    return pts @ m[:2, :2].T + m[:2, 2]


def _bbox(pts: np.ndarray) -> tuple[float, float, float, float]:
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def _fit_axis(paper_lo: float, paper_hi: float, ink_lo: float, ink_hi: float,
              margin: float, size: float) -> float:
    """Offset o so that [lo, hi] + o sits in [0, size): paper centred, ink kept inside."""
    want_lo, want_hi = paper_lo - margin, paper_hi + margin
    offset = (size - 1) / 2 - (want_lo + want_hi) / 2
    if ink_hi < ink_lo:  # no ink: nothing to protect
        return offset
    if ink_lo + offset < 0:
        offset = -ink_lo
    if ink_hi + offset > size - 1:
        offset = size - 1 - ink_hi
    return offset


def _padded(paper: tuple[float, float, float, float], ink: tuple[float, float, float, float],
            pad: float) -> tuple[float, float, float, float]:
    """The ink box grown by ``pad`` on each side, but not beyond the paper's edge where the ink
    lies within it: ink written to the sheet's edge ends at the edge (what lies beyond is
    bed), while content beyond the sheet keeps its pad."""
    lo_x = ink[0] - pad if ink[0] < paper[0] else max(ink[0] - pad, paper[0])
    lo_y = ink[1] - pad if ink[1] < paper[1] else max(ink[1] - pad, paper[1])
    hi_x = ink[2] + pad if ink[2] > paper[2] else min(ink[2] + pad, paper[2])
    hi_y = ink[3] + pad if ink[3] > paper[3] else min(ink[3] + pad, paper[3])
    return lo_x, lo_y, hi_x, hi_y


def place(paper_quad: np.ndarray, ink_box: np.ndarray | None, turn_deg: float,
          size: tuple[int, int], margin_px: float, min_ink_margin_px: float) -> Placement:
    """Compose rotation by ``turn_deg`` with a crop/placement on a ``size`` canvas.

    ``paper_quad`` and ``ink_box`` (corners) are in scan px; ``ink_box`` may be ``None``.
    """
    rot = rotation_matrix(turn_deg)
    paper = _bbox(transform(rot, paper_quad))
    w, h = size
    ink = _bbox(transform(rot, ink_box)) if ink_box is not None else (1.0, 1.0, 0.0, 0.0)
    kept = _padded(paper, ink, min_ink_margin_px) if ink_box is not None else ink
    scale = 1.0
    if ink_box is not None:
        need_w, need_h = kept[2] - kept[0], kept[3] - kept[1]
        scale = min(1.0, (w - 1) / max(need_w, 1.0), (h - 1) / max(need_h, 1.0))
    sm = np.diag([scale, scale, 1.0])
    m = sm @ rot
    paper_s = [v * scale for v in paper]
    kept_s = [v * scale for v in kept]
    ox = _fit_axis(paper_s[0], paper_s[2], kept_s[0], kept_s[2], margin_px * scale, w)
    oy = _fit_axis(paper_s[1], paper_s[3], kept_s[1], kept_s[3], margin_px * scale, h)
    m[0, 2] += ox
    m[1, 2] += oy
    return Placement(m[:2].copy(), scale, size)


def scaled(matrix: np.ndarray, src_factor: float, dst_factor: float) -> np.ndarray:
    """The same map expressed for images resized by the given factors (pixel centres)."""
    a = np.eye(3)
    a[:2] = matrix
    pre = np.array([[1 / src_factor, 0, 0.5 / src_factor - 0.5],
                    [0, 1 / src_factor, 0.5 / src_factor - 0.5], [0, 0, 1]])
    post = np.array([[dst_factor, 0, 0.5 * dst_factor - 0.5],
                     [0, dst_factor, 0.5 * dst_factor - 0.5], [0, 0, 1]])
    return (post @ a @ pre)[:2]
