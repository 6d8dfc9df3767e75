"""Which part of the frame is scanner bed that may be painted, and is the sheet found?

``find_paper`` proposes a sheet (the largest bright region). Painting everything outside it
is only safe when what lies outside really is bed: dark, plain, and free of content. On a
page under uneven light, on a two-page spread or next to a facing page, the "outside" holds
paper and text. So the bed that may be painted is only the dark, plain part of the outside
that touches the frame and keeps a distance from anything else (strokes, paper of any tone);
and the sheet counts as found only when the outside holds (almost) no content and no paper.
Everything here works on the reduced analysis image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.edge_body import edge_band
from dangan.imaging.paper import Paper, flattened

BED_CANDIDATE = 0.8  # outside pixels darker than this fraction of the paper level say the bed
PROTECT_MM = 2.0  # distance kept from content and paper outside the sheet
BLEND_MM = 1.5  # band along the sheet outline where paper and bed blend
MAX_OUTSIDE_CONTENT = 0.02  # share of the page's strokes allowed outside the sheet
MAX_OUTSIDE_PAPER = 0.03  # share of the outside that may look like paper
GREY_BED = 0.75  # a bed lighter than this (fraction of the paper level) is no bed seen
EDGE_INK_MM = 2.5  # ink is followed this far from a stroke through dark pixels at the edge
EDGE_INK_DEPTH = 0.08  # …pixels at least this much (fraction of the paper level) darker
EDGE_OUT_MM = 1.0  # …and this far beyond the outline (it may lie inside the sheet's edge)
EDGE_KEEP_MM = 0.5  # what is kept around that ink (the paint zone is no finer)
CURL_MM = 3.0  # a lifted (curled) edge draws the paper in by up to this much
FRAME_BED_MM = 2.0  # the bed seen along the frame's edge, in this band, sets the bed's tone
OTHER_TONE = 0.1  # a place this far (fraction of paper minus bed, 8 levels at least) outside
# the tones of the bed seen along the frame's edge is not that bed…
OTHER_TONE_MM = 1.5  # …over a body this wide (a shadow's or a blend's thin line is not)…
PAPER_LIGHT_PCT = 95  # the paper's light tone (a dark photo over the sheet pulls its median)
PAPER_TONE = 0.8  # darker than this share of it: not plain paper (a photo's dark side)
OTHER_TONE_MM2 = 100.0  # …and this large: a dark photo or paper, a dark object — not bed


@dataclass(frozen=True)
class Bed:
    zone: np.ndarray  # uint8 0/255: where painting paper colour is allowed (analysis px)
    confident: bool  # the sheet is found: the outside is bed only
    seen: bool  # some bed was seen at all
    content_box: np.ndarray | None  # (4, 2) corners of strokes outside the sheet, if any
    outside_content: float  # share of the strokes lying outside the sheet
    outside_paper: float  # share of the outside that looks like paper


def _k(px: float) -> np.ndarray:
    n = 2 * max(1, round(px)) + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (n, n))


def strokes(small: np.ndarray, level: float, mm: float) -> np.ndarray:
    """Thin dark marks on a paper-like local background (text, lines, drawings), 0/1."""
    close = cv2.morphologyEx(small, cv2.MORPH_CLOSE, _k(2 * mm))
    depth = cv2.subtract(close, small)
    out: np.ndarray = ((depth > np.maximum(20, 0.2 * close.astype(np.float32)))
                       & (close >= 0.45 * level)).astype(np.uint8)
    return out


def _box(mask: np.ndarray) -> np.ndarray | None:
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if not len(cols):
        return None
    x0, x1, y0, y1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def _touching_frame(mask: np.ndarray) -> np.ndarray:
    """The parts of ``mask`` connected to the image border."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    touches = np.zeros(n, bool)
    touches[np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))] = True
    touches[0] = False
    out: np.ndarray = touches[labels]
    return out


