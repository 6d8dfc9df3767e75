"""The mid-size scan (ink, dark areas, the sheet's outline) and the checks on the sheet as a
whole: one scan's sheet laid on the other's bed, marks the other scan does not see."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.intake.duplicates.marks import relative_ink, resize_long
from dangan.intake.duplicates.picture import tone_maps
from dangan.intake.duplicates.tiles import (
    BORDER_PX,
    INK_STRONG,
    LINE_PX,
    MARK_MIN_PX,
    _away,
    _solid,
)

MID_SIDE = 1000  # longer side of the images compared
MID_KERNEL = 23  # paper level at MID_SIDE: ink strokes are thinner than this
MAX_UNSEEN_PX = MARK_MIN_PX - 1  # marks off the other scan's view (its frame, its bed): none
CUT_RIM_PX = 3  # ink this near the frame's edge reaches it
CUT_DEPTH_PX = round(0.04 * MID_SIDE)  # off a frame where it cut the sheet's content: the
CUT_ALONG_PX = round(0.1 * MID_SIDE)  # crop, this deep beyond its edge and this far along it
# from the content cut (4 % and 10 % of the frame's longer side: ~12 and ~30 mm of an A4 scan)
DARK_SHARE = 0.45  # grey below this share of the page's paper: a dark bed or area ...
DARK_MIN_PX = 7  # ... and wider than this (strokes are thinner)
LIGHT_SHARE = 0.75  # paper level (strokes closed over) above this share: plain paper
BED_SHARE = 0.3  # grey below this share of the paper: a black bed
BED_BORDER_SHARE = 0.6  # the frame's border this much black bed: the sheet's outline is known
SHEET_OPEN = 41  # the sheet: its paper, less light strips of the bed narrower than this
SHEET_MARGIN_PX = 12  # the known sheet, less this band along its edges (curl, shadow, blur)
OFF_SHEET_OPEN = 25  # what lies off the other sheet must be wider than any stroke ...
MAX_OFF_SHEET_SHARE = 0.005  # ... and cover more than this share of the frame: two sheets


def mid_grey(data: bytes) -> np.ndarray | None:
    """The file decoded to MID_SIDE on its longer side (JPEG: DCT-scaled decode)."""
    try:
        if data[:3] == b"\xff\xd8\xff":
            h, w, _cs, _sub = simplejpeg.decode_jpeg_header(data)
            f = MID_SIDE / max(h, w)
            grey = simplejpeg.decode_jpeg(
                data, colorspace="GRAY", fastdct=True, fastupsample=True,
                min_width=min(w, math.ceil(w * f)), min_height=min(h, math.ceil(h * f)),
            )[:, :, 0]
        else:
            with Image.open(io.BytesIO(data)) as img:
                img.draft("L", (MID_SIDE, MID_SIDE))
                grey = np.asarray(img.convert("L"))
    except Exception:
        return None
    return resize_long(grey, MID_SIDE)


@dataclass(frozen=True)
class MidScan:
    """One file at the mid size: its ink, its dark areas (bed, holes, dark pictures) and,
    where the bed around it is dark, the sheet (its outline filled)."""

    ink: np.ndarray
    dark: np.ndarray  # uint8 0/1
    bed: np.ndarray  # uint8 0/1: the dark areas that reach the frame's edge (a dark bed)
    light: np.ndarray  # uint8 0/1: plain paper (strokes aside), clearly lighter than ``dark``
    sheet: np.ndarray | None  # uint8 0/1, less SHEET_MARGIN_PX along the edges; None: unknown
    tone: np.ndarray | None = None  # float32: the grey relative to the paper, TONE_STEP smaller
    picture: np.ndarray | None = None  # uint8 0/1 on ``tone``: pictures, shaded areas
    holes: np.ndarray | None = None  # (n, 2) float32: centres of punched holes seen dark
    grey: np.ndarray | None = None  # kept when the tone maps are left for later (``toned``)


def paper_level(grey: np.ndarray) -> float:
    """``np.percentile(grey, 90)``, from a histogram of an 8-bit image where the two
    neighbouring values the percentile lies between are one level (nearly always: then
    that level is the percentile exactly), at a tenth of the cost of sorting it."""
    if grey.dtype != np.uint8 or grey.size < 2:
        return float(np.percentile(grey, 90))
    below = np.cumsum(cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel())
    rank = 0.9 * (grey.size - 1)  # the 'linear' percentile: between the values at the
    # ranks either side of this one (0-based); a rank more each way, whatever the rounding
    lo, hi = np.searchsorted(below, [max(np.floor(rank), 1), min(np.ceil(rank) + 2, grey.size)])
    if lo != hi:
        return float(np.percentile(grey, 90))
    return float(lo)


def mid_scan(grey: np.ndarray, tones: bool = True) -> MidScan:
    """The mid-size scan of ``grey``; without ``tones``, its tone maps (``tone``,
    ``picture``, ``holes``) are left for ``toned`` to add when a comparison needs them."""
    paper = paper_level(grey)
    # dark areas wider than a stroke: the bed (even a strip of it), holes, dark pictures
    dark = cv2.morphologyEx((grey < DARK_SHARE * paper).astype(np.uint8), cv2.MORPH_OPEN,
                            np.ones((DARK_MIN_PX, DARK_MIN_PX), np.uint8))
    n, labels = cv2.connectedComponents(dark, connectivity=4)
    edge = np.zeros(n, np.uint8)
    edge[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = 1
    edge[0] = 0
    dark_bed = edge[labels]
    bed = grey < BED_SHARE * paper
    border = np.concatenate([bed[0], bed[-1], bed[:, 0], bed[:, -1]])
    sheet = None
    if float(border.mean()) >= BED_BORDER_SHARE:  # a black bed: the outline is plain
        # light strips of the bed (lid, edge of the glass) narrower than SHEET_OPEN are cut
        bright = cv2.morphologyEx(1 - dark, cv2.MORPH_OPEN,
                                  np.ones((SHEET_OPEN, SHEET_OPEN), np.uint8))
        n, labels, stats, _c = cv2.connectedComponentsWithStats(bright, connectivity=4)
        if n > 1:
            big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            mask = (labels == big).astype(np.uint8)
            contours, _h = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            filled = np.zeros_like(mask)
            cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
            m = 2 * SHEET_MARGIN_PX + 1
            # less a band along its outline and along the frame (a bed strip there is unsure)
            sheet = cv2.erode(filled, np.ones((m, m), np.uint8),
                              borderType=cv2.BORDER_CONSTANT, borderValue=0)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (MID_KERNEL, MID_KERNEL))
    level = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, k)
    # plain paper: not a hole or a strip of bed that the closing covered
    light = cv2.bitwise_and((level >= LIGHT_SHARE * paper).astype(np.uint8), 1 - dark)
    ink = relative_ink(grey, MID_KERNEL, level)  # the same closing
    if not tones:
        return MidScan(ink, dark, dark_bed, light, sheet, grey=grey)
    tone, picture, holes = tone_maps(grey, paper, light, dark, dark_bed)
    return MidScan(ink, dark, dark_bed, light, sheet, tone, picture, holes)


def toned(scan: MidScan) -> MidScan:
    """``scan`` with its tone maps, as ``mid_scan`` makes them with ``tones``."""
    if scan.grey is None:
        return scan
    paper = paper_level(scan.grey)
    tone, picture, holes = tone_maps(scan.grey, paper, scan.light, scan.dark, scan.bed)
    return replace(scan, tone=tone, picture=picture, holes=holes, grey=None)


def off_sheet(a: MidScan, b: MidScan, a_to_b: np.ndarray) -> int:
    """Area (mid-size px) of one scan's sheet that the transform lays on the other's bed.

    A sheet scanned twice moves as a whole: wherever both frames see it, its paper lies on
    the other scan's paper. Two sheets matched on one mark they share (the same seal stamped
    at another place) put the rest of the one sheet where the other shows its bed. Only a
    sheet whose outline is seen (a black bed around it) is checked, only where it is plain
    paper itself (not a hole, a picture or a shaded part), and only a wide stretch counts (an
    edge band of a few pixels is curl or blur).
    """
    h, w = a.ink.shape
    hb, wb = b.ink.shape
    inv = cv2.invertAffineTransform(a_to_b)
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    out = 0
    for one, other, m, size in ((a, b, a_to_b, (w, h)), (b, a, inv, (wb, hb))):
        if one.sheet is None:
            continue
        # the other scan's dark areas, and where its frame is, laid on this scan
        dark = cv2.warpAffine(other.dark, m, size, flags=flags)
        seen = cv2.warpAffine(np.ones(other.dark.shape, np.uint8), m, size, flags=flags)
        seen = cv2.erode(seen, np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8))
        lost = one.sheet & one.light & dark & seen
        k = np.ones((OFF_SHEET_OPEN, OFF_SHEET_OPEN), np.uint8)
        out = max(out, int(cv2.morphologyEx(lost, cv2.MORPH_OPEN, k).sum()))
    return out


def _mark_mask(strong: np.ndarray) -> np.ndarray:
    """1 on the marks of a strong-ink mask: components of MARK_MIN_PX or more that are not
    lines (as ``unmatched_marks`` checks them)."""
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(strong, connectivity=8)
    bw, bh, size = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, 4]
    longest = np.maximum(bw, bh)
    line = (longest >= LINE_PX) | (longest >= 8 * np.maximum(np.minimum(bw, bh), 1))
    keep = ((size >= MARK_MIN_PX) & ~line).astype(np.uint8)
    keep[0] = 0
    out: np.ndarray = keep[labels]
    return out


def unseen_marks(a: MidScan, b: MidScan, a_to_b: np.ndarray) -> int:
    """Strong ink of either scan's marks (on its own sheet: away from its dark areas, holes
    and frame edges) that the transform lays where the other scan does not see the sheet:
    off its frame, or well inside the dark bed around its sheet.

    A sheet scanned twice is seen whole by both scans unless a scan's frame cuts into it:
    each mark of the one lies within the other's frame, on its sheet, where
    ``unmatched_marks`` checks it. Two sheets matched on what they share (one seal stamped
    at other places, one letterhead or form) can lay the rest of each sheet — a page number,
    a written value — off the other scan, where nothing confirms it; such a mark is not
    taken as found. Where the other scan's own strokes run into the edge of its frame and
    this scan shows them too (the frame cut through the sheet's content: a page cropped
    close, a scan whose crop took off a strip), what lies just beyond that edge there
    (CUT_DEPTH_PX deep, CUT_ALONG_PX along the edge either way) is the crop, not another
    sheet, and is not counted (``_cropped``). The larger of the two scans' figures.
    """
    inv = cv2.invertAffineTransform(a_to_b)
    return max(int(_unseen(a, b, a_to_b).sum()), int(_unseen(b, a, inv).sum()))


def _own_marks(scan: MidScan, band: np.ndarray) -> np.ndarray:
    """1 on a scan's marks on its own sheet (away from its dark areas, holes, frame edges)."""
    h, w = scan.ink.shape
    own = cv2.bitwise_and(_away(scan.dark, band, (h, w)), 1 - _solid(scan.ink))
    return _mark_mask(cv2.bitwise_and((scan.ink > INK_STRONG).astype(np.uint8), own))


