"""A sheet cut off by the scanner: content running out of the frame where no bed lies.

Where the bed shows on a side, the sheet's edge is in the frame there. Where it does not, the
sheet reaches the frame — laid against the glass's edge, or larger than what was scanned.
Text, rules or a stamp crossing the frame's own edge on such a side were cut by the scan: what
lay beyond is not in the file, and no retouch brings it back. The page must be scanned again.

A mark counts when it touches the outermost pixels, reaches at least ``DEPTH_MM`` into the frame
and is no longer along the edge than ``LONG_MM`` nor ``FLAT`` times longer than deep (a dash
of a broken line: a curled edge's shadow), and the content it belongs to goes on further in
(within ``INWARD_MM``: the rest of a cut glyph, a rule); a line along most of the side (the scanner's own
border, the sheet's shadow) is taken out first: it is no cut content. ``MIN_MARKS`` such marks on one side are needed (text cut off gives dozens): specks at the
edge are dust. Only dark inside the sheet found counts (the bed in a corner beside a side with
bed is no mark).
"""

from __future__ import annotations

import cv2
import numpy as np

from dangan.imaging.stats import components_with_stats

SIDES = ("top", "right", "bottom", "left")
BAND_MM = 2.0  # depth of the strip looked at along each side
DEPTH_MM = 0.4  # a cut mark runs at least this far in from the frame's edge
LONG_MM = 25.0  # longer along the edge: a border line, not a cut mark
MIN_MARKS = 8
MIN_GLYPHS = 1  # ...or this many cut marks shaped like writing (``glyph_cuts``)
FLAT = 3  # a mark this many times longer along the edge than deep: a dash of a line
INWARD_MM = 6.0  # a cut mark's content goes on within this far in (a glyph, a rule)
DARK = 0.6  # darker than this share of the paper level: ink, not shading…
GLYPH_MM = (1.5, 15.0)  # a cut glyph: the part left in the frame runs this far in or along…
GLYPH_THICK_MM = 1.0  # …in strokes this thin (area over its outline's half)…
GLYPH_WIDE_MM = 1.0  # …at least this wide and deep (a stroke's width is no glyph)…
GLYPH_FILL = 0.6  # …filling little of its box (a blot, a dark corner, a rule's end fill it)…
GLYPH_INSIDE_MM = 5.0  # …this far inside the sheet along the edge (a sliver of bed at the
# sheet's own side edge, the shadow in a corner, is no glyph)
LOCAL_MM = 8.0  # …and of the lightest within this along the edge (a lid or a sheet dimmed by
# uneven light at the frame's edge is no ink: its noise crosses a level set by the page)


def _strip(grey: np.ndarray, side: str, depth: int) -> np.ndarray:
    """The band along ``side``, turned so that row 0 is the frame's edge and rows go inward."""
    if side == "top":
        return grey[:depth]
    if side == "bottom":
        return grey[::-1][:depth]
    if side == "left":
        return grey[:, :depth].T
    return grey[:, ::-1][:, :depth].T


def cut_marks(grey: np.ndarray, level: float, dpi: float, side: str,
              sheet: np.ndarray | None = None) -> int:
    """How many marks cross the frame's edge on ``side`` of the full-resolution ``grey``;
    ``sheet``: a mask of the sheet at the same size (0 outside), when a sheet was found."""
    return len(mark_spans(grey, level, dpi, side, sheet))


def mark_spans(grey: np.ndarray, level: float, dpi: float, side: str,
               sheet: np.ndarray | None = None) -> list[tuple[int, int]]:
    """The marks crossing the frame's edge on ``side`` (see ``cut_marks``), each as its
    (start, width) along the edge, in pixels."""
    mm = dpi / 25.4
    depth, inward = max(3, round(BAND_MM * mm)), max(6, round(INWARD_MM * mm))
    strip = np.ascontiguousarray(_strip(grey, side, inward))
    k = max(3, round(LOCAL_MM * mm)) | 1
    local = cv2.dilate(strip, np.ones((2 * inward + 1, k), np.uint8))
    wide = strip < DARK * np.minimum(local.astype(np.float32), level)
    if sheet is not None:
        wide &= _strip(sheet, side, inward) > 0
    dark = wide[:depth].astype(np.uint8)
    beyond = wide[depth:]  # what lies further in: where cut content goes on
    border = dark.mean(axis=1) > 0.5  # a line along the side (the scanner's border)
    edge = int(np.argmin(border)) if not border.all() else depth  # first row past it
    dark[border] = 0
    n, _labels, stats, _c = components_with_stats(dark)
    deep, long = max(2, round(DEPTH_MM * mm)), LONG_MM * mm
    pad = max(1, round(mm))
    marks = []
    for x, y, w, h, _area in stats[1:n]:
        if y <= edge and h >= deep and w <= long and w <= FLAT * h \
                and beyond[:, max(0, x - pad):x + w + pad].any():
            marks.append((int(x), int(w)))
    return sorted(marks)