def find_bed(small: np.ndarray, paper: Paper, mm: float) -> Bed:
    """The paintable bed and whether the sheet was found with confidence (on a light bed:
    nothing to paint, and found only when no faint mark lies beyond its edges)."""
    h, w = small.shape
    empty = np.zeros((h, w), np.uint8)
    level = paper.level
    # What must be bed is judged beyond the quad placement crops to (other paper that the
    # outline takes in, a facing page, is not the sheet); the bed that may be painted is
    # whatever bed lies outside the outline, where painting stops.
    hull = np.zeros((h, w), np.uint8)
    cv2.fillPoly(hull, [paper.outline.round().astype(np.int32)], 1)
    sheet = (paper.mask > 0).astype(np.uint8)
    if paper.white_bed and paper.found:
        return _white_bed(small, sheet, mm, paper.lid_faint)
    if not paper.found or not paper.bed_sides or level < 40:
        return Bed(empty, not paper.bed_sides and paper.found, False, None, 0.0, 0.0)
    # Under uneven light the bed's tone follows the light across the frame: bed and paper
    # are told apart as if evenly lit (a lit grey bed is no paper, a dim sheet's side no bed).
    tone, tone_level = small, level
    if paper.light is not None:
        tone = flattened(small, paper.light)
        tone_level = float(np.median(tone[::3, ::3][sheet[::3, ::3] > 0]))
    candidates = tone[(sheet == 0) & (tone < BED_CANDIDATE * tone_level)]
    if candidates.size == 0:
        return Bed(empty, True, False, None, 0.0, 0.0)
    bed_level = float(np.median(candidates))
    tol = max(15.0, 0.3 * (tone_level - bed_level))
    dark = (np.abs(tone.astype(np.float32) - bed_level) <= tol).astype(np.uint8)
    wide = cv2.morphologyEx(dark, cv2.MORPH_OPEN, _k(1.5 * mm))  # bed bodies, not strokes
    bed = _touching_frame((dark > 0) & (hull == 0))  # the bed, thin strips included
    stroke = strokes(small, level, mm)
    marks = stroke & (wide == 0) & ~bed
    blend = cv2.dilate(sheet, _k(BLEND_MM * mm)) & (cv2.erode(sheet, _k(BLEND_MM * mm)) == 0)
    outside = (sheet == 0) & (blend == 0)
    n_out = int(np.count_nonzero(outside))
    far_marks = marks.astype(bool) & outside
    total_marks = max(1, int(np.count_nonzero(marks)))
    outside_content = float(np.count_nonzero(far_marks)) / total_marks
    paperish = outside & (dark == 0)
    outside_paper = float(np.count_nonzero(paperish)) / max(1, n_out)
    # Never paint near content outside the sheet or near paper that is not the sheet.
    protect = cv2.dilate((far_marks | paperish).astype(np.uint8), _k(PROTECT_MM * mm))
    keep = _touching_frame(bed & (protect == 0))
    # The blend band next to kept bed may be painted too, unless content is there.
    grown = cv2.dilate(keep.astype(np.uint8), _k(BLEND_MM * mm)) & (protect == 0)
    # Slivers along the frame on a bed side, too thin to reach the bed's level, go with the
    # bed (even where the outline touches them), away from any mark.
    b = max(1, round(BLEND_MM * mm))
    frame, bed_frame = np.zeros((h, w), bool), np.zeros((h, w), bool)
    bands = {"top": (slice(0, b), slice(None)), "bottom": (slice(h - b, h), slice(None)),
             "left": (slice(None), slice(0, b)), "right": (slice(None), slice(w - b, w))}
    for side, band in bands.items():
        frame[band] = True
        bed_frame[band] = side in paper.bed_sides
    slivers = ((frame & (hull == 0)) | bed_frame) & (protect == 0)
    near_marks = cv2.dilate(far_marks.astype(np.uint8), _k(0.75 * mm)) > 0
    # Ink on the sheet next to its outline (a line running off the edge, a note written
    # along it) is never painted: the blend band and the slivers give way to it.
    edge_ink = _edge_ink(small, stroke, level, mm, hull, wide, dark).astype(np.uint8)
    on_sheet = cv2.dilate(edge_ink, _k(EDGE_KEEP_MM * mm)) > 0
    # Nothing deep inside the sheet's rectangle is bed to paint: a bay of the bed's tone
    # there (a tear, a dark photo printed to the edge) is the sheet's; only the bed a lifted
    # edge shows, a few millimetres in, is painted there.
    within = cv2.erode(sheet, _k(CURL_MM * mm), borderType=cv2.BORDER_CONSTANT,
                       borderValue=0) > 0
    zone_u8 = ((keep | (grown > 0) | slivers) & ~near_marks & ~on_sheet
               & ~within & ~_lighter_than_bed(small, keep, sheet, paper.bed_sides, level, mm)
               ).astype(np.uint8) * 255
    seen = bool(keep.any()) and bed_level < GREY_BED * tone_level
    confident = (seen and outside_content <= MAX_OUTSIDE_CONTENT
                 and outside_paper <= MAX_OUTSIDE_PAPER
                 and other_tone(small, keep, paper.bed_sides, level, mm) <= OTHER_TONE_MM2
                 # a band of the sheet's own along its edge (binding tape) would be painted
                 and not edge_band(tone, paper.quad, paper.bed_sides, tone_level, mm))
    # A sheet not found with confidence keeps its whole frame: nothing is painted, however
    # dark the bed (what lies beyond the outline may be paper, content or the sheet itself).
    return Bed(zone_u8 if confident else empty, confident, seen, _box(far_marks),
               outside_content, outside_paper)


