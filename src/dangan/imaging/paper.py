"""Find the paper on the scanner bed: its outline, its edge angle and the bed sides.

Works on the reduced analysis image. The paper is the largest bright region; the bed is
whatever darker surrounds it and touches the image border. The edge angle is fitted on the
paper outline (only where a bed is visible: an outline clipped by the image border says
nothing about the paper), and serves deskew when the content gives no confident angle.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import percentile_u8

SIDES = ("top", "right", "bottom", "left")


@dataclass(frozen=True)
class Paper:
    quad: np.ndarray  # (4, 2) float32 corners TL, TR, BR, BL in analysis px
    outline: np.ndarray  # (n, 2) convex outline of the visible paper, analysis px
    mask: np.ndarray  # uint8 (0/255): inside the paper quad
    edge_angle_deg: float | None  # skew of the paper edge, None when no edge was seen
    bed_sides: tuple[str, ...]
    level: float  # grey level of the paper
    found: bool


def _order_corners(box: np.ndarray) -> np.ndarray:
    s = box.sum(axis=1)
    d = box[:, 1] - box[:, 0]
    return np.array([box[s.argmin()], box[d.argmin()], box[s.argmax()], box[d.argmax()]],
                    dtype=np.float32)


def _bed_sides(bright: np.ndarray) -> tuple[str, ...]:
    h, w = bright.shape
    band = max(2, min(h, w) // 200)
    strips = {
        "top": bright[:band], "bottom": bright[h - band:],
        "left": bright[:, :band], "right": bright[:, w - band:],
    }
    return tuple(s for s in SIDES if np.count_nonzero(strips[s]) < 0.5 * strips[s].size)


def _fit_side(pts: np.ndarray) -> tuple[float, int] | None:
    """Slope of points along one side (x along the side, y across), robust to notches."""
    if len(pts) < 20:
        return None
    x, y = pts[:, 0].astype(np.float64), pts[:, 1].astype(np.float64)
    keep = np.ones(len(x), bool)
    slope = 0.0
    for _ in range(3):
        if keep.sum() < 20:
            return None
        xk, yk = x[keep], y[keep]
        xm, ym = xk.mean(), yk.mean()
        var = float(((xk - xm) ** 2).sum())
        if var <= 0:
            return None
        slope = float(((xk - xm) * (yk - ym)).sum()) / var
        resid = np.abs(y - (ym + slope * (x - xm)))
        keep = resid < max(1.0, 2.5 * float(resid[keep].mean()))
    return float(slope), int(keep.sum())


def _edge_angle(contour: np.ndarray, rect: tuple, shape: tuple[int, int],
                sides: tuple[str, ...]) -> float | None:
    (cx, cy), (rw, rh), ang = rect
    h, w = shape
    pts = contour.reshape(-1, 2).astype(np.float64)
    on_border = (pts[:, 0] <= 1) | (pts[:, 1] <= 1) | (pts[:, 0] >= w - 2) | (pts[:, 1] >= h - 2)
    pts = pts[~on_border]
    if len(pts) < 40 or not sides:
        return None
    # Rotate the outline so the rectangle is axis-aligned, then fit each side separately.
    if rw < rh:
        ang, rw, rh = ang - 90.0, rh, rw
    t = np.deg2rad(ang)
    c, s = np.cos(t), np.sin(t)
    local = np.column_stack([(pts[:, 0] - cx) * c + (pts[:, 1] - cy) * s,
                             -(pts[:, 0] - cx) * s + (pts[:, 1] - cy) * c])
    fits: list[tuple[float, int]] = []
    for axis, half in ((1, rh / 2), (0, rw / 2)):
        along = 1 - axis
        span = (rw if axis == 1 else rh) / 2
        for sign in (-1, 1):
            near = (np.abs(local[:, axis] - sign * half) < 4) & (np.abs(local[:, along]) < 0.8 * span)
            fit = _fit_side(np.column_stack([local[near, along], local[near, axis]]))
            if fit is not None and fit[1] >= 0.3 * 2 * span:  # a sliver of edge says little
                slope = fit[0] if axis == 1 else -fit[0]
                fits.append((slope, fit[1]))
    if not fits:
        return None
    weights = np.array([f[1] for f in fits], float)
    slope = float(np.average([f[0] for f in fits], weights=weights))
    # Image y points down: a positive visual (counter-clockwise) skew has negative slope.
    skew = -(ang + float(np.rad2deg(np.arctan(slope))))
    return float((skew + 45.0) % 90.0 - 45.0)


def find_paper(grey: np.ndarray) -> Paper:
    """Locate the paper in a reduced grey scan."""
    h, w = grey.shape
    level = percentile_u8(grey[::2, ::2], 90)
    # Strict: a reduced pixel is paper only if (nearly) all of it is paper, so the outline
    # never reaches into the bed and painting outside it leaves no dark rim.
    thr = 0.8 * level
    bright = (grey > thr).astype(np.uint8) * 255
    whole = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    full_mask = np.full((h, w), 255, np.uint8)
    if level < 60 or np.count_nonzero(bright) < 0.05 * h * w:
        return Paper(whole, whole, full_mask, None, (), level, False)
    sides = _bed_sides(bright)
    if not sides:
        return Paper(whole, whole, full_mask, None, (), level, True)
    # No morphological closing: it would fill slivers of bed along the image border.
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    if cv2.contourArea(contour) < 0.05 * h * w:
        return Paper(whole, whole, full_mask, None, sides, level, False)
    rect = cv2.minAreaRect(contour)
    quad = _order_corners(cv2.boxPoints(rect))
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, quad.round().astype(np.int32), 255)
    angle = _edge_angle(contour, rect, (h, w), sides)
    paper_level = percentile_u8(grey[::3, ::3][mask[::3, ::3] > 0], 50)
    # A dark line across the sheet (a fold) may split it: the outline keeps every large part.
    parts = [c for c in contours if cv2.contourArea(c) > 0.01 * h * w]
    hull = cv2.convexHull(np.vstack(parts)).reshape(-1, 2).astype(np.float32)
    return Paper(quad, hull, mask, angle, sides, paper_level, True)
