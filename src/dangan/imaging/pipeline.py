"""The page pipeline: decode → analyse → place → render → QC → encode, for one page.

``retouch_bytes`` is a pure function of the input bytes and the frozen options; it never
raises for a bad page (the report says what was wrong). ``retouch_file`` adds the file
discipline: skip finished outputs, write to a temporary name, rename when complete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import cv2
import numpy as np

from dangan.imaging import context as c
from dangan.imaging import qc, written
from dangan.imaging.analysis import PagePlan, analyse, faint_share
from dangan.imaging.bilevel import is_bilevel
from dangan.imaging.context import MM_PER_INCH, PageReport, RetouchOptions
from dangan.imaging.deskew import ink_points
from dangan.imaging.dpi_size import size_dpi
from dangan.imaging.encode import encode
from dangan.imaging.frame_cut import cut_sides, output_side
from dangan.imaging.geometry import Placement, place, rotation_matrix, scaled, transform
from dangan.imaging.holes import Hole
from dangan.imaging.load import EXIF_MIRRORED, FROM_16BIT, BadPage, decode_page
from dangan.imaging.orientation import LITTLE_TEXT
from dangan.imaging.render import Fill, half_size, paper_colour, render
from dangan.imaging.torn import cut_corners, torn_bays


@dataclass
class Retouched:
    data: bytes | None
    report: PageReport
    matrix: np.ndarray | None = None  # scan px → output px, for benchmarks and audits


def _to_scan(pts: np.ndarray, factor: float) -> np.ndarray:
    return (np.asarray(pts, np.float64) + 0.5) / factor - 0.5


def sheet_found(plan: PagePlan) -> bool:
    return plan.bed is None or plan.bed.confident


def keeps_frame(plan: PagePlan) -> bool:
    """The whole frame is kept (only brought to the output size): when the sheet is not found
    with confidence, and when it fills the frame (no bed seen: nothing to crop)."""
    return not sheet_found(plan) or not plan.paper.bed_sides


def _frame(shape: tuple[int, ...]) -> np.ndarray:
    h, w = shape[:2]
    return np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)


LANDSCAPE = 1.1  # a sheet this much wider than high (upright) goes on a landscape canvas


def _canvas(quad: np.ndarray, turn_deg: float, opts: RetouchOptions, dpi: float
            ) -> tuple[int, int]:
    """The output size: the page size, turned landscape for a landscape sheet."""
    w, h = opts.page_px(dpi)
    upright = transform(rotation_matrix(turn_deg), quad)
    sw, sh = np.ptp(upright[:, 0]), np.ptp(upright[:, 1])
    return (max(w, h), min(w, h)) if sw > LANDSCAPE * sh else (w, h)


def _grown(size: tuple[int, int], pts: list[np.ndarray], turn_deg: float,
           margin: int) -> tuple[int, int]:
    """The canvas grown, where needed, to hold ``pts`` (scan px) turned, at scale 1."""
    upright = transform(rotation_matrix(turn_deg), np.vstack(pts))
    need_w = int(np.ceil(np.ptp(upright[:, 0]))) + 2 * margin + 1
    need_h = int(np.ceil(np.ptp(upright[:, 1]))) + 2 * margin + 1
    return max(size[0], need_w), max(size[1], need_h)


def _placement(plan: PagePlan, opts: RetouchOptions, dpi: float,
               shape: tuple[int, ...], keep_scale: bool = False) -> Placement:
    """Where the page goes; ``keep_scale``: never shrunk (its dpi is a guess, so its size on
    the page size is too): the canvas grows to hold it instead."""
    margin, ink_margin = opts.px(opts.margin_mm, dpi), opts.px(1.5, dpi)
    if keeps_frame(plan):  # nothing is cropped
        frame = _frame(shape)
        size = _canvas(frame, plan.turn_deg, opts, dpi)
        if keep_scale:
            size = _grown(size, [frame], plan.turn_deg, margin)
        # The whole frame is kept — what the ink mask misses (faint lines, light print near
        # the edge) too, shrunk if need be — but its edge is no ink: an A4 frame lies on an
        # A4 page at its size.
        return place(frame, frame, plan.turn_deg, size, margin, 0.0)
    quad = _to_scan(plan.paper.quad, plan.factor)
    ink = _to_scan(plan.ink_box, plan.factor) if plan.ink_box is not None else None
    size = _canvas(quad, plan.turn_deg, opts, dpi)
    if keep_scale:
        size = _grown(size, [quad] if ink is None else [quad, ink], plan.turn_deg, margin)
    return place(quad, ink, plan.turn_deg, size, margin, ink_margin)


def _paper_samples(plan: PagePlan) -> np.ndarray:
    free = (plan.paper.mask > 0) & (cv2.dilate(plan.ink, np.ones((5, 5), np.uint8)) == 0)
    ys, xs = np.nonzero(free[::9, ::9])
    pts = np.column_stack([xs * 9, ys * 9]).astype(np.float64)[:: max(1, len(xs) // 400)]
    return _to_scan(pts, plan.factor)


HOLE_UNSURE = "hole_unsure"  # review reason: a likely binding hole was left as it is


def _on_canvas(holes: tuple[Hole, ...], m: np.ndarray, factor: float,
               size: tuple[int, int]) -> tuple[tuple[float, float, float], ...]:
    """(x, y, r) on the output canvas of the holes (analysis px) whose centre lands on it, r
    the radius a fill covers (a hole cropped off with the sheet's overhang is not there)."""
    if not holes:
        return ()
    scale = float(np.hypot(m[0, 0], m[0, 1]))
    centres = transform(np.vstack([m, [0, 0, 1]]),
                        _to_scan(np.array([[h.x, h.y] for h in holes]), factor))
    w, h_out = size
    return tuple((float(x), float(y), h.r / factor * scale * 1.3 + 2)
                 for (x, y), h in zip(centres, holes, strict=True)
                 if 0 <= x < w and 0 <= y < h_out)


def _box(x: float, y: float, r: float) -> list[int]:
    """A hole's box on the output, x0 y0 x1 y1."""
    return [round(x - r), round(y - r), round(x + r), round(y + r)]


def _fill(plan: PagePlan, m: np.ndarray, opts: RetouchOptions, dpi: float,
          size: tuple[int, int]) -> Fill:
    """What the render paints: the bed outside the sheet and the holes whose centre lands on
    the output canvas (a hole cropped off with the sheet's overhang is neither filled nor
    recorded)."""
    outline, zone = None, None
    if plan.paper.found and opts.borders and plan.bed is not None and plan.bed.zone.any():
        outline = transform(np.vstack([m, [0, 0, 1]]), _to_scan(plan.paper.outline, plan.factor))
        zone = (plan.bed.zone, scaled(m, plan.factor, 1.0))
    # holes are judged on their own, whether the sheet was found or not
    holes = _on_canvas(plan.holes, m, plan.factor, size) if opts.holes else ()
    return Fill(outline, opts.px(0.6, dpi), holes, zone)


def _measure(report: PageReport, plan: PagePlan, grey: np.ndarray, pl: Placement,
             out: np.ndarray, dpi: float, min_ink: float,
             tones: np.ndarray | None = None) -> None:
    """QC measurements: on the rendered output plane and on the ink followed through the map."""
    f = plan.factor
    to_out = np.vstack([pl.matrix, [0, 0, 1]])
    sheet = (transform(to_out, _to_scan(plan.paper.quad, f))
             if plan.paper.found and plan.paper.bed_sides else None)
    # judged on what came from the scan: the canvas laid around it is the engine's own
    residue = qc.residue_by_side(out, plan.paper.level, dpi / 25.4, sheet,
                                 transform(to_out, _frame(grey.shape)), tones)
    report.edge_residue_side = max(residue, key=lambda side: residue[side])
    report.edge_residue = residue[report.edge_residue_side]
    whole = keeps_frame(plan)
    kept = (_frame(grey.shape) if whole
            else _to_scan(plan.ink_box, f) if plan.ink_box is not None else None)
    if kept is not None:
        box = transform(to_out, kept)
        report.content_margin_mm = qc.box_margin(box, pl.size) / (dpi / 25.4)
        if whole:  # the frame is placed whole, edge to edge at most (a rounding below 0)
            report.content_margin_mm = max(0.0, report.content_margin_mm)
    else:
        report.content_margin_mm = 99.0
    # measured on the output, whatever gave the angle (and with none: --no-deskew): on the
    # page's writing where it has some beside a photo (as blur is judged: a photo's tones and
    # soft edge tell no angle and cast doubt on a straight page), when that writing gives an
    # angle; else on all the ink, as before (a caption alone is too little to tell one)
    solid = qc.solid_areas(plan.ink, f, dpi, grey)
    text = qc.writing(plan.ink, solid, f * dpi / 25.4)
    for ink in (text, plan.ink) if np.count_nonzero(text) < np.count_nonzero(plan.ink) \
            else (plan.ink,):
        pts = ink_points(ink, limit=20_000).astype(np.float64)
        report.skew_after_deg, report.skew_after_doubt = qc.residual_skew(
            transform(to_out, _to_scan(pts, f)) * f, plan.skew_method == "content")
        if report.skew_after_deg is not None:
            break
    paper_px = max(1, int(np.count_nonzero(plan.paper.mask)))
    report.ink_ratio = float(np.count_nonzero(plan.ink)) / paper_px
    report.corners_cut_mm2 = [round(a, 1)
                              for a in cut_corners(plan.small, plan.paper, f * dpi / 25.4)]
    report.torn_mm2 = [round(a, 1) for a in torn_bays(plan.small, plan.paper, f * dpi / 25.4)]
    if report.ink_ratio < min_ink:  # no ink: is it blank, or are its marks only faint?
        found = written.look(grey, dpi)  # as the scan check looks (intake.blank)
        report.writing_marks, report.stroke_marks = found.words, found.strokes
        report.faint_ratio = faint_share(plan.small, plan.paper, dpi * f / 25.4, plan.holes)
    report.sharpness = qc.sharpness(grey, plan.ink, f, dpi, solid)


SHRUNK_REVIEW = 0.95  # shrunk more than 5 %: the sheet's size and dpi no longer hold


def _record(report: PageReport, plan: PagePlan, fill: Fill, pl: Placement,
            min_ink: float) -> None:
    """What was done (``changes``) and what the engine was unsure of (``review``)."""
    if plan.rotation:
        report.changed(c.TURNED, str(plan.rotation))
    if plan.skew_method not in ("none", "off") and abs(plan.skew_deg) >= 0.05:
        report.changed(c.DESKEWED, f"{plan.skew_deg:.2f}")
    if fill.zone is not None:
        report.changed(c.BED_REMOVED, ",".join(plan.paper.bed_sides))
    for x, y, r in fill.holes:
        box = _box(x, y, r)
        report.hole_boxes.append(box)
        report.changed(c.HOLE_FILLED, ",".join(map(str, box)))
    if pl.scale < 0.995:
        report.changed(c.SCALED, f"{pl.scale:.3f}")
    if plan.skew_review:
        report.needs_review(qc.SKEW_DISPUTED, plan.skew_review)
    review = getattr(plan, "orientation_review", "")
    if review:
        report.needs_review("orientation", str(review))
    elif plan.orientation_no_line and (report.writing_marks > 0 or report.ink_ratio >= min_ink):
        # Not one line of text to tell which way is up, yet the page is not blank: a page
        # number alone (a corner's, away from the middle the orientation looks at for ink)
        # or ink shaped like nothing the detector reads. Left as it is, as a seal alone is.
        report.needs_review("orientation", LITTLE_TEXT)
    bed = plan.bed
    if bed is not None and _sheet_uncertain(plan):
        # a white lid's edge seen too faint to crop to: the scan's sides where it lies
        faint = (",lid_edge=" + "/".join(plan.paper.lid_faint)) if plan.paper.lid_faint else ""
        report.needs_review("sheet_uncertain", f"content={bed.outside_content:.3f},"
                                               f"paper={bed.outside_paper:.3f}{faint}")


def _check_frame_cut(report: PageReport, plan: PagePlan, grey: np.ndarray, dpi: float,
                     pl: Placement) -> None:
    """Content crossing the frame's edge where no bed lies: the scan cut the sheet off there
    (``frame_cut``), an error of the scan, named by the output page's side. Not judged when
    the sheet is uncertain (already flagged, its frame kept whole); a frame with no sheet
    edge in it is the sheet, every side judged — and so is a sheet on a white bed, whose
    white shows no mark at the frame's edge (a "side" found there may be the cut itself)."""
    if _sheet_uncertain(plan):
        return
    bed = plan.paper.bed_sides if plan.paper.found and not plan.paper.white_bed else ()
    cut = cut_sides(grey, plan.paper.level, dpi, bed, plan.paper.mask if bed else None)
    if cut:
        named = "/".join(output_side(side, grey.shape, pl.matrix, pl.size) for side in cut)
        report.flag(c.CONTENT_AT_EDGE, f"cut={named},marks={sum(cut.values())}")


# A page whose sheet is more than this share mid-tones (between a quarter and 0.7 of the paper's
# level, sampled at every 4th pixel — text is ink or paper but for its edges, ≤ 8 % on text,
# tables, charts and forms of both generators) loses them in bilevel mode: a photograph, a
# halftone, grey shading. A person chooses grey or colour for it.
BILEVEL_TONES = 0.12


def mid_tone_share(grey: np.ndarray, sheet_small: np.ndarray, level: float) -> float:
    """Share of the sheet's pixels (every 4th) in mid-tones of the paper's ``level``."""
    sub = grey[::4, ::4]
    sheet = cv2.resize(sheet_small, (sub.shape[1], sub.shape[0]),
                       interpolation=cv2.INTER_NEAREST) > 0
    mid = (sub > 0.25 * level) & (sub < 0.7 * level) & sheet
    return float(mid.sum()) / max(1, int(sheet.sum()))


def _sheet_uncertain(plan: PagePlan) -> bool:
    """The sheet was not found with confidence though bed was seen (or no sheet at all): the
    page keeps its whole frame and no bed on it is painted (holes are judged on their own)."""
    bed = plan.bed
    return bed is not None and not bed.confident and (bed.seen or not plan.paper.found)


def _grey_of(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return pixels
    out: np.ndarray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    return out


def _sheet_mm(plan: PagePlan, shape: tuple[int, ...], dpi: float) -> tuple[float, float]:
    """(short, long) side of the sheet placement keeps, in mm at ``dpi``."""
    if keeps_frame(plan):
        return frame_mm(dpi, shape)
    q = _to_scan(plan.paper.quad, plan.factor)
    w = (np.hypot(*(q[1] - q[0])) + np.hypot(*(q[2] - q[3]))) / 2
    h = (np.hypot(*(q[3] - q[0])) + np.hypot(*(q[2] - q[1]))) / 2
    short, long = sorted(float(v) * MM_PER_INCH / dpi for v in (w, h))
    return short, long


def _size_fit(plan: PagePlan, shape: tuple[int, ...], dpi: float, size: tuple[int, int]
              ) -> float:
    """The scale that brings the sheet (or the frame kept) onto the page, as it lies straight:
    below 1 when it is larger than the page, whatever its skew."""
    short, long = _sheet_mm(plan, shape, dpi)
    page_short, page_long = sorted(v * MM_PER_INCH / dpi for v in size)
    return min(page_short / short, page_long / long)


def _check_sheet_size(report: PageReport, plan: PagePlan, shape: tuple[int, ...],
                      dpi: float) -> None:
    """A dpi that is not given for certain (the file's tag, or the fallback) and makes the
    sheet larger than A3 would shrink it on the page size: it is kept at its pixels and
    flagged instead. A small sheet is never scaled (it lies on the page size at its
    pixels), so a guess that makes it small harms nothing and flags nothing: slips, tickets
    and receipts are smaller than A6."""
    short, long = _sheet_mm(plan, shape, dpi)
    if keeps_frame(plan):  # no sheet found: the frame holds a sheet and its bed, as believed
        if long > SHEET_LONG_MM[1] or short > SHEET_SHORT_MM[1]:
            report.needs_review(DPI_UNCERTAIN, f"{_assumed(report, dpi)},"
                                               f"frame_mm={short:.0f}x{long:.0f}")
    elif _larger_than_a3(short, long):
        report.needs_review(DPI_UNCERTAIN, f"{_assumed(report, dpi)},"
                                           f"sheet_mm={short:.0f}x{long:.0f}")


def _assumed(report: PageReport, dpi: float) -> str:
    """The ``dpi_uncertain`` detail's start: the dpi read, where from, and the file's own
    dpi when it was rejected (``choose_dpi``'s ``dpi_fallback`` change)."""
    rejected = [kv for d in report.changes if d.code == "dpi_fallback"
                for kv in d.detail.split(",") if kv.startswith("file_dpi=")]
    return ",".join([f"assumed={dpi:g}", f"source={report.dpi_source}", *rejected[:1]])


def _fills_frame(plan: PagePlan) -> bool:
    """The sheet was found filling the frame: no bed seen beside it on any side."""
    return sheet_found(plan) and not plan.paper.bed_sides and not _sheet_uncertain(plan)


def _dpi_against_size(plan: PagePlan, grey: np.ndarray, dpi: float, opts: RetouchOptions,
                      report: PageReport, half_grey: np.ndarray | None, scan_dpi: int
                      ) -> tuple[PagePlan, float, RetouchOptions]:
    """The dpi read (the file's tag, or the fallback) makes no usual paper size of pixels
    that are exactly one at another usual dpi (A4 at 200 dpi tagged 300, A4 at 300 dpi
    untagged): where the sheet fills the frame the frame is the sheet, and the pixels' dpi is
    read instead (the page analysed again at it). Beside a bed the frame is the scanner's
    window of any size (a frame of A4 at 200 dpi with its bed is often near A5 at 300): a tag
    is believed, and a fallback, a guess, is flagged ``dpi_uncertain``. A tag yields only to
    the scan dpi (``scan_dpi``: the project's, or the fallback): pixels that are A4 at 150
    dpi tagged 200 in a 200 dpi project are a sheet of their own size at 200, as tagged."""
    sized = size_dpi(dpi, grey.shape)
    if sized is None or report.dpi_source not in (c.DPI_FILE, c.DPI_FALLBACK):
        return plan, dpi, opts
    if report.dpi_source == c.DPI_FILE and sized[1] != scan_dpi:
        return plan, dpi, opts
    if not _fills_frame(plan):
        if report.dpi_source == c.DPI_FALLBACK:  # the frame it makes, and what the pixels are
            short, long = frame_mm(dpi, grey.shape)
            report.needs_review(DPI_UNCERTAIN, f"{_assumed(report, dpi)},"
                                               f"frame_mm={short:.0f}x{long:.0f},"
                                               f"pixels={sized[0]}@{sized[1]}")
        return plan, dpi, opts
    file_dpi = round(dpi) if report.dpi_source == c.DPI_FILE else 0
    report.dpi_source = c.DPI_SIZE
    report.changed(DPI_FROM_SIZE, f"file_dpi={file_dpi},size={sized[0]},dpi={sized[1]}")
    dpi = float(sized[1])
    opts = replace(opts, dpi=sized[1])
    return analyse(grey, dpi, opts, half_grey), dpi, opts


def retouch_pixels(pixels: np.ndarray, dpi: float, opts: RetouchOptions, report: PageReport,
                   sure_dpi: bool = True) -> Retouched:
    """Retouch decoded pixels read at ``dpi``; ``sure_dpi`` False: the dpi is the file's tag
    or a fallback, checked against the size of the sheet it makes and against the pixels'
    own size (``_dpi_against_size``)."""
    scan_dpi = opts.dpi  # the project's scan dpi, ``--dpi``'s default or the fallback
    if round(dpi) != opts.dpi:  # the file's own resolution rules this page
        opts = replace(opts, dpi=round(dpi))
    rgb = pixels if pixels.ndim == 3 else None
    grey = _grey_of(pixels)
    # The analysis image is the same whatever the output mode: orientation and deskew are
    # decided on it, and the mode must not change them (the half-size copy also gives the
    # colour render its chroma grid).
    half = half_size(rgb) if rgb is not None else None
    half_grey = cv2.cvtColor(half, cv2.COLOR_RGB2GRAY) if half is not None else None
    plan = analyse(grey, dpi, opts, half_grey)
    if not sure_dpi:
        plan, dpi, opts = _dpi_against_size(plan, grey, dpi, opts, report, half_grey,
                                            scan_dpi)
    if not sure_dpi and DPI_UNCERTAIN not in report.review:
        _check_sheet_size(report, plan, grey.shape, dpi)
    unsure = DPI_UNCERTAIN in report.review
    pl = _placement(plan, opts, dpi, grey.shape, keep_scale=unsure)
    # A hole is told from a dark dot by its size in mm: at a guessed dpi nothing is filled
    # (the holes found are counted; the page is flagged for its dpi already).
    fill = _fill(plan, pl.matrix, replace(opts, holes=False) if unsure else opts, dpi, pl.size)
    colour = paper_colour(rgb, grey, _paper_samples(plan))
    if plan.paper.found and max(colour) < qc.DARK_PAPER:
        report.needs_review(qc.DARK_SCAN, f"paper={max(colour):.0f}")
    rendered = render(rgb, grey, pl.matrix, pl.size, colour, fill, opts, half)
    report.rotation, report.orientation_confidence = plan.rotation, plan.orientation_confidence
    report.skew_before_deg, report.skew_method = plan.skew_deg, plan.skew_method
    report.bed_sides = list(plan.paper.bed_sides) if fill.paper is not None else []
    # holes found on the output canvas (one cropped off with the sheet's overhang is not there)
    filling = opts.holes and not unsure
    report.holes_found = len(fill.holes) if filling else len(plan.holes)
    report.holes_filled = len(fill.holes)
    report.scale, (report.width, report.height) = pl.scale, pl.size
    report.dpi = round(dpi)
    # a bilevel output shows a dark photo as flat black, as it shows bed: its tones are
    # judged on the grey before the threshold
    grey_out = (cv2.warpAffine(grey, pl.matrix, pl.size, flags=cv2.INTER_LINEAR, borderValue=255)
                if rendered.kind == "bilevel" and not is_bilevel(grey) else None)
    _measure(report, plan, grey, pl, rendered.planes[0], dpi, opts.qc.min_ink_ratio, grey_out)
    report.matrix = [float(v) for v in pl.matrix.ravel()]
    _record(report, plan, fill, pl, opts.qc.min_ink_ratio)
    if opts.holes and not unsure:  # likely holes left unfilled: a person looks
        report.hole_unsure_boxes = [_box(*hole) for hole in _on_canvas(
            plan.holes_unsure, pl.matrix, plan.factor, pl.size)]
        if report.hole_unsure_boxes:
            report.needs_review(HOLE_UNSURE, f"count={len(report.hole_unsure_boxes)}")
    _check_frame_cut(report, plan, grey, dpi, pl)
    for reason, detail in rendered.review:  # what the output mode could not keep
        report.needs_review(reason, detail)
    if opts.mode == "bilevel" and not is_bilevel(grey):
        tones = mid_tone_share(grey, plan.paper.mask, plan.paper.level)
        if tones > BILEVEL_TONES:  # a photo, a halftone, shading: lost to black and white
            report.needs_review("bilevel_tones", f"share={tones:.2f}")
    if pl.scale < SHRUNK_REVIEW and _size_fit(plan, grey.shape, dpi, pl.size) < SHRUNK_REVIEW:
        # the sheet (or the frame kept) does not fit the page at its size — not only the
        # corners of a deskewed full frame: it comes out smaller than it is, a person looks
        report.needs_review(qc.SHRUNK, f"scale={pl.scale:.3f},dpi={dpi * pl.scale:.0f}")
    qc.judge(report, opts)
    return Retouched(encode(rendered, opts), report, pl.matrix)


# A file's dpi is believed when the frame it makes could hold an archive's sheet: from a
# card-sized slip (receipts, tickets, IOUs are often smaller than A6) up to A3 with a bed of
# up to 25 mm around it. Wrong tags are mostly too low (72 or 96 dpi, 1 dpi) and make frames
# metres wide. The sheet found on the page is held to A3 itself (``_check_sheet_size``).
BED_MM = 25.0
SHEET_LONG_MM = (80.0, 420.0 + 2 * BED_MM)
SHEET_SHORT_MM = (40.0, 297.0 + 2 * BED_MM)
# Review reason: the dpi the page was read at is a guess that makes no plausible sheet of
# it; the page is kept at its pixels (never shrunk to the page size). The detail says the
# dpi assumed (``assumed=``) and the file's own, rejected, if any (``file_dpi=``).
DPI_UNCERTAIN = "dpi_uncertain"
DPI_FROM_SIZE = "dpi_from_size"  # change: read at the dpi the pixels' exact size tells
A3_MM = (297.0, 420.0)
SHEET_SIZE_TOLERANCE = 1.03  # a sheet cut a little large, an outline taking in its shadow


def _larger_than_a3(short: float, long: float) -> bool:
    return long > A3_MM[1] * SHEET_SIZE_TOLERANCE or short > A3_MM[0] * SHEET_SIZE_TOLERANCE


def frame_mm(dpi: float, shape: tuple[int, ...]) -> tuple[float, float]:
    """(short, long) side of a frame of ``shape`` pixels at ``dpi``, in mm."""
    short, long = sorted(v * MM_PER_INCH / dpi for v in shape[:2])
    return short, long


def plausible_dpi(dpi: float, shape: tuple[int, ...]) -> bool:
    """Would a frame of ``shape`` pixels at ``dpi`` hold a sheet, from a card-sized slip to A3
    on a bed?"""
    if dpi <= 0:
        return False
    short, long = frame_mm(dpi, shape)
    return (SHEET_LONG_MM[0] <= long <= SHEET_LONG_MM[1]
            and SHEET_SHORT_MM[0] <= short <= SHEET_SHORT_MM[1])


def choose_dpi(file_dpi: float | None, shape: tuple[int, ...], opts: RetouchOptions,
               report: PageReport, exact: bool = False) -> float:
    """The resolution to read the page at: the option when given, else the file's when it is
    plausible for the pixel size, else the project's scan dpi (said in the report). A PDF
    page's resolution follows from its page size and always rules."""
    if exact and file_dpi:
        report.dpi_source = c.DPI_FILE
        return float(file_dpi)
    if not opts.trust_file_dpi:
        report.dpi_source = c.DPI_OPTION
        return float(opts.dpi)
    if file_dpi and plausible_dpi(file_dpi, shape):
        report.dpi_source = c.DPI_FILE
        return float(file_dpi)
    report.dpi_source = c.DPI_FALLBACK
    rejected = ""
    if file_dpi:  # why it was not used: the frame it makes (retouch.change.dpi_rejected)
        short, long = frame_mm(file_dpi, shape)
        rejected = f"file_dpi={round(file_dpi, 1):g}"  # a PNG's 1 dpi is 0.99: said 1
        report.changed("dpi_fallback", f"{rejected},frame_mm={short:.0f}x{long:.0f},"
                                       f"dpi={opts.dpi}")
    short, long = frame_mm(opts.dpi, shape)
    # the fallback would shrink it to the page size; unless the pixels are exactly a usual
    # size at another dpi, weighed once the sheet is found (``_dpi_against_size``)
    if _larger_than_a3(short, long) and size_dpi(opts.dpi, shape) is None:
        report.needs_review(DPI_UNCERTAIN, ",".join(filter(None, (
            f"assumed={opts.dpi},source={c.DPI_FALLBACK}", rejected,
            f"frame_mm={short:.0f}x{long:.0f}"))))
    return float(opts.dpi)


def retouch_bytes(data: bytes, opts: RetouchOptions, source: str = "",
                  page: int | None = None) -> Retouched:
    """Retouch one page image given as bytes; bad input gives a report, never an exception.

    ``page`` (1-based) picks a page of a multi-page file; without it the first page is
    retouched and a file with more pages is flagged for review.
    """
    start = time.perf_counter()
    report = PageReport(source=source)
    try:
        decoded = decode_page(data, (page or 1) - 1)
        report.page, report.pages = (page or 1), decoded.pages
        if page is None and decoded.pages > 1:
            report.needs_review("multi_page", f"pages={decoded.pages}")
        dpi = choose_dpi(decoded.file_dpi, decoded.pixels.shape, opts, report,
                         decoded.dpi_exact)
        for source in decoded.converted:  # read as 8-bit grey or RGB: said, not a defect
            target = "8-bit" if source == FROM_16BIT else "RGB"
            bits = f",bits={decoded.data_bits}" if source == FROM_16BIT and decoded.data_bits \
                else ""
            report.flag(qc.CONVERTED, f"source={source},target={target}{bits}")
        if decoded.exif_note:  # read as its EXIF tag says it is shown: said, not a defect
            report.flag(*decoded.exif_note)
            if decoded.exif_mirror:  # no scanner writes a mirror: a person checks the text
                report.needs_review(EXIF_MIRRORED, decoded.exif_note[1])
        sure = decoded.dpi_exact or report.dpi_source == c.DPI_OPTION
        result = retouch_pixels(decoded.pixels, dpi, opts, report, sure_dpi=sure)
    except BadPage as exc:
        report.status = "failed"
        report.flag(c.UNREADABLE, exc.detail)
        result = Retouched(None, report)
    except (cv2.error, ValueError, MemoryError) as exc:  # one odd page must not stop a batch
        report.status = "failed"
        report.flag(c.UNREADABLE, f"error:{type(exc).__name__}:{str(exc)[:200]}")
        result = Retouched(None, report)
    report.seconds = time.perf_counter() - start
    return result
