"""Automatic page QC: measure the retouched page and flag what a human should look at.

Measurements are taken on the rendered output plane and on the page's ink followed through
the output matrix, so QC costs about a millisecond; blur is measured on full-resolution
pixels where the ink is densest.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from dangan.imaging import context as c
from dangan.imaging.deskew import (
    HALF_FINE_POINTS,
    HALF_MIN_POINTS,
    HALVES_AGREE_DEG,
    WIDE,
    SkewEstimate,
    blunt,
    coarse_search,
    columns,
    confident,
    half_angle,
    measure_skew,
    profile_scores,
)
from dangan.imaging.load import EXIF_MIRRORED, EXIF_TURNED
from dangan.imaging.stats import (
    components_with_stats,
    histogram_u8,
    percentile_of_histogram,
    percentile_u8,
)

STROKE_MM = 8.0  # ink solid over a disc this wide is an area (a dark photo), not writing:
# no line of text, bold heading or blurred line of text is solid over 8 mm


def _solid(ink_small: np.ndarray, factor: float, dpi: float,
           grey: np.ndarray | None = None) -> np.ndarray:
    """The ink's solid areas (uint8 0/1): solid over ``STROKE_MM`` (a dark photo), and with
    ``grey`` the shade a curled edge casts (dark that fades in over millimetres:
    ``_shaded``)."""
    r = max(1, round(STROKE_MM * factor * dpi / 25.4 / 2))
    solid = cv2.morphologyEx((ink_small > 0).astype(np.uint8), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    if grey is not None:
        solid = cv2.bitwise_or(solid, _shade_bodies(ink_small, grey, factor * dpi / 25.4))
    return solid


def _strokes(ink_small: np.ndarray, solid: np.ndarray) -> np.ndarray:
    """The ink's writing: its solid areas (``_solid``) taken out (a dark photo's smooth
    tones have no edge to judge, and read as blur); all of it when nothing else is left (a
    photo alone)."""
    strokes = (ink_small > 0) & (cv2.dilate(solid, np.ones((3, 3), np.uint8)) == 0)
    return strokes if strokes.any() else ink_small > 0


AREA_MM = 12.0  # a solid body this large both ways is an area (a photo, a shade), not a
# character made solid by its weight or by blur…
AREA_NEAR_MM = 6.0  # …and what lies this near it is its own: what the opening leaves of a
# photo (its narrow parts, its tones fading to the paper) is its soft edge, not writing


def _near_areas(solid: np.ndarray, mm: float) -> np.ndarray:
    """Where solid areas lie (``AREA_MM`` both ways), widened by ``AREA_NEAR_MM`` (bool)."""
    _n, labels, stats, _ = components_with_stats(solid)
    big = np.flatnonzero((stats[1:, cv2.CC_STAT_WIDTH] >= AREA_MM * mm)
                         & (stats[1:, cv2.CC_STAT_HEIGHT] >= AREA_MM * mm)) + 1
    if not len(big):
        return np.zeros(solid.shape, bool)
    r = max(1, round(AREA_NEAR_MM * mm))
    areas = np.isin(labels, big).astype(np.uint8)
    near: np.ndarray = cv2.dilate(areas, cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    return near


def _shade_bodies(ink_small: np.ndarray, grey: np.ndarray, mm: float) -> np.ndarray:
    """Solid ink bodies (over ``BODY_MM``) that are shading, not writing (uint8 0/1)."""
    k = 2 * max(1, round(BODY_MM * mm / 2)) + 1
    body = cv2.morphologyEx((ink_small > 0).astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    out = np.zeros(ink_small.shape, np.uint8)
    if not body.any():
        return out
    small = cv2.resize(grey if grey.ndim == 2 else grey.min(axis=2),
                       ink_small.shape[::-1], interpolation=cv2.INTER_AREA)
    light = float(np.percentile(small, PAPER_LIGHT_PCT))
    n, labels, stats, _ = components_with_stats(body)
    shaded = _shaded_ids(small, labels, stats, range(1, n), np.ones(small.shape, bool),
                         light, mm)
    if shaded:
        out[np.isin(labels, shaded)] = 1
    return out


def solid_areas(ink_small: np.ndarray, factor: float, dpi: float,
                grey: np.ndarray) -> np.ndarray:
    """The ink's solid areas (uint8 0/1) as blur and the skew left judge them: solid over
    ``STROKE_MM`` (a dark photo) and a curled edge's shade."""
    return _solid(ink_small, factor, dpi, grey)


