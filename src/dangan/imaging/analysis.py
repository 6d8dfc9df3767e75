"""Look at the reduced page once and decide everything: turn, skew, paper, holes, ink.

The result, ``PagePlan``, is expressed in scan pixels and is all the full-resolution stage
needs. Nothing here touches the full-resolution image except for the paper colour sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from dangan.imaging.bed import FAINT_LEVEL, Bed, find_bed
from dangan.imaging.context import RetouchOptions
from dangan.imaging.deskew import (
    LINES_AGREE_DEG,
    SkewEstimate,
    ink_points,
    line_fit_angle,
    measure_skew,
    text_marks,
    text_skew,
    turn_allowed,
)
from dangan.imaging.holes import Hole, find_holes, find_rings, judge_holes
from dangan.imaging.orientation import OSD_LONG_SIDE, OrientationDecision, decide_orientation
from dangan.imaging.paper import Paper, find_paper

ANALYSIS_DPI = 50.0
FINE_DPI = 100.0  # content skew is refined at this resolution when the paper edge is unusable
EDGE_AGREES_DEG = 0.5
CONTENT_PRECISION_DEG = 0.2  # a sharp edge this close to a confirmed content angle is used
MIN_CONTENT_CONFIDENCE = 0.3
SHEET_DISAGREES_DEG = 1.0  # text this far off a sharp sheet edge: not printed askew by chance


@dataclass(frozen=True)
class PagePlan:
    factor: float  # analysis px per scan px
    paper: Paper
    rotation: int  # clockwise quarter turn that makes the page upright (0/90/180/270)
    orientation_confidence: float
    skew_deg: float  # skew of the upright page, counter-clockwise positive
    skew_method: str  # content | edge | none (nothing to measure) | unsure (not measured)
    skew_confidence: float
    holes: tuple[Hole, ...]
    ink: np.ndarray  # uint8 binary of content, analysis px (holes removed)
    ink_box: np.ndarray | None  # (n, 2) corners of the ink's hull (and content beyond
    # the sheet), analysis px
    small: np.ndarray  # the reduced grey scan the plan was made from
    bed: Bed | None = None  # the bed that may be painted; whether the sheet was found
    orientation_review: str = ""  # why a person should check the turn; "" when sure
    skew_review: str = ""  # the text's and the sheet edge's angles when they disagree
    holes_unsure: tuple[Hole, ...] = ()  # likely holes left unfilled: for a person to look
    orientation_no_line: bool = False  # the text detector found not one line to go by (a
    # blank sheet, or ink too little or too far out for it: a page number alone)

    @property
    def turn_deg(self) -> float:
        """Counter-clockwise rotation (degrees) that makes the scan upright and straight."""
        return -(self.rotation + self.skew_deg)


def reduce(grey: np.ndarray, dpi: float, target: float = ANALYSIS_DPI,
           half: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """``grey`` reduced to about ``target`` dpi; from ``half`` (a 2× reduced copy) when given."""
    factor = min(1.0, target / dpi)
    if half is not None and factor <= 0.5:
        f2 = factor * 2
        if f2 >= 0.999:
            return half, 0.5
        return cv2.resize(half, None, fx=f2, fy=f2, interpolation=cv2.INTER_AREA), factor
    if factor >= 0.999:
        return grey, 1.0
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, factor


INK_LEVEL = 200  # ink: darker than 200/256 of the paper around it


def ink_mask(small: np.ndarray, paper: Paper, mm: float, level: int = INK_LEVEL) -> np.ndarray:
    """Pixels darker than ``level``/256 of the local paper level, inside the sheet."""
    # Local paper level: the brightest of 16×16 blocks, smoothed back to full size.
    h, w = small.shape
    coarse = cv2.resize(small, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA)
    coarse = cv2.dilate(coarse, np.ones((3, 3), np.uint8))
    background = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    limit = (background.astype(np.uint16) * level >> 8).astype(np.uint8)
    ink: np.ndarray = cv2.compare(small, limit, cv2.CMP_LT)
    k = 2 * max(1, round(1.5 * mm)) + 1
    # Eroding with a zero border also drops slivers of bed along the image edges; a page
    # that fills the frame keeps its ink up to the frame (a crop must not cut it).
    inner = cv2.erode(paper.mask, np.ones((k, k), np.uint8), borderType=cv2.BORDER_CONSTANT,
                      borderValue=0 if paper.bed_sides else 255)
    ink[inner == 0] = 0
    return ink


def faint_share(plan_small: np.ndarray, paper: Paper, mm: float,
                holes: Sequence[Hole] = ()) -> float:
    """Share of the sheet taken by faint marks (``FAINT_LEVEL``): what a page the ink mask
    finds empty still holds — text in pencil, a carbon copy, faded print, show-through."""
    # The paper level here is the brightest within 4.5 mm, smoothed: it follows a shadow or
    # a curl along the sheet's edge (the ink mask's coarser level would read it as marks)
    # but not a stroke, which is narrower.
    k = 2 * max(1, round(2.25 * mm)) + 1
    level = cv2.blur(cv2.dilate(plan_small, np.ones((k, k), np.uint8)), (k, k))
    limit = (level.astype(np.uint16) * FAINT_LEVEL >> 8).astype(np.uint8)
    faint: np.ndarray = cv2.compare(plan_small, limit, cv2.CMP_LT)
    e = 2 * max(1, round(1.5 * mm)) + 1  # as the ink mask: the sheet's rim is not counted
    inner = cv2.erode(paper.mask, np.ones((e, e), np.uint8), borderType=cv2.BORDER_CONSTANT,
                      borderValue=0 if paper.bed_sides else 255)
    faint[inner == 0] = 0
    _remove_holes(faint, holes)
    return float(np.count_nonzero(faint)) / max(1, int(np.count_nonzero(paper.mask)))


def _remove_holes(ink: np.ndarray, holes: Sequence[Hole]) -> None:
    for hole in holes:
        cv2.circle(ink, (round(hole.x), round(hole.y)), round(hole.r * 1.4) + 2, 0, -1)


def choose_skew(content: SkewEstimate, edge: float | None, edge_weak: bool = False
                ) -> tuple[float, str, float]:
    """Content angle first; the paper edge when content is weak or agrees (it is sharper),
    unless a fit of the text lines confirms a content angle beyond the content's own
    precision from the edge: the text is what must come out straight, and a sheet may be
    cut or printed a little askew."""
    confident = content.confidence >= MIN_CONTENT_CONFIDENCE and content.points >= 300
    if (confident and content.verified and not (
            edge is not None and not edge_weak
            and abs(content.angle_deg - edge) <= CONTENT_PRECISION_DEG)):
        return content.angle_deg, "content", content.confidence
    if edge is not None and edge_weak and confident:
        edge = None
    if edge is not None and (not confident or abs(content.angle_deg - edge) <= EDGE_AGREES_DEG):
        return edge, "edge", max(content.confidence, 0.9)
    if confident:
        return content.angle_deg, "content", content.confidence
    # Ink but no angle to trust (a chart, a photo, a few lines): left as it is, and said so.
    return 0.0, "unsure" if content.points >= 300 else "none", 0.0


def _orient(grey: np.ndarray, dpi: float, pts: np.ndarray, ink: np.ndarray, mm: float,
            paper: Paper, opts: RetouchOptions) -> tuple[OrientationDecision, SkewEstimate]:
    """The turn decided from text evidence, and the content skew of the page turned upright:
    from all its ink, else from its text alone (rows or columns, confirmed by a line fit);
    against a paper edge, content counts only when a fit of its lines confirms it."""
    decision = (decide_orientation(grey, dpi) if opts.orientation
                else OrientationDecision(0, 1.0, "", {"off": True}))
    sideways = decision.rotation in (90, 270)
    turned = np.column_stack([-pts[:, 1], pts[:, 0]]).astype(np.float32) if sideways else pts
    sharp_edge = paper.edge_angle_deg is not None and not paper.edge_weak
    content = measure_skew(turned, opts.max_skew_deg, rough=sharp_edge)
    confident = content.confidence >= MIN_CONTENT_CONFIDENCE and content.points >= 300
    if not confident and content.points >= 300:
        text = text_skew(ink, mm, opts.max_skew_deg, sideways, rough=sharp_edge)
        if text.confidence >= MIN_CONTENT_CONFIDENCE:
            content = text
    edge = paper.edge_angle_deg
    if confident and edge is not None and not content.text_only:
        # Content rather than the paper edge only when a fit of its lines says the same
        # (a few lines, handwriting or a drawing do not outvote the edge).
        upright = np.ascontiguousarray(np.rot90(ink, -1)) if sideways else ink
        lines = line_fit_angle(upright, mm)
        if lines is None or abs(lines - content.angle_deg) > LINES_AGREE_DEG:
            content = SkewEstimate(content.angle_deg, 0.0, content.points)
        else:
            content = replace(content, verified=True)
    return decision, content


def _refine(grey: np.ndarray, dpi: float, rotation: int, approx: SkewEstimate,
            half: np.ndarray | None = None, text: np.ndarray | None = None) -> SkewEstimate:
    """Content skew measured again at ``FINE_DPI`` around the low-resolution estimate; on
    the ink near the low-resolution ``text`` marks when the estimate came from text alone
    (a photo breaks into character-sized specks at the finer resolution)."""
    fine, factor = reduce(grey, dpi, FINE_DPI, half)
    mm = dpi * factor / 25.4
    paper = find_paper(fine)
    ink = ink_mask(fine, paper, mm)
    if paper.found:
        _remove_holes(ink, find_holes(fine, paper.mask, paper.quad, paper.level, mm))
    if approx.text_only and text is not None:
        near = cv2.resize(cv2.dilate(text, np.ones((3, 3), np.uint8)), ink.shape[::-1],
                          interpolation=cv2.INTER_NEAREST)
        ink = cv2.bitwise_and(ink, near)
    pts = ink_points(ink)
    if rotation in (90, 270):
        pts = np.column_stack([-pts[:, 1], pts[:, 0]]).astype(np.float32)
    return measure_skew(pts, 0.0, around=approx)


def analyse(grey: np.ndarray, dpi: float, opts: RetouchOptions,
            half: np.ndarray | None = None) -> PagePlan:
    """Plan the retouch of one page from its full-resolution grey image."""
    small, factor = reduce(grey, dpi, half=half)
    mm = dpi * factor / 25.4
    paper = find_paper(small)
    bed = find_bed(small, paper, mm)
    holes = find_holes(small, paper.mask, paper.quad, paper.level, mm) if paper.found else []
    rings = find_rings(grey, factor, dpi) if paper.found and opts.holes else []
    judged = judge_holes(grey, factor, dpi, holes, paper.quad, rings)
    holes = judged.holes
    ink = ink_mask(small, paper, mm)
    _remove_holes(ink, holes)
    pts = ink_points(ink)
    # The half-size image saves decoding work, but text must stay readable: the models look
    # at the page with its longer side at OSD_LONG_SIDE, so a smaller half is not used.
    seen, seen_dpi = grey, dpi
    if half is not None and max(half.shape[:2]) >= OSD_LONG_SIDE:
        seen, seen_dpi = half, dpi / 2
    decision, content = _orient(seen, seen_dpi, pts, ink, mm, paper, opts)
    rotation, confidence = decision.rotation, decision.confidence
    skew, method, skew_conf = choose_skew(content, paper.edge_angle_deg, paper.edge_weak)
    skew_review = ""
    edge = paper.edge_angle_deg
    if method == "content" and edge is not None and not paper.edge_weak \
            and abs(skew - edge) > SHEET_DISAGREES_DEG:
        # Text lines at another angle than a sharp sheet edge: a slip glued on askew, or a
        # copy printed askew. Which should come out straight is a person's call, and the
        # page's own ink contradicts a turn by the edge: left as it is, and flagged.
        skew_review = f"content={skew:.2f},edge={edge:.2f}"
        skew, method, skew_conf = 0.0, "unsure", 0.0
    if method == "edge":  # checked on the page's own ink as it will lie once turned
        upright = (np.column_stack([-pts[:, 1], pts[:, 0]]).astype(np.float32)
                   if rotation in (90, 270) else pts)
        if not turn_allowed(upright, skew, opts.max_skew_deg, sure_source=not paper.edge_weak):
            skew, method, skew_conf = 0.0, "unsure", 0.0
    if not opts.deskew:
        skew, method, skew_conf = 0.0, "off", 1.0
    if method == "content" and factor < FINE_DPI / dpi:
        content = _refine(grey, dpi, rotation, content, half,
                          text_marks(ink, mm) if content.text_only else None)
        skew, method, skew_conf = choose_skew(content, None)
    return PagePlan(factor, paper, rotation, confidence, skew, method, skew_conf,
                    tuple(holes), ink, _content_box(ink, bed), small, bed,
                    orientation_review=decision.review, skew_review=skew_review,
                    holes_unsure=tuple(judged.unsure),
                    orientation_no_line=_no_line(decision))


def _no_line(decision: OrientationDecision) -> bool:
    """The orientation was decided on not one line of text (nothing turned, nothing asked)."""
    ppocr = decision.evidence.get("ppocr")
    return (isinstance(ppocr, dict) and ppocr.get("lines") == 0 and not decision.rotation
            and not decision.review)


def _content_box(ink: np.ndarray, bed: Bed) -> np.ndarray | None:
    """Corners of what placement must keep whole: the ink's convex hull (its pixels' outer
    corners), and content beyond the sheet. The hull, not an upright box: turned by the
    deskew, an upright box round skewed text is larger than the text and would shrink it."""
    pts = [] if bed.content_box is None else [np.asarray(bed.content_box, np.float64)]
    found = cv2.findNonZero(ink)
    if found is not None:
        hull = cv2.convexHull(found).reshape(-1, 2).astype(np.float64)
        pts.append(np.vstack([hull + d for d in ((0, 0), (1, 0), (1, 1), (0, 1))]))
    if not pts:
        return None
    return np.vstack(pts)
