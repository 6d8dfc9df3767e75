"""Find binding/punch holes: round spots or rings near an edge of the paper.

Holes show the scanner bed through the sheet. On a dark bed they are dark, round, solid
discs 4–9 mm across; on a white bed (or lid) the hole is about as bright as the paper and
only its rim shows — the shadow of the punched edge, a faint ring. Both kinds lie within a
few centimetres of the paper edge (content keeps a binding margin). Characters fail the
roundness and solidity tests; seals are big; a ring must be round, closed, with plain paper
inside and around it. Masters keep their holes; filling happens only in the derivative
written by retouch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.imaging.holes_bed import (
    RIM_FADE_MIN,
    RIM_ONE_SIDED,
    RIM_SOFT_INSIDE,
    SHADOW_MIN,
    BedSeen,
    bed_gap,
    bed_tone,
    edge_shadow,
    frame_filled,
    rim_sides,
    shows_lid,
)
from dangan.imaging.holes_row import (
    CHECK_PX_PER_MM,
    DIAMETER_MM,
    EDGE_MM,
    NOT_BED,
    NOT_MARGIN,
    NOT_ROUND,
    PRINT_BESIDE,
    RIM_MIN_DEPTH,
    ROW_ALONE,
    ROW_FEED,
    ROW_MARGIN,
    ROW_OFF_LINE,
    ROW_SPACING,
    UNSURE_BED_GAP,
    Checked,
    Hole,
    likely_holes,
    on_frame,
    rows_of,
    side_distance,
    work_copy,
)
from dangan.imaging.stats import components_with_stats, percentile_u8

__all__ = [
    "CHECK_PX_PER_MM", "DIAMETER_MM", "EDGE_MM", "NOT_BED", "NOT_MARGIN", "NOT_ROUND",
    "PRINT_BESIDE", "RIM_MIN_DEPTH", "ROW_ALONE", "ROW_FEED", "ROW_MARGIN", "ROW_OFF_LINE",
    "ROW_SPACING", "Hole", "HoleJudgement", "Left", "column_ink_mm2", "confirm_holes",
    "find_holes", "find_rings", "judge_holes", "rim_darkness",
]

HOLE_CONTRAST = 0.8  # candidates: darker than this share of the way from ink to paper
# (holes show the bed: black, or a grey lid at 85–165 on paper at ~220)


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
    # About 50 dpi is plenty for 6 mm discs and blurs text to grey.
    k = 2 if mm > 3.0 else 1
    if k == 2:
        grey = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        paper_mask = paper_mask[::2, ::2][: grey.shape[0], : grey.shape[1]]
    dark_level = percentile_u8(grey[::2, ::2], 1)
    # Against the paper around each spot (the brightest of 8 mm blocks), not the page's
    # paper level: under uneven light the dim end of the sheet is as dark as a grey bed.
    h, w = grey.shape
    b = max(2, round(8 * mm / k))
    coarse = cv2.resize(grey, (max(1, w // b), max(1, h // b)), interpolation=cv2.INTER_AREA)
    coarse = cv2.dilate(coarse, np.ones((3, 3), np.uint8))
    local = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    local = np.minimum(local, paper_level)
    thr = dark_level + HOLE_CONTRAST * (local - dark_level)
    dark = ((grey < thr) & (paper_mask > 0)).astype(np.uint8)
    mm /= k
    # Only a band along the paper edges can hold binding holes.
    band = int(50 * mm)
    if h > 3 * band and w > 3 * band:
        dark[band:h - band, band:w - band] = 0
    # An opening removes text strokes (a pixel or two wide here) before labelling; a 6 mm
    # disc comes through it unchanged.
    opened: np.ndarray = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _n, _, stats, cents = components_with_stats(opened)
    r_min, r_max = 1.6 * mm, 5.5 * mm
    holes: list[Hole] = []
    x0, y0, bw, bh, area = (stats[:, i].astype(np.float64) for i in range(5))
    side = np.maximum(bw, bh)
    full = (bw > 0.75 * bh) & (bh > 0.75 * bw)
    fill = area / (np.pi * side * side / np.where(full, 4, 8))
    ok = ((area >= 0.45 * np.pi * r_min**2) & (area <= 1.3 * np.pi * r_max**2)
          & (bw >= 0.45 * bh) & (bw <= 2.2 * bh) & (fill >= 0.7) & (fill <= 1.25))
    ok[0] = False
    for i in np.flatnonzero(ok):
        r = side[i] / 2
        cx, cy = (x0[i] + bw[i] / 2, y0[i] + bh[i] / 2) if full[i] else (cents[i][0] + 0.5, cents[i][1] + 0.5)
        if _edge_distance(k * cx, k * cy, quad) > 28 * k * mm:
            continue
        holes.append(Hole(float(k * cx - 0.5), float(k * cy - 0.5), float(k * r)))
    return holes


# --- confirmation: a candidate is filled only when shape, size, surroundings and position
# all say "binding hole", and it belongs to a row of holes at a standard spacing (holes_row).
def _shape_ok(grey: np.ndarray, cx: float, cy: float, scan_mm: float,
              ruled: bool = False) -> float | None:
    """Round, solid, uniformly dark, 4–9 mm across, on plain paper — at 4 px/mm. Returns the
    disc's grey level (what shows through it), or None. ``ruled``: the same, with thin lines
    running out of the window taken out first (a table's rules touching a hole), and only
    when there are some."""
    half, inside = int(9.0 * scan_mm), 5.0 * scan_mm
    h, w = grey.shape
    if cx < inside or cy < inside or cx > w - 1 - inside or cy > h - 1 - inside:
        return None  # a hole cut by the frame cannot be checked: left as it is
    x0, y0 = int(cx) - half, int(cy) - half
    pad = max(0, -x0, -y0, x0 + 2 * half + 1 - w, y0 + 2 * half + 1 - h)
    if pad:  # near the frame: the window is completed with its edge pixels
        grey = cv2.copyMakeBorder(grey[max(0, y0):y0 + 2 * half + 1, max(0, x0):x0 + 2 * half + 1],
                                  max(0, -y0), max(0, y0 + 2 * half + 1 - h), max(0, -x0),
                                  max(0, x0 + 2 * half + 1 - w), cv2.BORDER_REPLICATE)
        x0 = y0 = 0
    crop = grey[y0:y0 + 2 * half + 1, x0:x0 + 2 * half + 1]
    f = min(1.0, CHECK_PX_PER_MM / scan_mm)
    if f < 1.0:
        crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    mm = scan_mm * f
    c = crop.shape[0] // 2
    paper = percentile_u8(crop, 90)
    core = crop[c - int(1.2 * mm):c + int(1.2 * mm) + 1, c - int(1.2 * mm):c + int(1.2 * mm) + 1]
    inner = float(np.median(core))
    if inner > 0.85 * paper or float(core.std()) > 0.12 * paper:
        return None
    dark = (crop < (inner + paper) / 2).astype(np.uint8)
    lines = None
    if ruled:
        dark, lines = _without_rules(dark, mm)
        if lines is None:
            return None
    _n, labels, stats, cents = components_with_stats(dark)
    label = labels[c, c]
    if label == 0:
        return None
    x, y, bw, bh, area = (int(v) for v in stats[label])
    if x == 0 or y == 0 or x + bw >= crop.shape[1] or y + bh >= crop.shape[0]:
        return None
    diameter = 2 * float(np.sqrt(area / np.pi)) / mm
    if not DIAMETER_MM[0] <= diameter <= DIAMETER_MM[1]:
        return None
    blob = (labels == label).astype(np.uint8)
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=len).reshape(-1, 2).astype(np.float64)
    hull = cv2.contourArea(cv2.convexHull(outline.astype(np.float32)))
    if hull <= 0 or area / hull < 0.93:
        return None
    radii = np.hypot(*(outline - cents[label]).T)
    if radii.std() > 0.08 * radii.mean():
        return None
    # Plain paper around it: no strokes within about one radius of the rim.
    r = diameter / 2 * mm
    yy, xx = np.mgrid[:crop.shape[0], :crop.shape[1]]
    dist = np.hypot(xx - cents[label][0], yy - cents[label][1])
    ring = (dist > 1.35 * r) & (dist < 2.3 * r)
    if lines is not None:
        ring &= lines == 0
    if np.count_nonzero(crop[ring] < 0.75 * paper) > 0.02 * np.count_nonzero(ring):
        return None
    return inner


RULE_MM = 1.2  # a line thinner than this running out of the check window…
RULE_LONG_MM = 4.0  # …this long at least, is a rule


def _without_rules(dark: np.ndarray, mm: float) -> tuple[np.ndarray, np.ndarray | None]:
    """``dark`` with the thin lines that run out of the window taken out (a table's rules),
    and those lines grown by a pixel (0/1); None when there are none."""
    k = 2 * max(1, round(RULE_MM * mm / 2)) + 1
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (k, k)))
    thin = (dark > 0) & (solid == 0)
    n, labels, stats, _ = components_with_stats(thin.astype(np.uint8))
    h, w = dark.shape
    across = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        long = max(bw, bh)
        if (min(x, y) == 0 or x + bw >= w or y + bh >= h) and long >= RULE_LONG_MM * mm \
                and area <= RULE_MM * mm * long:
            across.append(i)  # a thin line running out of the window
    if not across:
        return dark, None
    lines = cv2.dilate(np.isin(labels, across).astype(np.uint8), np.ones((3, 3), np.uint8))
    out: np.ndarray = (dark > 0) & (lines == 0) | (solid > 0)
    return out.astype(np.uint8), lines


# --- a hole lies in the binding margin, outside the text: a dark disc with print beside it at
# its distance from the edge (a bullet, a bold character in a column of them) is content.
COLUMN_ALONG_MM = 30.0  # looked at this far along the edge on either side of the disc
COLUMN_CLEAR_MM = 2.5  # beyond the disc's rim (its own blur and shadow)
COLUMN_INK_MM2 = 2.0  # more ink than this in that strip is a column of content
COLUMN_INSET_MM = 3.0  # the strip stays this far inside the sheet's quad


def _inside(px: np.ndarray, py: np.ndarray, quad: np.ndarray, inset: float) -> np.ndarray:
    """Which points lie inside the convex ``quad`` and at least ``inset`` from its sides."""
    out = np.ones(px.shape, bool)
    centre = quad.mean(axis=0)
    for i in range(4):
        p, d = quad[i], quad[(i + 1) % 4] - quad[i]
        n = float(np.hypot(*d))
        if n > 0:
            sign = 1.0 if d[0] * (centre[1] - p[1]) - d[1] * (centre[0] - p[0]) >= 0 else -1.0
            out &= sign * (d[0] * (py - p[1]) - d[1] * (px - p[0])) / n >= inset
    return out


def column_ink_mm2(grey: np.ndarray, cx: float, cy: float, r: float, along: np.ndarray,
                   quad: np.ndarray, scan_mm: float) -> float:
    """Ink (mm²) at the disc's distance from the edge, beside it along the edge ``along``
    (unit vector): in a strip as wide as the disc, ``COLUMN_ALONG_MM`` either way, leaving
    out the disc and its rim; ``quad`` and ``cx, cy, r`` in scan px (``grey``)."""
    step = 0.5  # mm
    r_mm = r / scan_mm
    us = np.arange(-COLUMN_ALONG_MM, COLUMN_ALONG_MM + step / 2, step)
    us = us[np.abs(us) > r_mm + COLUMN_CLEAR_MM]
    vs = np.arange(-(r_mm + 1.0), r_mm + 1.0 + step / 2, step)
    normal = np.array([-along[1], along[0]])
    px = cx + (us[None, :] * along[0] + vs[:, None] * normal[0]) * scan_mm
    py = cy + (us[None, :] * along[1] + vs[:, None] * normal[1]) * scan_mm
    inside = _inside(px, py, quad, COLUMN_INSET_MM * scan_mm)  # not the bed beyond a corner
    if not inside.any():
        return 0.0
    x0 = max(0, int(px.min()) - 2)
    y0 = max(0, int(py.min()) - 2)
    crop = grey[y0:int(py.max()) + 3, x0:int(px.max()) + 3]
    if crop.size == 0:
        return 0.0
    crop, f = work_copy(crop, scan_mm)  # about 4 px per mm
    vals = cv2.remap(crop, ((px - x0 + 0.5) * f - 0.5).astype(np.float32),
                     ((py - y0 + 0.5) * f - 0.5).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)[inside]
    paper = float(np.percentile(vals, 90))
    return float(np.count_nonzero(vals < 0.75 * paper)) * step * step


# --- rings: a hole over a white bed or lid shows only the shadow of its punched edge.
RIM_MAX_DEPTH = 0.45  # a rim darker than this share of the paper level is ink, not shadow
RING_CLOSED = 0.75  # share of the circumference where the rim must be seen
RING_ROUND = 0.9  # share of the seen rim within a pixel (or 8 %) of the fitted circle
SEARCH_MM = 60.0  # rings are looked for this far from the frame (a white bed hides the edge)
FOX_GRAIN = 3.0  # the noise a rim must stand above, in the grain's pixel-to-pixel spread


def rim_darkness(work: np.ndarray, mm: float) -> np.ndarray:
    """How far each pixel lies below a 2.5 mm grey closing: thin dark lines (a rim's shadow,
    strokes) stand out, plain paper and plain bed are 0."""
    k = 2 * max(1, round(1.25 * mm)) + 1
    bg = cv2.morphologyEx(work, cv2.MORPH_CLOSE,
                          cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    out: np.ndarray = cv2.subtract(bg, work)
    return out


def _fit_circle(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float] | None:
    """Least-squares circle (centre, radius, rms distance of the points from it)."""
    if len(xs) < 8:
        return None
    a = np.column_stack([xs, ys, np.ones(len(xs))])
    b = -(xs * xs + ys * ys)
    try:
        (d, e, f), *_ = np.linalg.lstsq(a, b, rcond=None)
    except np.linalg.LinAlgError:
        return None
    cx, cy = -d / 2, -e / 2
    r2 = cx * cx + cy * cy - f
    if r2 <= 0:
        return None
    r = float(np.sqrt(r2))
    rms = float(np.sqrt(np.mean((np.hypot(xs - cx, ys - cy) - r) ** 2)))
    return float(cx), float(cy), r, rms


def _outline_sized(stats: np.ndarray, lo: float, hi: float) -> list[int]:
    """Labels (from 1) of the components whose box is ``lo``–``hi`` across (and no side
    under half ``lo``) and not filled over 60 %: a blot or a solid mark is no outline.
    Judged on all the components at once: a page holds thousands (its strokes)."""
    bw, bh, area = (stats[1:, k].astype(np.int64) for k in (
        cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    side = np.maximum(bw, bh)
    ok = ((lo <= side) & (side <= hi) & (bw >= 0.5 * lo) & (bh >= 0.5 * lo)
          & ~(area > 0.6 * bw * bh))
    return [int(i) + 1 for i in np.flatnonzero(ok)]


def find_rings(grey: np.ndarray, factor: float, dpi: float) -> list[Hole]:
    """Candidate rings (analysis px) within ``SEARCH_MM`` of the frame: thin dark outlines
    4–9 mm across, closed or nearly so. Only candidates: ``confirm_holes`` decides."""
    scan_mm = dpi / 25.4
    work, f = work_copy(grey, scan_mm)
    mm = scan_mm * f
    h, w = work.shape
    dark = rim_darkness(work, mm)
    band = int(SEARCH_MM * mm)
    if h > 3 * band and w > 3 * band:
        dark[band:h - band, band:w - band] = 0
    rim = (dark >= RIM_MIN_DEPTH).astype(np.uint8)
    _n, labels, stats, _ = components_with_stats(rim)
    lo, hi = 0.8 * DIAMETER_MM[0] * mm, 1.1 * DIAMETER_MM[1] * mm
    out: list[Hole] = []
    for i in _outline_sized(stats, lo, hi):
        x, y, bw, bh, _area = (int(v) for v in stats[i])
        # An outline: nothing of it in the middle of its box (most characters have).
        mx, my = max(1, int(0.2 * bw)), max(1, int(0.2 * bh))
        box = labels[y:y + bh, x:x + bw]
        if (box[bh // 2 - my:bh // 2 + my + 1, bw // 2 - mx:bw // 2 + mx + 1] == i).any():
            continue
        ys, xs = np.nonzero(box == i)
        fit = _fit_circle(xs.astype(np.float64) + x, ys.astype(np.float64) + y)
        if fit is None:
            continue
        cx, cy, r, rms = fit
        if not (DIAMETER_MM[0] / 2 * mm * 0.9 <= r <= DIAMETER_MM[1] / 2 * mm * 1.1) or rms > 0.5 * mm:
            continue
        # scan px → analysis px
        sx, sy = (cx + 0.5) / f - 0.5, (cy + 0.5) / f - 0.5
        out.append(Hole((sx + 0.5) * factor - 0.5, (sy + 0.5) * factor - 0.5, r / f * factor))
    return out


@dataclass(frozen=True)
class RingSeen:
    """A ring that passed ``_ring_ok``: scan px, tones in grey levels."""

    x: float
    y: float
    r: float
    inside: float  # the tone inside the rim
    around: float  # the paper's tone around it
    spread: float  # the paper's spread around it
    shadow: bool  # the rim is darker inside than outside: a cut edge's shadow, not a line
    soft: bool  # its dark band is wider inside than outside and still dark 0.4 mm inside
    # its darkest point: a shadow fading inside a sharp cut (``rim_sides``)


def _ring_ok(grey: np.ndarray, cx: float, cy: float, scan_mm: float) -> RingSeen | None:
    """A punched hole seen as a ring: a closed, round rim 4–9 mm across, a shadow on plain
    paper with plain bed inside — no stroke inside, on or around it, not as dark as ink.
    Whether the shadow lies inside the rim only (the bed below the cut edge), not on both
    sides of it as a printed line's ink, is ``shadow``; a ring without it is a hole only
    when its inside shows the lid (``shows_lid``). None: no hole's ring."""
    half = int(10.0 * scan_mm)
    h, w = grey.shape
    if cx < 6 * scan_mm or cy < 6 * scan_mm or cx > w - 1 - 6 * scan_mm or cy > h - 1 - 6 * scan_mm:
        return None  # a hole cut by the frame cannot be checked: left as it is
    x0, y0 = max(0, int(cx) - half), max(0, int(cy) - half)
    crop = grey[y0:int(cy) + half + 1, x0:int(cx) + half + 1]
    crop, f = work_copy(crop, scan_mm)
    mm = scan_mm * f
    centre = np.array([(cx - x0 + 0.5) * f - 0.5, (cy - y0 + 0.5) * f - 0.5])
    na, step = 96, 0.5
    max_r = min(9.0 * mm, float(min(centre.min(), crop.shape[1] - 1 - centre[0],
                                    crop.shape[0] - 1 - centre[1])))
    if max_r < 7.0 * mm:
        return None
    theta = np.arange(na) * (2 * np.pi / na)
    rho = np.arange(0, max_r, step)
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    img = crop.astype(np.float32)
    r_lo, r_hi = DIAMETER_MM[0] / 2 * mm * 0.9, DIAMETER_MM[1] / 2 * mm * 1.05
    window = (rho >= r_lo) & (rho <= r_hi)
    for _ in range(2):  # the second pass around the centre refined by a circle fit
        mx = (centre[0] + rho[None, :] * cos).astype(np.float32)
        my = (centre[1] + rho[None, :] * sin).astype(np.float32)
        polar = cv2.remap(img, mx, my, cv2.INTER_LINEAR)  # rows: angles, columns: radius
        idx = np.flatnonzero(window)
        at = idx[np.argmin(polar[:, window], axis=1)]
        radii = rho[at]
        fit = _fit_circle(centre[0] + radii * cos[:, 0], centre[1] + radii * sin[:, 0])
        if fit is None:
            return None
        new = np.array(fit[:2])
        if np.hypot(*(new - centre)) > 1.5 * mm:
            return None
        centre = new
    r = float(np.median(radii))
    if not DIAMETER_MM[0] <= 2 * r / mm <= DIAMETER_MM[1]:
        return None
    inner = rho < r - 1.0 * mm
    outer = (rho > r + 1.0 * mm) & (rho < min(max_r, 2.0 * r + 1.0 * mm))
    if inner.sum() < 2 or outer.sum() < 4:
        return None
    inside, around = polar[:, inner], polar[:, outer]
    lev_in, lev_out = float(np.median(inside)), float(np.median(around))
    spread = 1.4826 * float(np.median(np.abs(around - lev_out)))
    noise = max(1.0, spread)
    # Foxing (brown age spots: broad, soft, mid-toned) around a hole spreads the tones there
    # without being noise, which changes from one pixel to the next: the rim is looked for
    # above the grain, not above the spread of the spots.
    change = around[:, 2:] - around[:, :-2]  # 1 px apart
    grain = 1.4826 * float(np.median(np.abs(change - np.median(change)))) / np.sqrt(2)
    noise = min(noise, max(RIM_MIN_DEPTH / 4, FOX_GRAIN * grain))
    depth = min(lev_in, lev_out) - polar[np.arange(na), at]
    seen = depth >= max(RIM_MIN_DEPTH, 4 * noise)
    if seen.mean() < RING_CLOSED:
        return None
    off = np.abs(radii - r)[seen]
    if float(np.mean(off <= max(1.0, 0.08 * r))) < RING_ROUND:
        return None
    # Plain inside and around: nothing much darker than its surround (a stroke, a letter).
    stroke = max(3 * float(np.median(depth[seen])), 40.0)
    if float(np.mean(inside < lev_in - stroke / 2)) > 0.02:
        return None
    if float(np.mean(around < lev_out - stroke / 2)) > 0.02:
        return None
    # A shadow, not ink: a punched edge casts a soft grey rim; a printed circle (a punch
    # guide, a letter O, a bullet) is drawn in ink, as dark as text.
    if float(np.median(depth[seen])) > RIM_MAX_DEPTH * lev_out:
        return None
    sx, sy = (centre[0] + 0.5) / f - 0.5 + x0, (centre[1] + 0.5) / f - 0.5 + y0
    # ... judged again at full resolution, where a thin printed line (a grey punch guide)
    # is not thinned into a faint rim: as dark as ink, or with paper on both sides of it.
    sides = rim_sides(grey, sx, sy, r / f, scan_mm)
    if sides is None or sides[0] > RIM_MAX_DEPTH:
        return None
    return RingSeen(sx, sy, r / f, lev_in, lev_out, spread, sides[1] >= RIM_ONE_SIDED,
                    sides[2] >= RIM_SOFT_INSIDE and sides[3] >= RIM_FADE_MIN)


def _shadow_ring(ring: RingSeen, bed: BedSeen | None,
                 bed_seen: Callable[[bool], BedSeen | None]) -> bool:
    """Is the ring the rim of a punched hole rather than a printed line? Beside a dark bed:
    its shadow lies inside the rim (the bed's tone is checked by the caller). Over a white
    lid (no dark bed seen), whose tone may be above or below the paper's: the dark band
    fades inwards from a sharp outer edge, and either its darkness lies inside the rim or
    the disc inside shows the lid seen beside the sheet, not paper (``shows_lid``)."""
    if bed is not None:
        return ring.shadow
    if not ring.soft:
        return False
    return ring.shadow or shows_lid(ring.inside, ring.around, ring.spread, bed_seen(False),
                                    (ring.x, ring.y))


@dataclass(frozen=True)
class Left:
    """A candidate left on the page, and why."""

    hole: Hole  # analysis px
    why: str
    side: int = -1  # nearest paper side, when known
    edge_mm: float = -1.0  # distance from it
    bed_gap: float = -1.0  # a disc's tone from the bed's, in tolerances (``bed_gap``)


@dataclass(frozen=True)
class HoleJudgement:
    holes: list[Hole]  # binding holes: filled
    left: list[Left]  # candidates left as they are
    unsure: list[Hole] = field(default_factory=list)  # of those, likely holes: for review


def confirm_holes(grey: np.ndarray, factor: float, dpi: float, candidates: list[Hole],
                  quad: np.ndarray, rings: list[Hole] | None = None) -> list[Hole]:
    """The candidates (analysis px) that are binding holes (``judge_holes``)."""
    return judge_holes(grey, factor, dpi, candidates, quad, rings).holes


def judge_holes(grey: np.ndarray, factor: float, dpi: float, candidates: list[Hole],
                quad: np.ndarray, rings: list[Hole] | None = None) -> HoleJudgement:
    """The candidates (analysis px) that are binding holes, checked on the full-resolution
    ``grey``; anything unsure is left on the page, with why. ``rings``: candidates seen
    only as a rim (a hole over a white bed)."""
    rings = rings or []
    left: list[Left] = []
    scan_mm = dpi / 25.4
    amm = scan_mm * factor  # analysis px per mm
    size = (grey.shape[1] * factor, grey.shape[0] * factor)
    checked: list[Checked] = []
    near: list[Checked] = []  # a hole's shape and place, left for its tone or print beside
    loose: list[tuple[float, float]] = []

    quad_scan = (quad + 0.5) / factor - 0.5

    def add_near(seen: Checked) -> None:
        if all(np.hypot(seen.hole.x - n.hole.x, seen.hole.y - n.hole.y) >= 2 * amm for n in near):
            near.append(seen)  # seen both as a disc and as a ring: once

    def keep(hole: Hole, side: int, dist: float, gap: float | None = 0.0,
             refused: str = "", likely: bool = False) -> None:
        if any(np.hypot(hole.x - c.hole.x, hole.y - c.hole.y) < 2 * amm for c in checked):
            return  # seen both as a disc and as a ring
        d = quad[(side + 1) % 4] - quad[side]
        along_side = d / max(1e-6, float(np.hypot(*d)))
        along = float(np.dot([hole.x, hole.y], d) / max(1e-6, float(np.hypot(*d))))
        seen = Checked(hole, along / amm, side, dist / amm)
        if refused:  # a hole's shape, place and tone, one sign missing: left, named
            left.append(Left(hole, refused, side, dist / amm, -1.0 if gap is None else gap))
            add_near(seen)
        elif gap is None or gap > 1.0:
            left.append(Left(hole, NOT_BED, side, dist / amm, -1.0 if gap is None else gap))
            unseen = gap is None and frame_filled(quad_scan, grey.shape, scan_mm)
            if unseen or likely or (gap is not None and gap <= UNSURE_BED_GAP):
                add_near(seen)  # no bed to compare with, or a tone close to it
        elif column_ink_mm2(grey, (hole.x + 0.5) / factor - 0.5, (hole.y + 0.5) / factor - 0.5,
                            hole.r / factor, along_side, quad_scan, scan_mm) > COLUMN_INK_MM2:
            left.append(Left(hole, PRINT_BESIDE, side, dist / amm))
            add_near(seen)  # print beside it at its distance from the edge: content
        else:
            checked.append(seen)

    def near_edge(side: int, dist: float) -> bool:
        """Close enough to that side to be in a binding margin; where the side is the frame
        (the paper edge unseen) the margin is measured on the row (``rows_of``)."""
        far = SEARCH_MM if on_frame(quad[side], quad[(side + 1) % 4], size) else EDGE_MM[1]
        return EDGE_MM[0] <= dist / amm <= far

    seen_bed: dict[bool, BedSeen | None] = {}  # measured once, for the first disc or ring

    def bed_seen(dark: bool = True) -> BedSeen | None:
        """The dark bed beside the sheet; ``dark=False``: whatever lies there (a white lid)."""
        if dark not in seen_bed:
            seen_bed[dark] = bed_tone(grey, quad_scan, scan_mm, dark)
        return seen_bed[dark]

    for hole in candidates:
        side, dist = side_distance(hole.x, hole.y, quad)
        loose.append((hole.x, hole.y))
        if not near_edge(side, dist):
            left.append(Left(hole, NOT_MARGIN, side, dist / amm))
            continue
        cx, cy = (hole.x + 0.5) / factor - 0.5, (hole.y + 0.5) / factor - 0.5
        tone = _shape_ok(grey, cx, cy, scan_mm)
        if tone is None:
            # a hole touching a table's rules: left for the print beside it, named
            if _shape_ok(grey, cx, cy, scan_mm, ruled=True) is not None:
                keep(hole, side, dist, refused=PRINT_BESIDE)
            else:
                left.append(Left(hole, NOT_ROUND, side, dist / amm))
            continue
        bed = bed_seen()
        gap = bed_gap(tone, bed, (cx, cy))
        likely = False
        if bed is None:  # a white bed: a hole shows the lid in the sheet's shade, no fill
            shadow, paper = edge_shadow(grey, cx, cy, scan_mm)
            likely = shadow >= SHADOW_MIN and tone >= 0.5 * paper
        # a dark disc on a page without a bed is printed
        keep(hole, side, dist, gap, likely=likely)
    for hole in rings:
        cx, cy = (hole.x + 0.5) / factor - 0.5, (hole.y + 0.5) / factor - 0.5
        ring = _ring_ok(grey, cx, cy, scan_mm)
        if all(np.hypot(hole.x - x, hole.y - y) >= 2 * amm for x, y in loose):
            loose.append((hole.x, hole.y))  # a spot seen both ways counts once
        if ring is None:
            left.append(Left(hole, NOT_ROUND))
            continue
        rx, ry = ring.x, ring.y
        hole = Hole((rx + 0.5) * factor - 0.5, (ry + 0.5) * factor - 0.5, ring.r * factor)
        side, dist = side_distance(hole.x, hole.y, quad)
        if near_edge(side, dist):
            # beside a dark bed a hole shows that bed: a ring with paper inside is printed
            bed = bed_seen()
            if not _shadow_ring(ring, bed, bed_seen):
                left.append(Left(hole, NOT_ROUND, side, dist / amm))
                continue
            keep(hole, side, dist, 0.0 if bed is None else bed_gap(ring.inside, bed, (rx, ry)))
        else:
            left.append(Left(hole, NOT_MARGIN, side, dist / amm))
    near = [n for n in near  # one seen both ways and kept as a ring is not left
            if all(np.hypot(n.hole.x - c.hole.x, n.hole.y - c.hole.y) >= 2 * amm for c in checked)]
    spots = np.array(loose, np.float64).reshape(-1, 2)
    holes, off_row = rows_of(checked, spots, grey, scan_mm, quad, factor)
    left.extend(Left(c.hole, why, c.side, c.edge_mm) for c, why in off_row)
    return HoleJudgement(holes, left, likely_holes(holes, checked, off_row, near, spots, grey,
                                              scan_mm, quad, factor))
