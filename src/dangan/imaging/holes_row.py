"""Rows of binding holes: a binding's holes stand in a straight row along one side of the
paper, at a standard spacing, in the binding margin, at one distance from the edge. Also why
a candidate was left on the page, and which of those left are likely holes (``hole_unsure``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Hole:
    x: float  # centre, analysis px
    y: float
    r: float


# --- confirmation: a candidate is filled only when shape, size, surroundings and position
# all say "binding hole", and it belongs to a row of holes at a standard spacing.
CHECK_PX_PER_MM = 4.0  # resolution of the shape check (a 6 mm hole is 24 px across)
DIAMETER_MM = (4.0, 9.0)  # binding holes are 5–8 mm across
EDGE_MM = (3.0, 30.0)  # centre to the paper edge
SPACING_MM = (50.0, 125.0)  # neighbours in a row (80 mm for two holes, 85–108 mm for three)
ROW_TOLERANCE_MM = 3.0
MAX_ROW = 4  # more holes in a line are tractor-feed or perforations, not a binding


@dataclass(frozen=True)
class Checked:
    hole: Hole  # analysis px
    along_mm: float  # position along the nearest paper side
    side: int  # nearest paper side (index into the quad's edges)
    edge_mm: float  # distance from that side


def side_distance(x: float, y: float, quad: np.ndarray) -> tuple[int, float]:
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


RIM_MIN_DEPTH = 8.0  # grey levels a rim pixel lies below its 2.5 mm closing (noise is 1–3)


def work_copy(grey: np.ndarray, scan_mm: float) -> tuple[np.ndarray, float]:
    """``grey`` reduced by a whole factor to about ``CHECK_PX_PER_MM`` (a whole factor keeps
    the reduction cheap), and the factor."""
    k = max(1, round(scan_mm / CHECK_PX_PER_MM))
    if k == 1:
        return grey, 1.0
    return cv2.resize(grey, None, fx=1 / k, fy=1 / k, interpolation=cv2.INTER_AREA), 1 / k


def _line(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre, unit direction, perpendicular offsets) of the best line through ``pts``."""
    centre = pts.mean(axis=0)
    d = pts - centre
    _u, _s, vt = np.linalg.svd(d, full_matrices=False)
    direction = vt[0]
    normal = np.array([-direction[1], direction[0]])
    return centre, direction, d @ normal


def on_frame(p: np.ndarray, q: np.ndarray, size: tuple[float, float]) -> bool:
    """Does the quad side p→q lie on the image border (the paper edge was not seen there)?"""
    w, h = size
    m = 2.0
    return bool((p[0] <= m and q[0] <= m) or (p[1] <= m and q[1] <= m)
                or (p[0] >= w - 1 - m and q[0] >= w - 1 - m)
                or (p[1] >= h - 1 - m and q[1] >= h - 1 - m))


def edge_beyond(work: np.ndarray, mm: float, centre: np.ndarray, direction: np.ndarray,
                outward: np.ndarray, length: float) -> float:
    """Distance (work px) from a row of holes to the paper edge, looked for between the row
    and the frame along ``outward``: the first line parallel to the row where the paper
    ends (a step to the bed, or the shadow of the edge on a white bed). The frame when no
    such line is seen (the sheet reaches the frame)."""
    h, w = work.shape
    # How far the frame is along ``outward`` from every point of the row segment.
    ends = [centre + t * direction for t in (-length / 2, length / 2)]
    limits = []
    for e in ends:
        for k in range(2):
            if outward[k] > 1e-6:
                limits.append((w - 1 - e[0] if k == 0 else h - 1 - e[1]) / outward[k])
            elif outward[k] < -1e-6:
                limits.append(-(e[0] if k == 0 else e[1]) / outward[k])
    reach = max(0.0, min(limits)) if limits else 0.0
    start = 5.5 * mm  # clear of the holes' rims
    if reach <= start + 2:
        return reach
    ts = np.arange(start, reach, 0.5, dtype=np.float64)
    ss = np.arange(-length / 2, length / 2, 1.0)
    px = centre[0] + ts[:, None] * outward[0] + ss[None, :] * direction[0]
    py = centre[1] + ts[:, None] * outward[1] + ss[None, :] * direction[1]
    vals = cv2.remap(work.astype(np.float32), px.astype(np.float32), py.astype(np.float32),
                     cv2.INTER_LINEAR)
    profile = np.median(vals, axis=1)  # a few characters along the row do not count
    n0 = max(2, int(2 * mm / 0.5))  # compared with the 2 mm of paper just before it
    for i in range(n0, len(profile)):
        ref = float(np.median(profile[i - n0:i]))
        if abs(float(profile[i]) - ref) >= max(RIM_MIN_DEPTH, 0.06 * ref):
            return float(ts[i])
    return reach