def writing(ink_small: np.ndarray, solid: np.ndarray, mm: float) -> np.ndarray:
    """The page's writing (uint8 0/1): the ink without its solid areas (``solid_areas``) and
    what lies within ``AREA_NEAR_MM`` of an area ``AREA_MM`` across both ways (a photo and its
    soft edge) — as blur is judged; all the ink when no writing lies elsewhere (a photo
    alone) and when no such area lies on the page (its ink as it is)."""
    near = _near_areas(solid, mm)
    strokes = _strokes(ink_small, solid) & ~near if near.any() else ink_small > 0
    return (strokes if strokes.any() else ink_small > 0).astype(np.uint8)


def sharpness(grey: np.ndarray, ink_small: np.ndarray, factor: float, dpi: float,
              solid: np.ndarray | None = None) -> float:
    """Edge steepness relative to contrast where the ink is densest (≈1 sharp, → 0
    blurred); a dark photo's solid area is not writing and is not where blur is judged,
    nor a curled edge's shade, nor what lies beside a photo (``_near_areas``). ``solid``:
    ``solid_areas`` already found for this ink."""
    if not ink_small.any():
        return 1.0
    if solid is None:
        solid = _solid(ink_small, factor, dpi, grey)
    ink_small = _strokes(ink_small, solid)
    k = max(3, int(12 * factor * dpi / 25.4))
    h, w = ink_small.shape
    if h < k or w < k:
        return 1.0
    blocks = ink_small[: h // k * k, : w // k * k].reshape(h // k, k, w // k, k)
    density = np.count_nonzero(blocks, axis=(1, 3))
    # Not beside a photo (a solid area): judged there only when no writing lies elsewhere
    near = _near_areas(solid, factor * dpi / 25.4)[: h // k * k, : w // k * k]
    beside = near.reshape(h // k, k, w // k, k).any(axis=(1, 3))
    if (density[~beside] > 0).any():
        density[beside] = 0
    by, bx = np.unravel_index(int(np.argmax(density)), density.shape)
    half = int(k / factor / 2)
    cx, cy = int((bx * k + k / 2) / factor), int((by * k + k / 2) / factor)
    tile = grey[max(0, cy - half):cy + half, max(0, cx - half):cx + half]
    if tile.size < 16:
        return 1.0
    contrast = percentile_u8(tile, 98) - percentile_u8(tile, 2)
    if contrast < 20:
        return 1.0
    gx = cv2.absdiff(tile[:, 1:], tile[:, :-1])
    gy = cv2.absdiff(tile[1:], tile[:-1])
    steep = max(percentile_u8(gx, 99.5), percentile_u8(gy, 99.5))
    return steep / contrast * (dpi / 200.0)


PRINTED_RULE_MM = 1.0  # a dark mark thinner than this across the band, clear of the edge,
BED_ALONG_MM = 10.0  # or shorter than this along it, is printed (a frame, a rule, text)


def _bed_share(band: np.ndarray, mm: float, inside: np.ndarray | None = None) -> float:
    """Share of a band (row 0 on the output edge) taken by dark that is bed, not print.

    Bed left on the page reaches the output edge, or lies along it as a broad strip; a
    printed frame line or a table rule near the edge is thin and has paper between it and
    the edge; text is short. Within the sheet found (``inside``, 1 there) dark reaching the
    edge may be the sheet's own (text or a stamp written to its edge): there it counts only
    as a broad strip along the edge — a wedge of bed the sheet's outline took in (a slip
    laid past its edge, a corner of the frame) is one, a character is not."""
    n, labels, stats, _ = components_with_stats(band.astype(np.uint8))
    if n <= 1:
        return 0.0
    top, width, area = (stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_WIDTH],
                        stats[:, cv2.CC_STAT_AREA])
    thick = area / np.maximum(width, 1)  # mean thickness across the band (a frame's corner
    # joins two thin lines: still thin)
    broad = (thick >= PRINTED_RULE_MM * mm) & (width >= BED_ALONG_MM * mm)
    at_edge = top == 0
    if inside is not None:  # at the edge outside the sheet (its row 0 beyond it)
        edge_out = np.zeros(n, bool)
        edge_out[np.unique(labels[0][(labels[0] > 0) & (inside[0] == 0)])] = True
        at_edge &= edge_out
    bed = at_edge | broad
    bed[0] = False
    return float(stats[bed, cv2.CC_STAT_AREA].sum()) / band.size


SCAN_RIM_PX = 2  # the scan's own edge on the output blends with the canvas around it


def residue_by_side(out: np.ndarray, paper_level: float, mm: float,
                    sheet: np.ndarray | None = None,
                    scanned: np.ndarray | None = None,
                    tones: np.ndarray | None = None) -> dict[str, float]:
    """Fraction of bed-dark pixels in a 2 mm band along each side of the output
    (printed lines near the edge are not counted: see ``_bed_share``). With ``sheet`` (the
    corners of the sheet found, in output px: it lies on or just inside the paper's edge),
    dark inside it reaching the edge is the sheet's own — text or a stamp written to the edge
    — unless it is a broad strip along it. With ``scanned`` (the corners of the scan's frame
    in output px) only what came from the scan is judged: the canvas the engine laid around
    it, in the paper's colour (red paper: dark), is no bed. With ``tones`` (the output's
    grey before a bilevel threshold, same geometry) the sheet's own print is told by its
    tones there: a bilevel output shows a dark photo as flat black, as it shows bed."""
    b = max(2, int(2 * mm))
    h, w = out.shape[:2]
    inside = None
    if sheet is not None:
        inside = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(inside, np.round(sheet).astype(np.int32), 1)
    frame: np.ndarray | None = None
    if scanned is not None:
        drawn = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(drawn, np.round(scanned).astype(np.int32), 1)
        frame = cv2.erode(drawn, np.ones((3, 3), np.uint8), iterations=SCAN_RIM_PX,
                          borderType=cv2.BORDER_CONSTANT, borderValue=1)

    own = None if sheet is None else _sheet_own_dark(out if tones is None else tones, sheet,
                                                      frame, mm)

    def dark(rows: slice, cols: slice) -> np.ndarray:  # judged on the bands alone
        d: np.ndarray = out[rows, cols] < 0.5 * paper_level
        if frame is not None:
            d &= frame[rows, cols] > 0
        if own is not None:
            d &= own[rows, cols] == 0
        return d

    def within(rows: slice, cols: slice) -> np.ndarray | None:
        return None if inside is None else inside[rows, cols]

    def turned(a: np.ndarray | None, how: str) -> np.ndarray | None:
        if a is None:
            return None
        return {"top": a, "bottom": a[::-1], "left": a.T, "right": a[:, ::-1].T}[how]

    every = slice(None)
    deep = max(b + 1, int(BODY_BAND_MM * mm))

    def cut(depth: int) -> dict[str, tuple[slice, slice]]:
        return {"top": (slice(0, depth), every), "bottom": (slice(max(0, h - depth), h), every),
                "left": (every, slice(0, depth)), "right": (every, slice(max(0, w - depth), w))}

    out_share = {}
    wide = cut(deep)
    for side, (rows, cols) in cut(b).items():
        band = turned(dark(rows, cols), side)
        assert band is not None
        share = _bed_share(band, mm, turned(within(rows, cols), side))
        near = turned(dark(*wide[side]), side)
        assert near is not None
        out_share[side] = max(share, _body_along(near, b, mm))
    return out_share


SHEET_OWN_MM = 10.0  # dark inside the sheet found reaching this far in from its edge…
SHEET_RIM_MM = 1.0  # …and that print runs on this far past the edge found
PRINT_TONES = 0.1  # …and shows tones (10th-90th percentile this share of the paper's light
PRINT_TONES_MIN = 12.0  # tone, at least this): bed the sheet found took in is one flat tone
PAPER_LIGHT_PCT = 95  # the paper's light tone on the output (a photo pulls the median)


def _sheet_own_dark(out: np.ndarray, sheet: np.ndarray, frame: np.ndarray | None,
                    mm: float) -> np.ndarray:
    """1 where dark inside the sheet found belongs to a solid body reaching more than
    ``SHEET_OWN_MM`` in from the sheet's edge and showing tones, not the bed's one flat
    tone: print on the sheet (a photo printed to its edge takes the bed's tone where it is
    darkest), not bed left on the page (bed the sheet found took in beside a slip laid past
    its edge is flat)."""
    h, w = out.shape[:2]
    grey = out if out.ndim == 2 else out.min(axis=2)
    # the sheet drawn with room around the output: its edge may lie beyond the output's
    pad = int(SHEET_OWN_MM * mm) + 2
    wide = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    cv2.fillConvexPoly(wide, np.round(sheet + pad).astype(np.int32), 1)
    inside = wide[pad:pad + h, pad:pad + w]
    # the sheet found lies on or just inside the paper's edge: its print runs on a little
    r = max(1, round(SHEET_RIM_MM * mm))
    rim = cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    seen = rim > 0 if frame is None else (rim > 0) & (frame > 0)
    own = np.zeros((h, w), np.uint8)
    if not seen.any():
        return own
    light = (percentile_of_histogram(histogram_u8(grey, seen), PAPER_LIGHT_PCT)
             if grey.dtype == np.uint8 else float(np.percentile(grey[seen], PAPER_LIGHT_PCT)))
    k = 2 * max(1, round(BODY_MM * mm / 2)) + 1
    body = cv2.morphologyEx(((grey < 0.5 * light) & seen).astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if not body.any():
        return own
    depth = cv2.distanceTransform(wide, cv2.DIST_L2, 3)[pad:pad + h, pad:pad + w]
    n, labels, stats, _ = components_with_stats(body)
    deep = np.unique(labels[(body > 0) & (depth > SHEET_OWN_MM * mm)])
    printed = set()
    for i in deep[deep > 0]:
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        box = (slice(y, y + bh), slice(x, x + bw))  # the body lies within its box
        part = labels[box] == i
        lo, hi = np.percentile(grey[box][part], (10, 90))
        if hi - lo >= max(PRINT_TONES_MIN, PRINT_TONES * light):  # bed is one flat tone
            own[box][part] = 1
            printed.add(int(i))
    shaded = _shaded_ids(grey, labels, stats, [i for i in range(1, n) if i not in printed],
                         inside > 0, light, mm)
    shade = np.isin(labels, shaded) if shaded else np.zeros((h, w), bool)
    if shade.any():  # the shade's thin ends on the sheet (its rim included) go with it
        dark = ((grey < 0.5 * light) & seen).astype(np.uint8)
        _, parts = cv2.connectedComponents(dark, connectivity=8)
        ids = np.unique(parts[shade & (dark > 0)])
        own[np.isin(parts, ids[ids > 0])] = 1
    return own


SHADE_NEAR_MM = (0.5, 1.5)  # the paper this far from a dark body on the sheet…
SHADE_FAR_MM = (2.5, 3.5)  # …is darker than the paper this far by at least…
SHADE_STEP = 0.04  # …this share of the paper's light tone (8 levels at least): the body
SHADE_STEP_MIN = 8.0  # fades in (a curled edge's shade); bed or print stands in a step


# OpenCV's 3x3 chamfer distance (DIST_L2) steps at least this much per pixel along either
# axis: a pixel m px beyond a body's bounding box, either way, lies at least 0.955 m from it
CHAMFER_STEP_MIN = 0.955


def _shaded_ids(grey: np.ndarray, labels: np.ndarray, stats: np.ndarray,
                ids: Iterable[int], inside: np.ndarray, light: float,
                mm: float) -> list[int]:
    """The bodies (labels ``ids``, ``stats`` their boxes) that are shading (``_shaded``),
    each judged on its box widened past ``SHADE_FAR_MM``: all the paper ``_shaded`` looks
    at, with the same distances (the chamfer distance to a body within a rectangle holding
    it is the one on the whole image), at the cost of the box, not of the page."""
    h, w = grey.shape
    keep = inside.copy()
    keep[:, :2] = keep[:, w - 2:] = False  # the output's own edge is no neighbour
    keep[:2] = keep[h - 2:] = False
    m = int(SHADE_FAR_MM[1] * mm / CHAMFER_STEP_MIN) + 2
    shaded = []
    for i in ids:
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        rows = slice(max(0, y - m), min(h, y + bh + m))
        cols = slice(max(0, x - m), min(w, x + bw + m))
        if _shaded(grey[rows, cols], labels[rows, cols] == i, keep[rows, cols], light, mm):
            shaded.append(int(i))
    return shaded


def _shaded(grey: np.ndarray, part: np.ndarray, keep: np.ndarray, light: float,
            mm: float) -> bool:
    """Whether a dark body on the sheet found is shading: the paper beside it, on the
    sheet, darkens towards it over millimetres (a curled or lifted edge in the lamp's
    shade), where bed left on the page or print stands in a step from light paper.
    ``keep``: the paper that may be judged (on the sheet, off the output's own edge)."""
    far = cv2.distanceTransform((~part).astype(np.uint8), cv2.DIST_L2, 3) / mm
    near = keep & (far >= SHADE_NEAR_MM[0]) & (far <= SHADE_NEAR_MM[1])
    away = keep & (far >= SHADE_FAR_MM[0]) & (far <= SHADE_FAR_MM[1])
    if np.count_nonzero(near) < 20 or np.count_nonzero(away) < 20:
        return False
    step = float(np.median(grey[away])) - float(np.median(grey[near]))
    return step >= max(SHADE_STEP_MIN, SHADE_STEP * light)


BODY_BAND_MM = 5.0  # bed bodies are looked for this far in from the output's edge…
BODY_MM = 2.0  # …solid over a disc this wide (strokes of text, rules and lines are thinner)


def _body_along(near: np.ndarray, b: int, mm: float) -> float:
    """Share of the side (row 0 on the output edge) along which a solid dark body lies that
    reaches the 2 mm band (``b`` rows): a wedge of bed left between the sheet's edge and
    the output's edge takes little of the band but lies along the side all the same."""
    k = 2 * max(1, round(BODY_MM * mm / 2)) + 1
    body = cv2.morphologyEx(near.astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if not body.any():
        return 0.0
    _n, labels = cv2.connectedComponents(body, connectivity=8)
    reach = np.unique(labels[:b])
    reach = reach[reach > 0]
    if not len(reach):
        return 0.0
    along = np.isin(labels, reach).any(axis=0)
    return float(np.count_nonzero(along)) / near.shape[1]


def edge_residue(out: np.ndarray, paper_level: float, mm: float,
                 sheet: np.ndarray | None = None, scanned: np.ndarray | None = None) -> float:
    """The largest of ``residue_by_side``."""
    return max(residue_by_side(out, paper_level, mm, sheet, scanned).values())


def box_margin(corners: np.ndarray, size: tuple[int, int]) -> float:
    """Distance (px) from the output edge to the nearest corner of the ink box."""
    w, h = size
    return float(min(corners[:, 0].min(), corners[:, 1].min(),
                     w - 1 - corners[:, 0].max(), h - 1 - corners[:, 1].max()))


RESIDUAL_RANGE_DEG = 12.0  # a wrong turn of several degrees is measured, not clipped


ROWS_COLUMNS_AGREE_DEG = 1.0  # rows and columns both clear but this far apart: no one angle


def residual_skew(pts: np.ndarray, content: bool = True) -> tuple[float | None, bool]:
    """Skew left in ink points already mapped into the output (at analysis scale): over the
    whole range where the ink has lines of its own; else, for a page deskewed on its content
    (text alone, vertical script), within ±1.5° as before. ``None`` when the output gives no
    angle to measure (too little ink, no lines): not measured, never taken as straight; and
    whether that ``None`` is doubt — rows and columns (a map's roads) or two halves of the
    ink (a spread of two pages) confident at different angles, or lines too blunt to tell a
    few tenths: then no fallback puts a number back, and the page is flagged."""
    if len(pts) < 300:
        return None, False
    left, doubt = _skew_left_checked(pts.astype(np.float32))
    if left is not None or doubt:
        return left, doubt
    return (measure_skew(pts.astype(np.float32), 1.5).angle_deg if content else None), False


def _skew_left_checked(pts: np.ndarray) -> tuple[float | None, bool]:
    """The skew left (within ±``RESIDUAL_RANGE_DEG``) across rows or down columns, whichever
    the ink says more clearly, and whether a ``None`` is doubt: rows and columns confident
    at angles more than ``ROWS_COLUMNS_AGREE_DEG`` apart, a blunt peak (``blunt``), or two
    halves of the lines at different angles (``_halves_disagree``)."""
    found = []
    for axis, p in (("rows", pts), ("columns", columns(pts))):
        if len(p) < 50:
            continue  # measure_skew's "nothing to measure": never confident
        angle, _score, prominence = coarse_search(p, RESIDUAL_RANGE_DEG)
        coarse = SkewEstimate(angle, prominence, len(p))
        if confident(coarse):
            found.append((coarse, p, axis))
    if not found:
        return None, False
    if len(found) == 2 and abs(found[0][0].angle_deg - found[1][0].angle_deg) \
            > ROWS_COLUMNS_AGREE_DEG:
        return None, True
    coarse, p, axis = max(found, key=lambda f: f[0].confidence)
    left = measure_skew(p, RESIDUAL_RANGE_DEG, around=coarse).angle_deg
    if blunt(p, left) or _halves_disagree(p, left, axis == "rows"):
        return None, True
    if axis == "columns" and _peak_share(p, left) < SHARP_HALF:
        return None, True  # columns drifting one by one (handwriting): no angle to tenths
    return left, False


def _peak_share(pts: np.ndarray, angle_deg: float) -> float:
    """How far the profile falls 0.5° either side of its peak at ``angle_deg`` (a share of
    the peak). Vertical script written by hand drifts column by column (a few tenths of a
    degree each way): the columns' peak is then blunter than ``SHARP_HALF`` and lies off
    the sheet's skew (dev pagegen vertical, not deskewed: of 34 pages looked at, the 5 under
    0.03 were measured 0.25-0.6° off; every page measured within 0.1° was over 0.038)."""
    s = profile_scores(pts, np.array([angle_deg - 0.5, angle_deg, angle_deg + 0.5]))
    return 0.0 if s[1] <= 0 else 1.0 - float(max(s[0], s[2])) / float(s[1])


def _halves_disagree(pts: np.ndarray, angle_deg: float, rows: bool) -> bool:
    """Whether two halves of the lines, each measured on its own, lie more than
    ``HALVES_AGREE_DEG`` apart or from the whole's ``angle_deg``: a spread of two pages at
    their own angles, text above a rule at another. The halves split the set of lines (top
    and bottom of rows; left and right of columns, which is also where a spread of vertical
    script parts); the lines themselves are cut in two only for a spread of rows (left and
    right of ink wider than high): a column cut in two is too short to be measured to the
    tolerance looked for. A half whose own peak is not sharp (``_half_angle``: handwriting,
    a few short lines) tells no angle to a few tenths and is no evidence either way."""
    if len(pts) < HALF_MIN_POINTS:
        return False
    wide = rows and float(np.ptp(pts[:, 0])) > WIDE * float(np.ptp(pts[:, 1]))
    for axis in (0, 1) if wide else (1,):
        v = pts[:, axis]
        mid = 0.5 * (float(v.min()) + float(v.max()))
        found = [a for a in (_half_angle(pts[v < mid]), _half_angle(pts[v >= mid]))
                 if a is not None]
        if any(abs(a - angle_deg) > HALVES_AGREE_DEG for a in found) or (
                len(found) == 2 and abs(found[0] - found[1]) > HALVES_AGREE_DEG):
            return True
    return False


SHARP_HALF = 0.03  # a half's profile falls this share 0.5° either side of its peak to tell
# its angle to a tenth or two: on 112 development pages, 249 halves so sharp lay within 0.17°
# of the truth, 97 blunter ones up to 0.47° off (handwriting, a few lines, a column cut in two)


def _half_angle(half: np.ndarray) -> float | None:
    """The angle of half the lines, where its profile peaks sharply enough (``SHARP_HALF``)
    to be compared to tenths of a degree; ``None`` otherwise. The search follows the
    profile uphill where the first estimate's window stopped short of the peak."""
    angle = half_angle(half, RESIDUAL_RANGE_DEG)
    if angle is None:
        return None
    sub = half[:: max(1, len(half) // HALF_FINE_POINTS)]
    for _ in range(4):
        s = profile_scores(sub, np.array([angle - 0.5, angle, angle + 0.5]))
        if s[1] <= 0:
            return None
        if s[1] >= max(s[0], s[2]):
            return angle if 1.0 - max(s[0], s[2]) / s[1] >= SHARP_HALF else None
        step = 0.5 if s[2] > s[0] else -0.5
        angle = measure_skew(sub, RESIDUAL_RANGE_DEG,
                             around=SkewEstimate(angle + step, 1.0, len(sub))).angle_deg
    return None


SKEW_UNCERTAIN = "skew_uncertain"  # review reason: retouch.review.skew_uncertain
SKEW_DISPUTED = "skew_disputed"  # review reason: text and sheet edge at different angles
SHRUNK = "shrunk"  # review reason: scaled down by more than 5 % to fit the page size
CORNER_CUT = "corner_cut"  # review reason: a corner folded over or torn away
TORN_EDGE = "torn_edge"  # review reason: a bay torn into the sheet's edge shows the bed
FAINT_CONTENT = "faint_content"  # review reason: marks too faint to be read as ink
LITTLE_WRITING = "little_writing"  # review reason: one or a few strokes of writing alone
DARK_SCAN = "dark_scan"  # review reason: the paper itself came out dark (underexposed)
# The brightest channel of the paper's colour below this: underexposed, whatever the paper's
# hue (red, blue or yellowed paper is bright in one channel at least; grey 95 paper is not).
DARK_PAPER = 128

# Defects of the page as delivered, not of the retouch: the resolution below the archival
# minimum (DA/T 31-2017: 200 dpi, the default ``scan.min_dpi``), a warning; and what the
# file was converted from to be read (CMYK, 16-bit), for information only.
LOW_DPI = "low_dpi"  # below ``QcThresholds.min_dpi``
CONVERTED = "converted"
# How the file's EXIF tag turned (mirrored) the page before it was read (``load``) is for
# information too.
INFORMATION = frozenset({CONVERTED, EXIF_TURNED, EXIF_MIRRORED})  # reported, no defect


def judge(report: c.PageReport, opts: RetouchOptions) -> None:
    """Turn measurements on the output into defects. A change (a turn, a deskew, a fill) is
    not a defect: it is listed in ``report.changes``; doubt is a ``needs_review`` flag."""
    q = opts.qc
    has_ink = report.ink_ratio >= q.min_ink_ratio or report.writing_marks > 0
    if not has_ink and report.stroke_marks > 0:
        # not blank: a little writing the two-marks rule does not take (one digit, a page
        # number in bold digits), as the scan check finds it (``written.look``)
        report.needs_review(LITTLE_WRITING, f"strokes={report.stroke_marks}")
    elif not has_ink and report.faint_ratio >= q.min_ink_ratio:
        # not blank: its marks are too faint for the ink mask (pencil, carbon copy, faded
        # print — or show-through); nothing was turned or straightened by them
        report.needs_review(FAINT_CONTENT, f"faint={report.faint_ratio:.5f}")
    elif not has_ink:
        report.flag(c.BLANK_PAGE, f"ink={report.ink_ratio:.5f}")
    if report.skew_after_deg is not None and abs(report.skew_after_deg) > q.max_residual_skew_deg:
        report.flag(c.SKEW, f"after={report.skew_after_deg:.2f}")
    if report.corners_cut_mm2:  # a dog-ear hides what lies under it: unfold and scan again
        report.needs_review(CORNER_CUT, "area=" + ",".join(f"{a:.0f}mm2"
                                                           for a in report.corners_cut_mm2))
    if report.torn_mm2:  # the bed shows through a tear: what was there is gone or folded
        report.needs_review(TORN_EDGE, "area=" + ",".join(f"{a:.0f}mm2" for a in report.torn_mm2))
    if report.skew_method == "unsure" and SKEW_DISPUTED not in report.review:  # ink, but no angle to trust: left as it was
        report.needs_review(SKEW_UNCERTAIN)
    elif report.skew_after_doubt and SKEW_DISPUTED not in report.review:
        report.needs_review(SKEW_UNCERTAIN, "after=doubt")  # parts of the output disagree
    if report.edge_residue > q.max_edge_residue_ratio:
        side = f",side={report.edge_residue_side}" if report.edge_residue_side else ""
        report.flag(c.BLACK_BORDER, f"residue={report.edge_residue:.3f}{side}")
    if opts.holes and report.holes_found > report.holes_filled:  # kept on purpose otherwise
        report.flag(c.HOLE, f"found={report.holes_found} filled={report.holes_filled}")
    if has_ink and report.sharpness < q.min_sharpness:
        report.flag(c.BLURRED, f"sharpness={report.sharpness:.3f}")
    if has_ink and report.content_margin_mm < 0.0:
        report.flag(c.CONTENT_AT_EDGE, f"margin={report.content_margin_mm:.1f}mm")
    if 0 < report.dpi < q.min_dpi:
        report.flag(LOW_DPI, f"dpi={report.dpi},min={q.min_dpi}")
    if any(d.code not in INFORMATION for d in report.defects):
        report.status = "defect"


RetouchOptions = c.RetouchOptions
