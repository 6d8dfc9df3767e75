"""The sheet's damage seen against the bed: bays torn into its edge (the bed seen through a
tear inside the sheet's outline) and corners folded over or torn away (``cut_corners``).

The bed a tear shows lies inside the sheet: it is never painted (only bed outside the sheet
is), and the paper's damage is named with its area for a person to see. Works on the reduced
analysis image.
"""

from __future__ import annotations

import cv2
import numpy as np

from dangan.imaging.paper import Paper

TORN_MIN_MM2 = 25.0  # a bay of bed inside the sheet's outline this large (a seal's star printed
# across the edge is smaller)…
TORN_DEPTH_MM = 2.0  # …reaching this far in from its edge (the blend of the edge is less)…
TORN_WIDTH_RATIO = 10.0  # …and no wider along the edge than this times its depth (a curled
# edge draws the paper in by up to ~3 mm along much of a side: a long, shallow sliver)
TORN_CORNER_MM = 2.0  # a bay at the sheet's corner is a corner cut (``cut_corners``)
BLEND_PX_MM = 1.0  # the rim of the rectangle where paper and bed blend is no bay
PRINT_FILL = 0.9  # dark print reaching the edge (a photo printed to it) fills this much of
# a rectangle lying square with the sheet: its sides are straight and continue the sheet's
# outline; a tear's outline is ragged (a torn bay fills about half of its rectangle)
PRINT_SQUARE_DEG = 2.0  # …the rectangle's sides this close to the sheet's
TORN_TONE = 0.15  # a tear shows the bed itself: a bay lighter than the bed by more than this
TORN_TONE_MIN = 10.0  # share of paper minus bed (levels, at least this) is the sheet's own
# dark print joining the bed by the loose tolerance (a photo's dark side), no tear
PAPER_PCT = 95  # the paper's light tone: a dark photo over most of the sheet pulls its median


