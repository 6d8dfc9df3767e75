"""Whether a page with too little ink to count as content carries writing: the one second
look retouch's QC (``blank_page``) and the scan check (``intake.blank``) both take.

A page number alone or a signature is writing, though its ink is too little to count as
content by its share of the page; dust, foxing spots and show-through are not (too small,
round, or too faint to be ink). The page is reduced to ``WRITING_DPI`` (a page number's
strokes fade into the paper at the analysis resolution), its ink found as the analysis finds
it (darker than the paper around it, inside the sheet), and the rim of a punched hole seen on
a white lid — short arcs that would pass for strokes — is left out before anything is
counted, and so is a long thin line broken at this scale into segments of a stroke's length
(the sheet's edge or its shadow inside the sheet found on a white lid, a rule, a crease). Two counts come of it (``Writing``):

* ``words``: thin strokes of a character's or a signature's length, at least
  ``WRITING_MIN_MARKS`` of them close together (a word, a page number, a signature);
* ``strokes``: the marks of a written stroke's shape however few (one digit), the thickness
  measured across the stroke, so that a bold or curly digit is a stroke too (``stroke_marks``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import components_with_stats

WRITING_DPI = 100.0  # writing is looked for at this resolution (a page number's strokes
# fade into the paper at the analysis resolution)
WRITING_MARGIN_MM = 5.0  # writing is looked for this far inside the sheet (its edge's blend,
# a shadow or a sliver of bed along it draws thin lines that are no writing)
WRITING_LENGTH_MM = (1.5, 40.0)  # a written mark: a character's stroke or a signature's, this
# long (dust is shorter; a rule, a crease or the sheet's edge longer)…
WRITING_THICK_MM = 1.4  # …thin (area over length; a pen's wavy stroke is ≈ 1 mm)…
WRITING_FILL = 0.7  # …filling little of its box (a foxing spot or a blot is round, solid)…
WRITING_MIN_MARKS = 2  # …and more than one of them (a single fibre or scratch is no writing)…
WRITING_SPAN_MM = 60.0  # …close together (a word, a page number, a signature)
LINE_GAP_MM = 1.0  # marks this close are pieces of one line when together they run longer
# than a written mark (``WRITING_LENGTH_MM``) and no thicker than a stroke across
HOLE_DIAMETER_MM = (4.0, 9.0)  # a punched hole's ring (6 mm holes, a little scaled)…
HOLE_RING_SPREAD = 0.25  # …its marks this close to one radius (std / mean)


@dataclass(frozen=True)
class Writing:
    """What ``look`` found: ``words`` (``writing_marks``: writing, 0 when there is none) and
    ``strokes`` (``stroke_marks``: marks of a stroke's shape, however few)."""

    words: int = 0
    strokes: int = 0


def look(grey: np.ndarray, dpi: float) -> Writing:
    """The writing on a full-resolution grey scan of ``dpi`` (see the module)."""
    from dangan.imaging.analysis import ink_mask, reduce
    from dangan.imaging.paper import find_paper

    fine, factor = reduce(grey, dpi, WRITING_DPI)
    mm = dpi * factor / 25.4
    paper = find_paper(fine)
    marks = without_hole_rims((ink_mask(fine, paper, mm) > 0).astype(np.uint8), mm)
    marks = without_lines(marks, mm)
    return Writing(writing_marks(marks, paper.mask, mm), stroke_marks(marks, paper.mask, mm))


def _inside(marks: np.ndarray, sheet: np.ndarray, mm: float) -> np.ndarray:
    """``marks`` at least ``WRITING_MARGIN_MM`` inside the sheet (uint8 0/1)."""
    r = max(1, round(WRITING_MARGIN_MM * mm))
    inner = cv2.erode((sheet > 0).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return ((marks > 0) & (inner > 0)).astype(np.uint8)


def writing_marks(ink: np.ndarray, sheet: np.ndarray, mm: float) -> int:
    """How many ink components inside the sheet look like writing: thin strokes of a
    character's or a signature's length, at least ``WRITING_MIN_MARKS`` lying within
    ``WRITING_SPAN_MM`` of each other (0 otherwise). ``ink`` and ``sheet`` are masks at one
    scale, ``mm`` its px per mm."""
    n, _labels, stats, cents = components_with_stats(_inside(ink, sheet, mm))
    if n <= WRITING_MIN_MARKS:
        return 0
    length = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) / mm
    thick = stats[1:, cv2.CC_STAT_AREA] / (mm * mm) / np.maximum(length, 1e-6)
    ok = ((length >= WRITING_LENGTH_MM[0]) & (length <= WRITING_LENGTH_MM[1])
          & (thick <= WRITING_THICK_MM) & (stats[1:, cv2.CC_STAT_AREA] <= WRITING_FILL
                                           * stats[1:, cv2.CC_STAT_WIDTH]
                                           * stats[1:, cv2.CC_STAT_HEIGHT]))
    pts = cents[1:][ok] / mm
    if len(pts) < WRITING_MIN_MARKS:
        return 0
    near = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) <= WRITING_SPAN_MM
    best = int(near.sum(axis=1).max())
    return best if best >= WRITING_MIN_MARKS else 0