def glyph_cuts(grey: np.ndarray, level: float, dpi: float, side: str,
               sheet: np.ndarray | None = None) -> int:
    """How many marks shaped like writing (a glyph, a digit: thin strokes, a few mm, filling
    little of their box) touch the frame's edge on ``side``, at least ``GLYPH_INSIDE_MM``
    inside the sheet along it: a page number cut in half crosses the edge in one or two
    strokes, too few for ``MIN_MARKS``, but what is left of it is shaped like writing, which
    a scanner's border line, the sheet's own edge, its shadow or dust is not. The mark ends
    within ``INWARD_MM`` of the edge: a line running in (the edge of a skewed sheet, its
    shadow on a white lid, a rule) goes on past it."""
    mm = dpi / 25.4
    inward = max(6, round(INWARD_MM * mm))
    strip = np.ascontiguousarray(_strip(grey, side, inward))
    k = max(3, round(LOCAL_MM * mm)) | 1
    local = cv2.dilate(strip, np.ones((2 * inward + 1, k), np.uint8))
    dark = strip < DARK * np.minimum(local.astype(np.float32), level)
    inside = np.ones(strip.shape[1], bool)
    margin = max(1, round(GLYPH_INSIDE_MM * mm))
    inside[:margin], inside[-margin:] = False, False
    if sheet is not None:
        along = np.asarray(np.all(_strip(sheet, side, inward) > 0, axis=0), np.uint8)
        kept: np.ndarray = cv2.erode(along[None, :], np.ones((1, 2 * margin + 1), np.uint8),
                                     borderType=cv2.BORDER_CONSTANT, borderValue=0)
        inside &= kept[0] > 0
    border = dark.mean(axis=1) > 0.5  # a line along the side (the scanner's border)
    edge = int(np.argmin(border)) if not border.all() else inward
    dark[border] = False
    n, _labels, stats, _c = components_with_stats(dark.astype(np.uint8))
    lo, hi = GLYPH_MM[0] * mm, GLYPH_MM[1] * mm
    cuts = 0
    for x, y, w, h, area in stats[1:n]:
        length = max(w, h)
        # wholly within the band, as wide as it is deep within a few times: a line running
        # in (a sheet's edge or its shadow, a rule) runs through the band, and a thin one
        # along the edge is a border's piece
        if (y <= edge and lo <= length <= hi and min(w, h) >= GLYPH_WIDE_MM * mm
                and y + h < inward - 1 and inside[x:x + w].all() and area <= GLYPH_FILL * w * h
                and area <= GLYPH_THICK_MM * mm * (w + h)):
            cuts += 1
    return cuts


def cut_sides(grey: np.ndarray, level: float, dpi: float, bed_sides: tuple[str, ...],
              sheet_small: np.ndarray | None = None) -> dict[str, int]:
    """The frame's sides without bed that cut content, with the number of marks cut;
    ``sheet_small``: the sheet's mask at analysis size, when a sheet was found on a bed."""
    found: dict[str, int] = {}
    sheet = None
    if sheet_small is not None and len(bed_sides) < len(SIDES):
        h, w = grey.shape[:2]
        sheet = cv2.resize(sheet_small, (w, h), interpolation=cv2.INTER_NEAREST)
    for side in SIDES:
        if side in bed_sides:
            continue
        marks = cut_marks(grey, level, dpi, side, sheet)
        if marks >= MIN_MARKS:
            found[side] = marks
        elif (glyphs := glyph_cuts(grey, level, dpi, side, sheet)) >= MIN_GLYPHS:
            found[side] = glyphs
    return found


def output_side(side: str, shape: tuple[int, ...], matrix: np.ndarray,
                size: tuple[int, int]) -> str:
    """The side of the output page a side of the scan's frame lies along (after the turn)."""
    h, w = shape[:2]
    mid = {"top": (w / 2, 0.0), "right": (w - 1.0, h / 2), "bottom": (w / 2, h - 1.0),
           "left": (0.0, h / 2)}[side]
    x, y = matrix[:, :2] @ np.array(mid) + matrix[:, 2]
    ow, oh = size
    distance = {"top": y, "right": ow - 1 - x, "bottom": oh - 1 - y, "left": x}
    return min(distance, key=lambda k: abs(distance[k]))