def torn_bays(small: np.ndarray, paper: Paper, mm: float) -> list[float]:
    """Areas (mm²) of bays torn into the sheet's edges: bed seen inside the sheet's
    rectangle, reaching it from the bed outside — the bed a tear shows is the paper's own
    damage, kept as it is (never painted: it lies inside the sheet) for a person to see.
    A bay at a corner is left to ``cut_corners``; a hole punched through the sheet is not
    reached from outside. A dark photo printed to the sheet's edge takes the bed's tone
    where it is darkest, but its outline is straight and square with the sheet (it fills
    its rectangle): print, no tear. Only judged on a dark or grey bed."""
    if not paper.found or not paper.bed_sides or paper.white_bed:
        return []
    h, w = small.shape
    out = small[(paper.mask == 0) & (small < 0.75 * paper.level)]
    if out.size == 0:
        return []
    bed = float(np.median(out))
    tol = max(15.0, 0.3 * (paper.level - bed))
    # Solid areas of the bed's tone (print, a seal's ring, a line to the edge are thin)
    k = 2 * max(1, round(1.5 * mm)) + 1  # as the bed's bodies in ``bed.find_bed``
    tone = (np.abs(small.astype(np.float32) - bed) <= tol).astype(np.uint8)
    dark = cv2.morphologyEx(tone, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    _, labels = cv2.connectedComponents(dark, connectivity=4)
    inside = cv2.distanceTransform((paper.mask > 0).astype(np.uint8), cv2.DIST_L2, 3)
    # The bed reached from outside the sheet's rectangle (one component, usually)
    reached = np.unique(labels[(paper.mask == 0) & (dark > 0)])
    reached = reached[reached > 0]
    # Each bay apart: the bed-dark inside the rectangle beyond the blend of its edge
    deep = ((dark > 0) & (inside > BLEND_PX_MM * mm) & np.isin(labels, reached)).astype(np.uint8)
    n, bays = cv2.connectedComponents(deep, connectivity=8)
    printed = _printed_regions(small, paper, bed, k)
    corners = np.zeros((h, w), np.uint8)
    for x, y in paper.quad:
        cv2.circle(corners, (round(float(x)), round(float(y))),
                   max(1, round(TORN_CORNER_MM * mm)), 1, -1)
    found: list[float] = []
    for i in range(1, n):
        bay = bays == i
        if (corners[cv2.dilate(bay.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] > 0).any():
            continue
        if _is_print(printed, bay, paper):
            continue
        if float(np.median(small[bay])) > bed + max(TORN_TONE_MIN,
                                                    TORN_TONE * (paper.level - bed)):
            continue
        depth = float(inside[bay].max()) / mm
        area = float(np.count_nonzero(bay)) / (mm * mm)
        if depth < TORN_DEPTH_MM or area < TORN_MIN_MM2:
            continue
        if 2 * area / (depth * depth) > TORN_WIDTH_RATIO:
            continue
        found.append(area)
    return found


def _printed_regions(small: np.ndarray, paper: Paper, bed: float, k: int) -> np.ndarray:
    """Labels of what is darker than halfway from the bed to the paper's light tone inside
    the sheet (its solid bodies): a bay of bed lies in one of them, and so does a dark photo
    whose darkest parts take the bed's tone."""
    light = max(paper.level, float(np.percentile(small[paper.mask > 0], PAPER_PCT)))
    below = ((small < 0.5 * (bed + light)) & (paper.mask > 0)).astype(np.uint8)
    dark = cv2.morphologyEx(below, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    _, labels = cv2.connectedComponents(dark, connectivity=4)
    return labels


def _is_print(printed: np.ndarray, bay: np.ndarray, paper: Paper) -> bool:
    """Whether the dark region holding a bay is straight-sided print: a rectangle square
    with the sheet that it fills (a photo printed to the sheet's edge), not a ragged tear."""
    ids = np.unique(printed[bay])
    ids = ids[ids > 0]
    if len(ids) != 1:
        return False
    ys, xs = np.nonzero(printed == ids[0])
    (_, _), (rw, rh), angle = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
    if rw * rh <= 0 or len(xs) < PRINT_FILL * rw * rh:
        return False
    q = paper.quad.astype(np.float64)
    dx, dy = q[1] - q[0]
    sheet = np.degrees(np.arctan2(dy, dx))
    off = abs((angle - sheet + 45.0) % 90.0 - 45.0)
    return bool(off <= PRINT_SQUARE_DEG)


CORNER_LEG_MM = (5.0, 90.0)  # a folded or torn-off corner: each leg this long…
CORNER_LEG_RATIO = 3.0  # …and neither more than three times the other
SIDE_MM = 40.0  # the sides either side of the cut are long (the sheet's own edges)


def cut_corners(small: np.ndarray, paper: Paper, mm: float) -> list[float]:
    """Areas (mm²) of the sheet's corners cut off by a straight line — folded over (a dog-ear
    hides what lies under it) or torn away — seen as bed where the corner should be.

    The sheet's outline is reduced to a polygon; a short edge between two long edges that
    meet near a right angle, away from the image frame, cuts a corner when the triangle
    between it and the two edges' meeting point is bed-dark. Only judged on a dark or grey
    bed (on a light bed the outline is not sure enough)."""
    if not paper.found or not paper.bed_sides:
        return []
    h, w = small.shape
    hull = paper.outline.reshape(-1, 1, 2).astype(np.float32)
    poly = cv2.approxPolyDP(hull, 0.004 * cv2.arcLength(hull, True), True)
    pts = poly.reshape(-1, 2).astype(np.float64)
    n = len(pts)
    if n < 5:
        return []
    edges = [(pts[i], pts[(i + 1) % n]) for i in range(n)]
    length = [float(np.hypot(*(b - a))) / mm for a, b in edges]
    lo, hi = CORNER_LEG_MM
    found: list[float] = []
    for i, (a, b) in enumerate(edges):
        before, after = edges[i - 1], edges[(i + 1) % n]
        if not lo <= length[i] <= hi * 1.5 or min(length[i - 1], length[(i + 1) % n]) < SIDE_MM:
            continue
        mid = (a + b) / 2
        if min(mid[0], mid[1], w - 1 - mid[0], h - 1 - mid[1]) < 3:
            continue  # along the image frame: the sheet runs out of the scan there
        d1, d2 = before[1] - before[0], after[1] - after[0]
        if abs(float(np.dot(d1, d2))) > 0.26 * np.hypot(*d1) * np.hypot(*d2):
            continue  # the sheet's edges either side must meet near a right angle
        try:
            t = np.linalg.solve(np.array([d1, -d2]).T, after[0] - before[0])[0]
        except np.linalg.LinAlgError:
            continue
        corner = before[0] + t * d1
        legs = sorted(float(np.hypot(*(p - corner))) / mm for p in (a, b))
        if legs[0] < lo or legs[1] > hi or legs[1] > CORNER_LEG_RATIO * legs[0]:
            continue
        tri = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(tri, np.array([a, corner, b]).round().astype(np.int32), 255)
        inside = small[cv2.erode(tri, np.ones((3, 3), np.uint8)) > 0]
        if inside.size < 4 or np.mean(inside < 0.75 * paper.level) < 0.8:
            continue  # not bed where the corner should be
        va, vb = a - corner, b - corner
        found.append(abs(float(va[0] * vb[1] - va[1] * vb[0])) / 2 / mm / mm)
    return found