def _frame_tone(small: np.ndarray, bed: np.ndarray, sides: tuple[str, ...], level: float,
                mm: float) -> tuple[np.ndarray, float, float, float] | None:
    """The bed's tones as seen along the frame's edge on its bed sides: the smoothed image,
    the 1st and 99th percentiles seen there and the margin beyond them that is another
    tone; None when too little bed is seen there."""
    h, w = small.shape
    b = max(2, round(FRAME_BED_MM * mm))
    soft = cv2.blur(small, (b | 1, b | 1))
    ring = np.zeros((h, w), bool)
    bands = {"top": (slice(0, b), slice(None)), "bottom": (slice(h - b, h), slice(None)),
             "left": (slice(None), slice(0, b)), "right": (slice(None), slice(w - b, w))}
    for side in sides:
        ring[bands[side]] = True
    seen = soft[ring & bed]
    if seen.size < 20 * b:
        return None
    lo, hi = np.percentile(seen, (1, 99))
    margin = max(8.0, OTHER_TONE * (level - float(np.median(seen))))
    return soft, float(lo), float(hi), margin


def _lighter_than_bed(small: np.ndarray, bed: np.ndarray, sheet: np.ndarray,
                      sides: tuple[str, ...], level: float, mm: float) -> np.ndarray:
    """Inside the sheet's rectangle, what is lighter than the bed seen along the frame's
    edge and darker than the paper, deeper in than a curl (bool): the bed a lifted edge
    shows there has the bed's tone (or its shade's), while a dark photo printed to the
    sheet's edge joins the bed by the loose tolerance but stays lighter than it, and goes
    on into the sheet — the sheet's own print, never painted (nor the blend beside it)."""
    tone = _frame_tone(small, bed, sides, level, mm)
    if tone is None:
        return np.zeros(small.shape, bool)
    _, _, hi, margin = tone
    light = float(np.percentile(small[sheet > 0], PAPER_LIGHT_PCT)) if sheet.any() else level
    between = (sheet > 0) & (small > hi + margin) & (small < PAPER_TONE * max(level, light))
    # Bodies of it, between the bed and the paper, reaching deeper into the sheet than a
    # curled edge's shade does (the blend of the sheet's edge with the bed is a thin line,
    # a curl's shade a band a few millimetres wide: both are painted with the bed beside).
    body = cv2.morphologyEx(between.astype(np.uint8), cv2.MORPH_OPEN, _k(OTHER_TONE_MM * mm))
    n, labels = cv2.connectedComponents(body, connectivity=8)
    depth = cv2.distanceTransform((sheet > 0).astype(np.uint8), cv2.DIST_L2, 3)
    deep = np.unique(labels[(body > 0) & (depth > (CURL_MM + BLEND_MM) * mm)])
    lighter: np.ndarray = np.isin(labels, deep[deep > 0]) if n > 1 else body > 0
    return lighter


def other_tone(small: np.ndarray, bed: np.ndarray, sides: tuple[str, ...], level: float,
               mm: float) -> float:
    """Area (mm²) of what would be painted as bed but is not of the bed's tone: the bed is
    plain, and what it looks like is seen along the frame's edge, on its bed sides (under a
    lamp or a gradient too: the frame's edge runs through the light's whole range). A dark
    photo or a dark part of the sheet reaching its edge joins the bed by tone and touches the
    frame through it, but its tones leave the bed's: the sheet's outline found then is not
    the sheet (a caption under a photo printed to the edges)."""
    tone = _frame_tone(small, bed, sides, level, mm)
    if tone is None:
        return 0.0
    soft, lo, hi, margin = tone
    off = (bed & ((soft < lo - margin) | (soft > hi + margin))).astype(np.uint8)
    other = cv2.morphologyEx(off, cv2.MORPH_OPEN, _k(OTHER_TONE_MM * mm))
    return float(np.count_nonzero(other)) / (mm * mm)