def stroke_marks(marks: np.ndarray, sheet: np.ndarray, mm: float) -> int:
    """How many marks inside the sheet have a written stroke's shape: a character's length
    and at most ``WRITING_THICK_MM`` thick, filling little of their box, as
    ``writing_marks`` counts them, but with no two-marks rule (one digit is one mark) and
    the thickness measured across the stroke — twice the median depth of its middle line
    (the pixels deepest from the mark's edge in their 3 × 3 neighbourhood) — so that a bold
    or curly digit is a stroke too, however thick the corner where two of its strokes meet
    (a bold "2" at 100 dpi: 1.46 mm at its corner, 0.97 mm along its strokes)."""
    inside = _inside(marks, sheet, mm)
    n, labels, stats, _ = components_with_stats(inside)
    if n <= 1:
        return 0
    w, h, area = (stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT],
                  stats[1:, cv2.CC_STAT_AREA])
    length = np.maximum(w, h) / mm
    shaped = ((length >= WRITING_LENGTH_MM[0]) & (length <= WRITING_LENGTH_MM[1])
              & (area <= WRITING_FILL * w * h))
    if not shaped.any():
        return 0
    depth = cv2.distanceTransform(np.pad(inside, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = (depth > 0) & (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8)))
    count = 0
    for i in np.nonzero(shaped)[0] + 1:
        x, y = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        box = (slice(y, y + stats[i, cv2.CC_STAT_HEIGHT]), slice(x, x + stats[i, cv2.CC_STAT_WIDTH]))
        mid = depth[box][ridge[box] & (labels[box] == i)]
        across = 2 * float(np.median(mid)) / mm if len(mid) else 0.0
        count += across <= WRITING_THICK_MM
    return count


def without_hole_rims(marks: np.ndarray, mm: float) -> np.ndarray:
    """``marks`` (uint8 0/1) without the arcs that lie on one ring of a punched hole's size
    (``HOLE_DIAMETER_MM``, their distances from its centre within ``HOLE_RING_SPREAD``)."""
    r = max(1, round(mm))
    groups = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    n, labels, stats, _ = components_with_stats(groups)
    out = marks.copy()
    for i in range(1, n):
        w, h = stats[i, cv2.CC_STAT_WIDTH] - 2 * r, stats[i, cv2.CC_STAT_HEIGHT] - 2 * r
        lo, hi = HOLE_DIAMETER_MM[0] * mm, HOLE_DIAMETER_MM[1] * mm
        if not (lo <= w <= hi and lo <= h <= hi):
            continue
        ys, xs = np.nonzero((labels == i) & (marks > 0))
        if len(ys) < 4:
            continue
        cy = stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] / 2
        cx = stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] / 2
        dist = np.hypot(ys - cy, xs - cx)
        if dist.std() <= HOLE_RING_SPREAD * dist.mean():
            out[labels == i] = 0
    return out


def without_lines(marks: np.ndarray, mm: float) -> np.ndarray:
    """``marks`` (uint8 0/1) without the pieces of a long thin line: marks within
    ``LINE_GAP_MM`` of each other that together run longer than ``WRITING_LENGTH_MM`` and
    are no thicker than ``WRITING_THICK_MM`` across (their smallest enclosing rectangle) —
    a slanted edge's staircase breaks into 1 px segments a few millimetres long."""
    r = max(1, round(LINE_GAP_MM * mm))
    groups = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    _n, labels, stats, _ = components_with_stats(groups)
    long = np.flatnonzero(np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
                          - 2 * r > WRITING_LENGTH_MM[1] * mm) + 1
    out = marks.copy()
    for i in long:
        x, y = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        box = (slice(y, y + stats[i, cv2.CC_STAT_HEIGHT]), slice(x, x + stats[i, cv2.CC_STAT_WIDTH]))
        part = (labels[box] == i) & (marks[box] > 0)
        ys, xs = np.nonzero(part)
        if len(xs) < 2:
            continue
        (_c, (a, b), _angle) = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        if max(a, b) > WRITING_LENGTH_MM[1] * mm and min(a, b) <= WRITING_THICK_MM * mm:
            out[box][part] = 0
    return out