def rows_of(checked: list[Checked], loose: np.ndarray, grey: np.ndarray, scan_mm: float,
          quad: np.ndarray, factor: float) -> tuple[list[Hole], list[tuple[Checked, str]]]:
    """Holes standing in a straight row along one side of the paper, at a standard spacing
    and in the binding margin; feed rows refused. Also the checked holes left, each with
    why (``ROW_*``)."""
    out: list[Hole] = []
    left: list[tuple[Checked, str]] = []
    amm = scan_mm * factor
    size = (grey.shape[1] * factor, grey.shape[0] * factor)
    work: np.ndarray | None = None
    f = 1.0
    for side in range(4):
        row = [h for h in checked if h.side == side]
        if len(row) < 2 or len(row) > MAX_ROW:
            left.extend((h, ROW_ALONE if len(row) < 2 else ROW_FEED) for h in row)
            continue
        pts = np.array([[h.hole.x, h.hole.y] for h in row]) / amm  # mm
        p, q = quad[side], quad[(side + 1) % 4]
        framed = on_frame(p, q, size)
        # A punch's row runs parallel to the paper edge: the holes lie on a line and at one
        # distance from the edge (a line slanting away from it joins a hole and a mark).
        # Where the side is the frame (the edge unseen) the row is measured from the edge
        # found beside it instead, below.
        edge = np.array([0.0 if framed else h.edge_mm for h in row])
        while True:
            centre, direction, offsets = _line(pts)
            dev = np.maximum(np.abs(offsets), np.abs(edge - np.median(edge)))
            worst = int(np.argmax(dev))
            if dev[worst] <= ROW_TOLERANCE_MM or len(row) <= 2:
                break
            left.append((row.pop(worst), ROW_OFF_LINE))
            pts = np.delete(pts, worst, axis=0)
            edge = np.delete(edge, worst)
        if len(row) < 2 or dev.max() > ROW_TOLERANCE_MM or np.ptp(edge) > ROW_TOLERANCE_MM:
            left.extend((h, ROW_OFF_LINE) for h in row)
            continue
        along_side = (q - p) / max(1e-6, float(np.hypot(*(q - p))))
        if abs(float(np.dot(direction, along_side))) < np.cos(np.deg2rad(10.0)):
            left.extend((h, ROW_OFF_LINE) for h in row)
            continue  # not along the side
        if len(loose):  # a long line of holes is a feed row or a perforation, not a binding
            rel = loose / amm - centre
            near = np.abs(rel @ np.array([-direction[1], direction[0]])) <= ROW_TOLERANCE_MM
            if int(near.sum()) > MAX_ROW + 1:
                left.extend((h, ROW_FEED) for h in row)
                continue
        along = np.sort((pts - centre) @ direction)
        gaps = np.diff(along)
        if gaps.min() < SPACING_MM[0] or gaps.max() > SPACING_MM[1] \
                or (len(gaps) > 1 and gaps.max() > 1.15 * gaps.min()):
            left.extend((h, ROW_SPACING) for h in row)
            continue
        if framed:  # the paper edge was not found there: look for it
            if work is None:
                work, f = work_copy(grey, scan_mm)
            outward = np.array([direction[1], -direction[0]])
            if float(np.dot(outward, [along_side[1], -along_side[0]])) < 0:
                outward = -outward  # the quad runs clockwise: (dy, -dx) points out
            wmm = scan_mm * f
            c_work = (centre * amm + 0.5) / factor * f - 0.5
            dist = edge_beyond(work, wmm, c_work, direction, outward,
                               (along[-1] - along[0] + 40.0) * wmm) / wmm
            edges = [dist] * len(row)
        else:
            edges = [h.edge_mm for h in row]
        if not all(EDGE_MM[0] <= e <= EDGE_MM[1] for e in edges):
            left.extend((h, ROW_MARGIN) for h in row)
            continue
        out.extend(h.hole for h in row)
    return out, left


# Why a candidate was not filled (``HoleJudgement.left``).
NOT_ROUND = "shape"  # not a round solid disc / closed shadow ring of a hole's size on paper
NOT_MARGIN = "margin"  # not in a binding margin
NOT_BED = "bed"  # its tone is not that of the bed seen beside the sheet
PRINT_BESIDE = "column"  # print beside it at its distance from the edge
ROW_ALONE = "alone"  # no other hole along that side
ROW_FEED = "feed"  # one of too many in a line: a feed row or a perforation
ROW_OFF_LINE = "line"  # off the row's line or its distance from the edge, or a row askew
ROW_SPACING = "spacing"  # not at a standard spacing from its neighbours
ROW_MARGIN = "row_margin"  # the row lies outside the binding margin


# Left in a row of its own that fails (no other hole beside it, off the line, another
# spacing, outside the margin): a hole's shape, place and tone, a likely hole. A line of too
# many (a feed row, a perforation) is not a binding's and is not one.
UNSURE_ROW = frozenset({ROW_ALONE, ROW_OFF_LINE, ROW_SPACING, ROW_MARGIN})
UNSURE_BED_GAP = 1.5  # a disc this close to the bed's tone (in tolerances) may be a hole


def likely_holes(holes: list[Hole], checked: list[Checked], off_row: list[tuple[Checked, str]],
            near: list[Checked], spots: np.ndarray, grey: np.ndarray, scan_mm: float, quad: np.ndarray,
            factor: float) -> list[Hole]:
    """Likely binding holes left unfilled, for a person to look at: a disc or ring that
    passed every check on its own but stands in no row of holes; and one of a hole's shape
    and place left for its tone or print beside it that, taken as a hole, completes a row
    at a standard spacing (a hole under other light, a page number beside it). A lone disc
    of another tone than the bed (a bullet, a printed dot) or one in a column of print is
    not one; nor is anything that failed the shape (characters, squares, letters)."""
    out = [c.hole for c, why in off_row if why in UNSURE_ROW]
    if near:
        again, _left = rows_of(checked + near, spots, grey, scan_mm, quad, factor)
        out.extend(h for h in again if h not in out)
    filled = {(h.x, h.y) for h in holes}
    return [h for h in out if (h.x, h.y) not in filled]