def _edge_ink(small: np.ndarray, stroke: np.ndarray, level: float, mm: float,
              hull: np.ndarray, wide: np.ndarray, bed_tone: np.ndarray) -> np.ndarray:
    """The strokes inside the sheet's outline, followed from there through pixels darker
    than the paper up to the sheet's edge: where a line runs off the edge or a note is
    written along it, its stroke joins the bed and no stroke filter sees its last
    millimetres; the outline may lie a little inside the edge (bool)."""
    inside = hull > 0
    # A stroke starts inside the outline, off its rim: a sliver of bed or shadow between
    # the sheet and the frame looks like a stroke too, but only on the rim.
    core = cv2.erode(hull, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                     borderValue=0) > 0
    seeds = stroke.astype(bool) & core & (wide == 0)
    dark = small < (1.0 - EDGE_INK_DEPTH) * level
    ink = seeds.astype(np.uint8)
    step = np.ones((3, 3), np.uint8)
    walk = (dark & inside | seeds).astype(np.uint8)
    for _ in range(max(1, round(EDGE_INK_MM * mm))):
        ink = cv2.dilate(ink, step) & walk
    # Beyond the outline, only a step or two, and never into the bed's own tone.
    near = cv2.dilate(hull, _k(BLEND_MM * mm)) > 0
    walk = (dark & near & (bed_tone == 0) | (ink > 0)).astype(np.uint8)
    for _ in range(max(1, round(EDGE_OUT_MM * mm))):
        ink = cv2.dilate(ink, step) & walk
    out: np.ndarray = ink > 0
    return out


WHITE_SHADOW_MM = 2.0  # the sheet's shadow (or its edge's blend) beyond its edges on a light bed
FAINT_LEVEL = 241  # a faint mark (pencil, carbon copy, faded print): darker than 241/256 of
# the level around it — beyond a sheet's edges here, on a page without ink in analysis
MAX_WHITE_OUTSIDE_MM2 = 1.0  # faint marks allowed beyond the sheet's edges (noise, dust)


def white_bed_marks(small: np.ndarray, sheet: np.ndarray, mm: float) -> float:
    """Area (mm²) of faint marks beyond a sheet's edges found on a light bed, away from the
    shadow along them: a note, a stamp or another paper out there says the edges are not the
    sheet's (or the content runs beyond it)."""
    near = cv2.dilate(sheet, _k(WHITE_SHADOW_MM * mm)) > 0
    if near.all():
        return 0.0
    # The bed's own level around each place (the sheet, lighter or darker, left out of it).
    bed = small.copy()
    bed[near] = 0
    k = 2 * max(1, round(2.25 * mm)) + 1
    top = cv2.dilate(bed, np.ones((k, k), np.uint8)).astype(np.float32)
    seen = (top > 0).astype(np.float32)
    local = cv2.blur(top, (k, k)) / np.maximum(cv2.blur(seen, (k, k)), 1e-3)
    faint = small.astype(np.float32) < local * (FAINT_LEVEL / 256)
    return float(np.count_nonzero(faint & ~near)) / (mm * mm)


def _white_bed(small: np.ndarray, sheet: np.ndarray, mm: float,
               faint: tuple[str, ...] = ()) -> Bed:
    """A sheet found on a light bed: nothing to paint (the bed is as light as the paper);
    found with confidence only when nothing beyond its edges is a mark and no side taken at
    the frame shows an edge too faint to crop to (``faint``: lid seen there, so the page is
    flagged ``sheet_uncertain`` and keeps its frame, not a band of grey lid unflagged)."""
    h, w = small.shape
    empty = np.zeros((h, w), np.uint8)
    if faint:
        return Bed(empty, False, True, None, 0.0, 0.0)
    marks = white_bed_marks(small, sheet, mm)
    return Bed(empty, marks <= MAX_WHITE_OUTSIDE_MM2, False, None, 0.0, 0.0)
