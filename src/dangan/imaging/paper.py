"""Find the paper on the scanner bed: its outline, its edge angle and the bed sides.

Works on the reduced analysis image. The paper is the largest bright region; the bed is
whatever darker surrounds it and touches the image border. The edge angle is fitted on the
paper outline (only where a bed is visible: an outline clipped by the image border says
nothing about the paper), and serves deskew when the content gives no confident angle.
On a bed as light as the paper (a white lid) the sheet is found by its edges, where the grey
first leaves the frame's level (``_white_bed_sheet``); ``find_bed`` then checks that nothing
beyond them is a mark before the sheet counts as found. A lid dimmed by uneven light at
the frame's edge is no dark bed: the paper beyond its edge is about as light as it
(``_lid_in_shade``), where a grey or black bed is far darker than the paper beside it.
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
    edge_weak: bool = False  # the edge angle comes from slivers of bed only
    white_bed: bool = False  # the sheet's edges were found on a bed as light as the paper
    light: np.ndarray | None = None  # float32: the bed's tone under uneven light, fitted
    # along the frame's edge (``bed_light``); None where the bed is evenly lit
    lid_faint: tuple[str, ...] = ()  # sides of a white lid where the sheet's edge is seen
    # too faint to crop to (``_faint_sides``): the sheet is not sure, its frame is kept


LIGHT_SPREAD = 0.1  # a bed whose fitted tone spans this share of its mean is unevenly lit
LIGHT_BAND = 100  # the bed along the frame is sampled in a band of 1/100 of the short side
LIGHT_SIDE = 0.8  # a side counts when this share of its band is bed-dark (not a strip of it)
LIGHT_RANGE = 0.4  # the dimmest bed at least this share of the brightest (a lamp, not a
LIGHT_MIN = 8.0  # black strip beside a grey one), and at least this tone (black: no light
# to measure); the bed plain about the fit (residuals under ``LIGHT_PLAIN`` of its mean)
LIGHT_PLAIN = 0.06


def bed_light(grey: np.ndarray, sides: tuple[str, ...], level: float) -> np.ndarray | None:
    """The bed's tone over the whole frame under uneven light (a lamp, a gradient), fitted
    to the bed seen along the frame's edge on its bed sides: a plane, or a quadratic surface
    with bed on all four sides. Light falls on the bed and the sheet alike, so the sheet is
    told from the bed by the ratio of their tones, which uneven light leaves alone, not by
    one threshold: under a lamp the dim side of a sheet can be darker than the lit bed.
    None when the bed is evenly lit (the fitted tone spans under ``LIGHT_SPREAD``), when
    too little of it is seen (fewer than two sides mostly bed-dark along the frame), and when
    what is seen is no one plain bed under a smooth light: its dimmest part under
    ``LIGHT_RANGE`` of its brightest or black, or far from the fit (a black strip beside
    shaded paper, a ruler, a book's edge) — the page is then judged as before."""
    if len(sides) < 2:
        return None
    h, w = grey.shape
    band = max(2, min(h, w) // LIGHT_BAND)
    ring = np.zeros((h, w), bool)
    cut = {"top": (slice(0, band), slice(None)), "bottom": (slice(h - band, h), slice(None)),
           "left": (slice(None), slice(0, band)), "right": (slice(None), slice(w - band, w))}
    dark = grey < 0.8 * level
    used = [side for side in sides if float(dark[cut[side]].mean()) >= LIGHT_SIDE]
    if len(used) < 2:  # a side that is mostly paper, or a thin strip of bed: no light seen
        return None
    for side in used:
        ring[cut[side]] = True
    ring &= dark
    sides = tuple(used)
    ys, xs = np.nonzero(ring)
    x, y = xs / w - 0.5, ys / h - 0.5
    v = grey[ys, xs].astype(np.float64)

    def terms(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        base = [np.ones_like(x), x, y]
        if len(sides) == 4:
            base += [x * x, x * y, y * y]
        return np.column_stack(base)

    a = terms(x, y)
    keep = np.ones(len(v), bool)
    coef = np.zeros(a.shape[1])
    for _ in range(3):  # a shadow or a mark along the frame is left out of the fit
        ak = a[keep]  # normal equations: a few terms, coordinates within ±0.5
        try:
            coef = np.linalg.solve(ak.T @ ak, ak.T @ v[keep])
        except np.linalg.LinAlgError:
            return None
        resid = np.abs(v - a @ coef)
        keep = resid <= max(3.0, 2.5 * float(resid[keep].std()))
        if keep.sum() < 20 * band:
            return None
    fitted = a @ coef
    mean = float(fitted.mean())
    lo, hi = float(fitted.min()), float(fitted.max())
    if mean <= 0 or hi - lo < LIGHT_SPREAD * mean:
        return None  # evenly lit
    if lo < max(LIGHT_MIN, LIGHT_RANGE * hi) or keep.mean() < 0.7 \
            or float(resid[keep].std()) > LIGHT_PLAIN * mean:
        return None  # no one plain bed under a smooth light: not modelled
    xx = (np.arange(w, dtype=np.float64) / w - 0.5)[None, :]
    yy = (np.arange(h, dtype=np.float64) / h - 0.5)[:, None]
    surface = coef[0] + coef[1] * xx + coef[2] * yy  # the terms' order, over the grid
    if len(coef) == 6:
        surface = surface + coef[3] * xx * xx + coef[4] * xx * yy + coef[5] * yy * yy
    # kept within the bed's range seen: a quadratic may run away inside the frame
    out: np.ndarray = np.clip(surface, 0.9 * lo, 1.1 * hi).astype(np.float32)
    return out


def flattened(grey: np.ndarray, light: np.ndarray) -> np.ndarray:
    """``grey`` as if evenly lit at the bed's mean tone (uint8)."""
    f = grey.astype(np.float32) * (float(light.mean()) / light)
    out: np.ndarray = np.clip(f, 0, 255).astype(np.uint8)
    return out


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


def _subpixel(grey: np.ndarray, pts: np.ndarray, axis: int) -> np.ndarray:
    """Move edge points to the centroid of the grey-level step across the edge (along ``axis``)."""
    h, w = grey.shape
    k = np.arange(-4, 5)
    xi, yi = pts[:, 0].astype(np.int64), pts[:, 1].astype(np.int64)
    if axis == 1:
        prof = grey[np.clip(yi[:, None] + k, 0, h - 1), xi[:, None]]
    else:
        prof = grey[yi[:, None], np.clip(xi[:, None] + k, 0, w - 1)]
    step = np.abs(np.diff(prof.astype(np.float32), axis=1))
    shift = (step * (k[:-1] + 0.5)).sum(axis=1) / np.maximum(step.sum(axis=1), 1e-3)
    out = pts.astype(np.float64).copy()
    out[:, axis] += shift
    return out


def _edge_angle(grey: np.ndarray, contour: np.ndarray, rect: tuple,
                sides: tuple[str, ...], m: int = 3) -> float | None:
    """Skew of the paper edges: each visible side fitted separately in the rectangle's frame."""
    h, w = grey.shape
    pts = contour.reshape(-1, 2).astype(np.float64)
    # Outline points within a few px of the image border belong to slivers or to the
    # image frame itself, not to a visible paper edge.
    on_border = (pts[:, 0] <= m) | (pts[:, 1] <= m) | (pts[:, 0] >= w - 1 - m) | (pts[:, 1] >= h - 1 - m)
    pts = pts[~on_border]
    if len(pts) < 40 or not sides:
        return None
    box = cv2.boxPoints(rect).astype(np.float64)
    edges = [box[(i + 1) % 4] - box[i] for i in range(4)]
    angles = [float(np.arctan2(e[1], e[0])) for e in edges]
    a0 = min((((a + np.pi / 4) % (np.pi / 2)) - np.pi / 4 for a in angles), key=abs)
    c, s = np.cos(a0), np.sin(a0)
    centre = box.mean(axis=0)
    d = pts - centre
    local = np.column_stack([d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c])
    lb = (box - centre) @ np.array([[c, -s], [s, c]])
    half_w, half_h = np.abs(lb[:, 0]).max(), np.abs(lb[:, 1]).max()
    fits: list[tuple[float, int]] = []
    for axis, half, span in ((1, half_h, half_w), (0, half_w, half_h)):
        along = 1 - axis
        for sign in (-1, 1):
            near = (np.abs(local[:, axis] - sign * half) < 4) & (np.abs(local[:, along]) < 0.8 * span)
            if not near.any():
                continue
            d = _subpixel(grey, pts[near], axis) - centre
            side = np.column_stack([d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c])
            fit = _fit_side(np.column_stack([side[:, along], side[:, axis]]))
            if fit is not None and fit[1] >= 0.8 * span:  # half the side at least
                fits.append((fit[0] if axis == 1 else -fit[0], fit[1]))
    if not fits:
        return None
    weights = np.array([f[1] for f in fits], float)
    slope = float(np.average([f[0] for f in fits], weights=weights))
    # Image y points down: counter-clockwise as seen is a negative image-frame angle.
    return float(-np.rad2deg(a0 + np.arctan(slope)))


EDGE_STRIP = 0.2  # share of the frame searched for a paper edge along each side
SIDES_AGREE_DEG = 0.3


def _side_line(grey: np.ndarray, side: str) -> tuple[float, int, int] | None:
    """The paper edge along one side of a frame where no dark bed sets it apart (a white
    bed or lid): on each line across the strip, the first place inward from the frame where
    the grey leaves the level at the frame (the sheet's shadow or its tone); a straight line
    through most of them is the edge. (slope as in ``_fit_side``, inliers, lines looked at)."""
    found = _side_edge(grey, side)
    return None if found is None else (found[0], found[2], found[3])


def _side_strip(grey: np.ndarray, side: str
                ) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """The strip along ``side`` turned so the frame's edge is column 0 (float32), over the
    middle 80 % of the side's lines; with those lines' indices and the turned image's height
    and width. None for a side too short to judge."""
    g = {"left": grey, "right": grey[:, ::-1], "top": grey.T, "bottom": grey.T[:, ::-1]}[side]
    h, w = g.shape
    depth = max(4, int(EDGE_STRIP * w))
    rows = np.arange(int(0.1 * h), int(0.9 * h))
    if len(rows) < 20:
        return None
    return g[rows, :depth].astype(np.float32), rows, h, w


LEAVE = 0.06  # the grey leaves the lid's level by this share of it (8 levels at least)…
LEAVE_MIN = 8.0
LID_RUN, LID_GAP = 4, 2  # …or steps by as much from the lid just before it: its mean over
# this many px ending this many px before (analysis px, ≈ 2 mm and 1 mm)


def _departs(strip: np.ndarray, leave: float = LEAVE, least: float = LEAVE_MIN) -> np.ndarray:
    """Where each line of a side's strip (column 0 at the frame) leaves the lid (bool): by
    ``LEAVE`` of the grey at the frame, or — under uneven light, where the lid itself
    brightens or darkens on its way to the sheet — by as much from the lid just before the
    place. A lamp dimming the frame's edge moves the lid's level a few per cent across a
    margin, which eats a light sheet's step from the frame's level; the sheet's edge still
    steps within a millimetre."""
    ref = np.median(strip[:, :2], axis=1, keepdims=True)
    off: np.ndarray = np.abs(strip - ref) >= np.maximum(least, leave * ref)
    if leave < LEAVE:  # a faint step: only where it steps (light drifts as much across a lid)
        off[:] = False
    n = strip.shape[1]
    if n <= LID_RUN + LID_GAP:
        return off
    run = np.cumsum(np.pad(strip, ((0, 0), (1, 0))), axis=1, dtype=np.float64)
    end = np.arange(LID_RUN, n - LID_GAP + 1)  # the run ends (exclusive) here…
    before = ((run[:, end] - run[:, end - LID_RUN]) / LID_RUN).astype(np.float32)
    at = strip[:, end - 1 + LID_GAP]  # …and is compared with the place LID_GAP px on
    off[:, end - 1 + LID_GAP] |= np.abs(at - before) >= np.maximum(least, leave * before)
    return off


def _side_edge(grey: np.ndarray, side: str) -> tuple[float, float, int, int] | None:
    """``_side_line`` with where the line lies: (slope, offset inward from the frame at the
    middle of the side, inliers, lines looked at), in the strip's frame."""
    found = _edge_fit(grey, side, LEAVE, LEAVE_MIN)
    return None if found is None else found[:4]


def _edge_fit(grey: np.ndarray, side: str, leave: float, least: float
              ) -> tuple[float, float, int, int, float] | None:
    """``_side_edge`` for a departure of ``leave`` (``least`` levels at least), with the
    ratio of the paper beyond the edge to the lid before it (``_paper_over_lid``)."""
    found = _side_strip(grey, side)
    if found is None:
        return None
    strip, rows, h, w = found
    off = _departs(strip, leave, least)
    hit = off.any(axis=1)
    first = np.argmax(off, axis=1)
    keep = hit & (first >= 2)  # the sheet reaching the frame shows no edge here
    if keep.sum() < 0.6 * len(rows):
        return None
    fit = _fit_side(np.column_stack([rows[keep].astype(np.float64),
                                     first[keep].astype(np.float64)]))
    if fit is None or fit[1] < 0.6 * len(rows):
        return None
    mid = (h - 1) / 2
    offset = float(np.median(first[keep] - fit[0] * (rows[keep] - mid)))
    return fit[0], offset, fit[1], len(rows), _paper_over_lid(strip[keep], first[keep], w)


def _paper_over_lid(strip: np.ndarray, first: np.ndarray, w: int) -> float:
    """The paper's brightest within ~3 mm beyond each line's edge (``first``) over the lid's
    mean just before it, the median over the lines: light multiplies both, so the ratio
    holds however the lid is lit."""
    depth = strip.shape[1]
    k = max(3, round(0.012 * w))
    idx = np.minimum(first[:, None] + LID_GAP + np.arange(k), depth - 1)
    after = np.take_along_axis(strip, idx, axis=1).max(axis=1)
    lo = np.maximum(first - LID_GAP - LID_RUN + 1, 0)
    cols = np.minimum(lo[:, None] + np.arange(LID_RUN), np.maximum(first - LID_GAP, 0)[:, None])
    before = np.take_along_axis(strip, cols, axis=1).mean(axis=1)
    return float(np.median(after / np.maximum(before, 1.0)))


def _white_bed_angle(grey: np.ndarray) -> float | None:
    """Skew of a sheet on a bed as light as the paper, from the edges seen along at least
    two sides of the frame that agree (a printed rule or a shadow on one side alone is not
    trusted)."""
    angles = []
    for side in SIDES:
        line = _side_line(grey, side)
        if line is None:
            continue
        slope = line[0]
        # Along left/top the fitted coordinate grows inward with the slope of x on y (left)
        # or y on x (top); mirrored strips (right, bottom) flip its sign.
        s = {"left": -slope, "right": slope, "top": slope, "bottom": -slope}[side]
        angles.append(float(-np.rad2deg(np.arctan(s))))
    if len(angles) < 2:
        return None
    med = float(np.median(angles))
    agree = [a for a in angles if abs(a - med) <= SIDES_AGREE_DEG]
    if len(agree) < 2:
        return None
    return float(np.mean(agree))


WHITE_MIN_AREA = 0.3  # the sheet's edges found on a light bed enclose this share of the frame


def _side_angle(side: str, slope: float) -> float:
    """A side's edge slope (strip frame) as one angle for every side (degrees)."""
    s = {"left": -slope, "right": slope, "top": slope, "bottom": -slope}[side]
    return float(np.rad2deg(np.arctan(s)))


FAINT_LEAVE, FAINT_MIN = 0.025, 4.0  # a lid's edge too faint to crop to: the grey leaves
# the lid by this share (this many levels at least)…
FAINT_RATIO = 0.03  # …and steps to paper as the edges found do (the ratio within this)


def _faint_sides(grey: np.ndarray, missing: list[str], angle: float, ratios: list[float]
                 ) -> tuple[str, ...]:
    """Of the sides where no edge was found (``missing``), those where one is seen all the
    same, too faint to crop to: a straight line along most of the side, at the angle of the
    edges found, where the grey steps from the lid to the paper as it does at those edges
    (the ratio of their tones, which light leaves alone). A lamp dimming the frame's edge
    hides a sheet's edge there when its paper is within a few per cent of the lid's tone;
    taking that side at the frame would leave a band of grey lid on the page."""
    if not ratios:
        return ()
    ratio = float(np.median(ratios))
    if abs(ratio - 1.0) < FAINT_LEAVE:  # the edges found are shadows: nothing to compare
        return ()
    faint = []
    for side in missing:
        edge = _edge_fit(grey, side, FAINT_LEAVE, FAINT_MIN)
        if edge is not None and abs(_side_angle(side, edge[0]) - angle) <= SIDES_AGREE_DEG \
                and abs(edge[4] - ratio) <= FAINT_RATIO \
                and (edge[4] - 1.0) * np.sign(ratio - 1.0) >= FAINT_LEAVE:  # a step, not text
            faint.append(side)
    return tuple(faint)


def _white_bed_sheet(grey: np.ndarray
                     ) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]] | None:
    """The sheet's corners on a bed as light as the paper, from its edges found along at
    least two sides of the frame (``_side_edge``), near-perpendicular (their angles agree)
    and enclosing a plausible sheet; a side with no edge seen is the frame itself (the sheet
    may reach it there: taking the frame keeps whatever lies there), unless an edge too
    faint to crop to is seen there (``_faint_sides``, the third item: the sheet is then not
    sure). None when unsure."""
    h, w = grey.shape
    lines: dict[str, tuple[float, float]] = {}
    angles, ratios = [], []
    for side in SIDES:
        edge = _edge_fit(grey, side, LEAVE, LEAVE_MIN)
        if edge is None:
            continue
        slope, offset = edge[0], edge[1]
        lines[side] = (slope, offset)
        angles.append(_side_angle(side, slope))
        ratios.append(edge[4])
    if len(lines) < 2:
        return None
    missing = [side for side in SIDES if side not in lines]
    # A side whose line disagrees with the others (a curl, a rule printed near the edge) is
    # left to the frame: keeping more than the sheet is safe, cropping into it is not.
    med = float(np.median(angles))
    agree = [abs(a - med) <= SIDES_AGREE_DEG for a in angles]
    lines = {s: v for (s, v), ok in zip(lines.items(), agree, strict=True) if ok}
    if len(lines) < 2:
        return None
    faint = _faint_sides(grey, missing, med,
                         [r for r, ok in zip(ratios, agree, strict=True) if ok])
    # Each side as a line in image coordinates: x = a + b·y (left, right), y = a + b·x.
    cy, cx = (h - 1) / 2, (w - 1) / 2
    edge_of = {"left": (0.0, 0.0), "right": (w - 1.0, 0.0), "top": (0.0, 0.0),
               "bottom": (h - 1.0, 0.0)}
    for side, (slope, off) in lines.items():
        if side == "left":
            edge_of[side] = (off - slope * cy, slope)
        elif side == "right":
            edge_of[side] = (w - 1 - off + slope * cy, -slope)
        elif side == "top":
            edge_of[side] = (off - slope * cx, slope)
        else:
            edge_of[side] = (h - 1 - off + slope * cx, -slope)

    def corner(vertical: str, horizontal: str) -> tuple[float, float]:
        (a1, b1), (a2, b2) = edge_of[vertical], edge_of[horizontal]
        x = (a1 + b1 * a2) / (1 - b1 * b2)  # x = a1 + b1·y, y = a2 + b2·x
        return x, a2 + b2 * x

    quad = np.array([corner("left", "top"), corner("right", "top"),
                     corner("right", "bottom"), corner("left", "bottom")], np.float32)
    quad[:, 0] = np.clip(quad[:, 0], 0, w - 1)
    quad[:, 1] = np.clip(quad[:, 1], 0, h - 1)
    if cv2.contourArea(quad) < WHITE_MIN_AREA * h * w:
        return None
    return quad, tuple(s for s in SIDES if s in lines), faint


LID_STEP = 1.25  # paper beyond a bed's edge at most this much brighter: a light lid in shade


def _step_at_edge(grey: np.ndarray, side: str, leave: float = LEAVE,
                  least: float = LEAVE_MIN) -> float | None:
    """How much brighter the paper is than the bed at one side of the frame, where the grey
    first leaves the frame's level (``_side_edge``): the paper's brightest within ~3 mm
    beyond that place over the bed's grey at the frame, the median over the side's lines.
    Light multiplies bed and paper alike, so the ratio holds under a lamp or a gradient:
    a grey or black bed is ≥ 1.3 darker than paper, a white lid within ~15 % of it (its
    edge, only the sheet's shadow in deep shade, is not seen on every line). None when an
    edge is seen on less than a quarter of the lines."""
    found = _side_strip(grey, side)
    if found is None:
        return None
    strip, rows, _h, w = found
    depth = strip.shape[1]
    ref = np.median(strip[:, :2], axis=1)
    off = _departs(strip, leave, least)
    first = np.argmax(off, axis=1)
    hit = off.any(axis=1) & (first >= 2)
    if hit.sum() < 0.25 * len(rows):
        return None
    k = max(3, round(0.012 * w))
    idx = np.minimum(first[hit, None] + np.arange(k), depth - 1)
    after = np.take_along_axis(strip[hit], idx, axis=1).max(axis=1)
    return float(np.median(after / np.maximum(ref[hit], 1.0)))


def _lid_in_shade(grey: np.ndarray, sides: tuple[str, ...]) -> bool:
    """The dark sides seen are a light lid dimmed by uneven light, not a bed darker than the
    paper: along every one, the paper beyond the edge is about as light as the lid before
    it (``_step_at_edge``) — or, where no edge departs that far from the lid, one too faint
    to crop to (within ``FAINT_LEAVE``: the sheet's paper within a few per cent of a lid in
    deep shade), so the sheet is sought on the lid and that side judged there."""
    for side in sides:
        step = _step_at_edge(grey, side)
        if step is None:
            step = _step_at_edge(grey, side, FAINT_LEAVE, FAINT_MIN)
        if step is None or step > LID_STEP:
            return False
    return True


def _largest(mask: np.ndarray) -> int:
    """Pixels in the largest 4-connected component of ``mask`` (counted from the labels:
    OpenCV's statistics cost three times the labelling)."""
    n, labels = cv2.connectedComponents(mask, connectivity=4)
    return int(np.bincount(labels.ravel(), minlength=n)[1:].max()) if n > 1 else 0


CLEAR_BED = 0.35  # the bed this far below the paper level is clear of the paper's shadow…
CLEAR_BED_FLAT = 0.25  # …and this far once uneven light on it is taken out (a grey bed)


def _under_uneven_light(grey: np.ndarray, bright: np.ndarray, sides: tuple[str, ...],
                        level: float, light: np.ndarray | None = None) -> np.ndarray:
    """The sheet's mask when part of it lies in shadow: halfway between bed and paper.

    The strict threshold (0.8 of the paper level) keeps the outline off the bed, but under a
    lamp or a gradient it also leaves the dim part of the sheet outside. When a clear bed is
    seen and the halfway threshold finds a markedly larger sheet, that one is the sheet.
    With the bed's light fitted (``light``), bed and paper are compared as if evenly lit:
    a grey bed is then clear of the sheet's dim side too.
    """
    h, w = grey.shape
    if light is not None:
        grey = flattened(grey, light)
        level = percentile_u8(grey[::2, ::2], 90)
    band = max(2, min(h, w) // 200)
    strips = {"top": grey[:band], "bottom": grey[h - band:], "left": grey[:, :band],
              "right": grey[:, w - band:]}
    ring = np.concatenate([strips[s].ravel() for s in sides])
    ring = ring[ring < 0.8 * level]
    if ring.size == 0:
        return bright
    bed = float(np.median(ring))
    # no clear bed: nothing to tell shadow from bed by
    if level - bed < (CLEAR_BED if light is None else CLEAR_BED_FLAT) * level:
        return bright
    loose = (grey > bed + 0.5 * (level - bed)).astype(np.uint8) * 255
    # Judged away from the frame: thin strips of bed blended with paper are not shadow.
    m = 3 * band
    if _largest(loose[m:-m, m:-m]) <= _largest(bright[m:-m, m:-m]) + 0.03 * h * w:
        return bright
    frame = np.ones((h, w), bool)
    frame[m:-m, m:-m] = False
    loose[frame] = bright[frame]  # along the frame, a strip of bed blended with paper stays bed
    return loose


def find_paper(grey: np.ndarray) -> Paper:
    """Locate the paper in a reduced grey scan: the bright region on a dark or grey bed, or
    the sheet's edges on a light bed (``white_bed``; its bed sides are where an edge was seen,
    never painted)."""
    h, w = grey.shape
    level = percentile_u8(grey[::2, ::2], 90)
    # Strict: a reduced pixel is paper only if (nearly) all of it is paper, so the outline
    # never reaches into the bed and painting outside it leaves no dark rim.
    thr = 0.8 * level
    bright: np.ndarray = (grey > thr).astype(np.uint8) * 255
    whole = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    full_mask = np.full((h, w), 255, np.uint8)
    if level < 60 or np.count_nonzero(bright) < 0.05 * h * w:
        return Paper(whole, whole, full_mask, None, (), level, False)
    sides = _bed_sides(bright)
    on_lid, sought = None, False  # the sheet's edges on a light lid: looked for once
    if sides and _lid_in_shade(grey, sides):
        on_lid, sought = _white_bed_sheet(grey), True
        if on_lid is not None:
            sides = ()  # a white lid under uneven light, and the sheet's edges seen on it
    edge_mask = bright
    light = bed_light(grey, sides, level) if sides else None
    if sides:
        strict, bright = sides, _under_uneven_light(grey, bright, sides, level, light)
        loose = _bed_sides(bright)  # shadow at the frame is no bed; a strip of bed still is
        sides = tuple(s for s in SIDES if s in loose or (loose and s in strict))
        if bright is not edge_mask:  # halfway reaches into the blend: the outline keeps off it
            edge_mask = cv2.erode(bright, np.ones((3, 3), np.uint8), iterations=2,
                                  borderType=cv2.BORDER_REPLICATE)
    if not sides:  # no dark bed: an edge on a light bed may still give the angle (weak)
        angle = _white_bed_angle(grey)
        sheet = on_lid if sought else _white_bed_sheet(grey)
        if sheet is None:
            return Paper(whole, whole, full_mask, angle, (), level, True, True)
        # The sheet's edges on a light bed: find_bed checks nothing lies beyond them.
        quad, seen, faint = sheet
        mask = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(mask, quad.round().astype(np.int32), 255)
        return Paper(quad, quad.copy(), mask, angle, seen, level, True, True, True,
                     lid_faint=faint)
    # No morphological closing: it would fill slivers of bed along the image border.
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    if cv2.contourArea(contour) < 0.05 * h * w:
        return Paper(whole, whole, full_mask, None, sides, level, False)
    rect = cv2.minAreaRect(contour)
    quad = _order_corners(cv2.boxPoints(rect))
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, quad.round().astype(np.int32), 255)
    angle = _edge_angle(grey, contour, rect, sides)
    weak = angle is None
    if weak:  # only slivers of bed: a last resort for pages whose content gives no angle
        angle = _edge_angle(grey, contour, rect, sides, m=1)
    if angle is None:  # a light bed on the other sides: their edges may still say it
        angle = _white_bed_angle(grey)
    paper_level = percentile_u8(grey[::3, ::3][mask[::3, ::3] > 0], 50)
    # A dark line across the sheet (a fold) may split it: the outline keeps every large part.
    if edge_mask is not bright:
        contours, _ = cv2.findContours(edge_mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    parts = [c for c in contours if cv2.contourArea(c) > 0.01 * h * w] or [contour]
    hull = cv2.convexHull(np.vstack(parts)).reshape(-1, 2).astype(np.float32)
    return Paper(quad, hull, mask, angle, sides, paper_level, True, weak, light=light)

