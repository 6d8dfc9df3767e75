"""Find binding/punch holes: dark, round, solid spots near an edge of the paper.

Holes show the scanner bed through the sheet, so they are as dark as the bed, round and
solid, 4–10 mm across, within a few centimetres of the paper edge (content keeps a binding
margin). Characters fail the roundness and solidity tests; seals are rings; photos are big.
Masters keep their holes; filling happens only in the derivative written by retouch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import percentile_u8

HOLE_CONTRAST = 0.7  # candidates: darker than this share of the way from ink to paper
# (holes show the bed: black, or a grey lid at 85–165 on paper at ~220)


@dataclass(frozen=True)
class Hole:
    x: float  # centre, analysis px
    y: float
    r: float


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
    thr = dark_level + HOLE_CONTRAST * (paper_level - dark_level)
    dark = ((grey < thr) & (paper_mask > 0)).astype(np.uint8)
    mm /= k
    # Only a band along the paper edges can hold binding holes.
    band = int(50 * mm)
    h, w = dark.shape
    if h > 3 * band and w > 3 * band:
        dark[band:h - band, band:w - band] = 0
    # An opening removes text strokes (a pixel or two wide here) before labelling; a 6 mm
    # disc comes through it unchanged.
    opened: np.ndarray = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _n, _, stats, cents = cv2.connectedComponentsWithStats(opened, connectivity=8)
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
# all say "binding hole", and it belongs to a row of holes at a standard spacing.
CHECK_PX_PER_MM = 4.0  # resolution of the shape check (a 6 mm hole is 24 px across)
DIAMETER_MM = (4.0, 9.0)  # binding holes are 5–8 mm across
EDGE_MM = (3.0, 30.0)  # centre to the paper edge
SPACING_MM = (50.0, 125.0)  # neighbours in a row (80 mm for two holes, 85–108 mm for three)
ROW_TOLERANCE_MM = 3.0
MAX_ROW = 4  # more holes in a line are tractor-feed or perforations, not a binding


@dataclass(frozen=True)
class _Checked:
    hole: Hole  # analysis px
    along_mm: float  # position along the nearest paper side
    side: int  # nearest paper side (index into the quad's edges)
    edge_mm: float  # distance from that side


def _side_distance(x: float, y: float, quad: np.ndarray) -> tuple[int, float]:
    best = (0, float("inf"))
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        d = q - p
        n = float(np.hypot(*d))
        if n > 0:
            dist = abs(d[0] * (y - p[1]) - d[1] * (x - p[0])) / n
            if dist < best[1]:
                best = (i, float(dist))
    return best


def _shape_ok(grey: np.ndarray, cx: float, cy: float, scan_mm: float) -> bool:
    """Round, solid, uniformly dark, 4–9 mm across, on plain paper — at 4 px/mm."""
    half, inside = int(9.0 * scan_mm), 5.0 * scan_mm
    h, w = grey.shape
    if cx < inside or cy < inside or cx > w - 1 - inside or cy > h - 1 - inside:
        return False  # a hole cut by the frame cannot be checked: left as it is
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
    if inner > 0.8 * paper or float(core.std()) > 0.12 * paper:
        return False
    dark = (crop < (inner + paper) / 2).astype(np.uint8)
    _n, labels, stats, cents = cv2.connectedComponentsWithStats(dark, connectivity=8)
    label = labels[c, c]
    if label == 0:
        return False
    x, y, bw, bh, area = (int(v) for v in stats[label])
    if x == 0 or y == 0 or x + bw >= crop.shape[1] or y + bh >= crop.shape[0]:
        return False
    diameter = 2 * float(np.sqrt(area / np.pi)) / mm
    if not DIAMETER_MM[0] <= diameter <= DIAMETER_MM[1]:
        return False
    blob = (labels == label).astype(np.uint8)
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=len).reshape(-1, 2).astype(np.float64)
    hull = cv2.contourArea(cv2.convexHull(outline.astype(np.float32)))
    if hull <= 0 or area / hull < 0.93:
        return False
    radii = np.hypot(*(outline - cents[label]).T)
    if radii.std() > 0.08 * radii.mean():
        return False
    # Plain paper around it: no strokes within about one radius of the rim.
    r = diameter / 2 * mm
    yy, xx = np.mgrid[:crop.shape[0], :crop.shape[1]]
    dist = np.hypot(xx - cents[label][0], yy - cents[label][1])
    ring = (dist > 1.35 * r) & (dist < 2.3 * r)
    return bool(np.count_nonzero(crop[ring] < 0.75 * paper) <= 0.02 * np.count_nonzero(ring))


def _rows(checked: list[_Checked], loose: list[tuple[int, float, float]]) -> list[Hole]:
    """Holes standing in a row along one side at a standard spacing; feed rows refused."""
    out: list[Hole] = []
    for side in range(4):
        row = [h for h in checked if h.side == side]
        if len(row) < 2 or len(row) > MAX_ROW:
            continue
        edge = float(np.median([h.edge_mm for h in row]))
        row = [h for h in row if abs(h.edge_mm - edge) <= ROW_TOLERANCE_MM]
        near = sum(1 for s, e, _ in loose if s == side and abs(e - edge) <= ROW_TOLERANCE_MM)
        if len(row) < 2 or near > MAX_ROW + 1:
            continue
        gaps = np.diff(sorted(h.along_mm for h in row))
        if gaps.min() < SPACING_MM[0] or gaps.max() > SPACING_MM[1]:
            continue
        if len(gaps) > 1 and gaps.max() > 1.15 * gaps.min():
            continue
        out.extend(h.hole for h in row)
    return out


def confirm_holes(grey: np.ndarray, factor: float, dpi: float, candidates: list[Hole],
                  quad: np.ndarray) -> list[Hole]:
    """The candidates (analysis px) that are binding holes, checked on the full-resolution
    ``grey``; anything unsure is left on the page."""
    if len(candidates) < 2:
        return []
    scan_mm = dpi / 25.4
    amm = scan_mm * factor  # analysis px per mm
    checked: list[_Checked] = []
    loose: list[tuple[int, float, float]] = []
    for hole in candidates:
        side, dist = _side_distance(hole.x, hole.y, quad)
        loose.append((side, dist / amm, 0.0))
        if not EDGE_MM[0] <= dist / amm <= EDGE_MM[1]:
            continue
        cx, cy = (hole.x + 0.5) / factor - 0.5, (hole.y + 0.5) / factor - 0.5
        if _shape_ok(grey, cx, cy, scan_mm):
            d = quad[(side + 1) % 4] - quad[side]
            along = float(np.dot([hole.x, hole.y], d) / max(1e-6, float(np.hypot(*d))))
            checked.append(_Checked(hole, along / amm, side, dist / amm))
    return _rows(checked, loose)