def _cut_marks(scan: MidScan) -> np.ndarray:
    """1 where a scan's frame cuts through the sheet's content: its marks within BORDER_PX
    of the frame's edge (outside its dark areas and solid blobs), and strokes crossing the
    edge itself: strong ink, solid or not, on the frame's outermost CUT_RIM_PX in runs along
    it of 2 px to less than LINE_PX — a rule, a seal's ring or a character cut by the crop, even
    at a slant; not a speck, nor a line along the edge such as a shadow or a strip of grey
    bed (narrower than the paper level's kernel for hundreds of px at a skew of 5° or less),
    nor a run that touches a dark area (the thin tip of a wedge of dark bed where the sheet
    crosses the frame's edge: the sheet cut there, not its content) or a corner of the frame
    (a strip of bed along the side it turns onto, or a wedge of it tapering from there)."""
    h, w = scan.ink.shape
    light = cv2.bitwise_and(1 - scan.dark, 1 - _solid(scan.ink))
    strong = cv2.bitwise_and((scan.ink > INK_STRONG).astype(np.uint8), light)
    edge = np.ones((h, w), np.uint8)
    edge[BORDER_PX : h - BORDER_PX, BORDER_PX : w - BORDER_PX] = 0
    out: np.ndarray = cv2.bitwise_and(_mark_mask(strong), edge)
    # a stroke cut at a slant spreads along the edge (a seal's ring: a solid blob there);
    # the thin tip of a wedge of dark bed is ink too, but joins the bed
    inky = cv2.bitwise_or((scan.ink > INK_STRONG).astype(np.uint8), scan.dark)
    r = CUT_RIM_PX
    # each side's rim: (rows, columns) of the frame, and the axis that runs along the side
    for rim, along in (((slice(0, r), slice(None)), 1), ((slice(h - r, h), slice(None)), 1),
                       ((slice(None), slice(0, r)), 0), ((slice(None), slice(w - r, w)), 0)):
        touched = np.asarray(inky[rim].any(axis=1 - along))
        bed = np.asarray(scan.dark[rim].any(axis=1 - along))
        for start, stop in _runs(touched):
            # a stroke across the edge: not a speck, not a line along the edge, no bed, not
            # from a corner of the frame (a strip of bed along the side it turns onto)
            if (2 <= stop - start < LINE_PX and not bed[start:stop].any()
                    and start > 0 and stop < len(touched)):
                run = (slice(None), slice(start, stop)) if along else (slice(start, stop),
                                                                         slice(None))
                out[rim][run] = 1
    return out


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D array."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _cropped(other: MidScan, one: MidScan, one_to_other: np.ndarray, pad: int) -> np.ndarray:
    """1 off ``other``'s frame (the frame widened by ``pad`` a side) where the frame cut the
    sheet's content: beyond each side, CUT_DEPTH_PX deep and CUT_ALONG_PX either way along
    it from the content cut there (``_cut_marks``) that ``one`` shows too — its strong ink
    at that place (within a pixel), on its own sheet (away from its dark areas and frame
    edges). A strip of bed or a shadow at the frame's edge lies on plain paper of the other
    scan; a stroke the crop cut lies on the same stroke."""
    cut = _cut_marks(other)
    h, w = cut.shape
    out = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    if not cut.any():
        return out
    band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
    shown = cv2.bitwise_and((one.ink > INK_STRONG).astype(np.uint8),
                            _away(one.dark, band, one.ink.shape))
    shown = cv2.warpAffine(cv2.dilate(shown, np.ones((3, 3), np.uint8)), one_to_other, (w, h),
                           flags=cv2.INTER_NEAREST)
    cut = cv2.bitwise_and(cut, shown)
    across = np.zeros_like(cut)  # near the top and bottom sides: reach along the rows
    across[:BORDER_PX] = cut[:BORDER_PX]
    across[h - BORDER_PX :] = cut[h - BORDER_PX :]
    down = np.zeros_like(cut)  # near the left and right sides: along the columns
    down[:, :BORDER_PX] = cut[:, :BORDER_PX]
    down[:, w - BORDER_PX :] = cut[:, w - BORDER_PX :]
    deep, far = 2 * CUT_DEPTH_PX + 1, 2 * CUT_ALONG_PX + 1
    for part, size in ((across, (far, deep)), (down, (deep, far))):  # (width, height)
        padded = cv2.copyMakeBorder(part, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        out |= cv2.dilate(padded, cv2.getStructuringElement(cv2.MORPH_RECT, size))
    out[pad : pad + h, pad : pad + w] = 0  # only what lies off the frame is excused
    return out


def _unseen(one: MidScan, other: MidScan, one_to_other: np.ndarray) -> np.ndarray:
    """1 on the marks of ``one`` that ``other`` does not see (``unseen_marks``)."""
    h, w = one.ink.shape
    band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
    marks = _own_marks(one, band)
    # where the other scan plainly does not see the sheet: off its frame or well inside its
    # dark bed, by more than BORDER_PX either way (the sheet's edge and the alignment's play
    # there are no mark of the sheet's own) — but not off its frame just where its own marks
    # run into the frame's edge: the frame cut the sheet there
    pad = max(BORDER_PX, CUT_DEPTH_PX)
    blind = cv2.erode(other.bed, band, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    blind = cv2.copyMakeBorder(blind, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=1)
    m = one_to_other.copy()
    m[:, 2] += pad  # onto the other's frame widened by pad
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    out: np.ndarray = cv2.bitwise_and(marks, cv2.warpAffine(
        blind, m, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=1))
    if out.any():  # (most pairs have none: the crop is only looked for where there are)
        blind = cv2.bitwise_and(blind, 1 - _cropped(other, one, one_to_other, pad))
        out = cv2.bitwise_and(marks, cv2.warpAffine(
            blind, m, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=1))
    return out
