"""Confirmation: is a candidate pair one sheet? RANSAC fit of the marks, then the two files
decoded at a medium size, aligned and compared tile by tile."""

from __future__ import annotations

import io
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.intake.duplicates.marks import Marks, relative_ink, resize_long

MID_SIDE = 1000  # longer side of the images compared
MID_KERNEL = 23  # paper level at MID_SIDE: ink strokes are thinner than this
MIN_MARKS = 12  # fewer keypoints: too little content to judge
# RANSAC inliers (two different pages give < 10, rescans 50+; the comparison decides)
MIN_INLIERS = 10
MIN_SPREAD = 0.25  # inlier hull / keypoint hull: a shared letterhead covers less
MIN_INLIER_SHARE = 0.15  # ... unless most marks are inliers anyway
RANSAC_PX = 2.5
GUIDE_PX = 4.0  # guided matching: a mark looked for this far from its place (working px) ...
GUIDE_HAMMING = 64  # ... with a descriptor this close (of 256 bits; unrelated ones ~128)
INK_STRONG = 90
INK_WEAK = 35
REFINE_TILE = 60  # the refinement: best shift of the inkiest tiles, then an affine fit
REFINE_SEARCH = 9
REFINE_TILES = 40
SPARSE_TILES = 4  # fewer than 8 tiles: a similarity fitted to this many at least
TILE = 24
SEARCH_PX = 1  # after the refinement, one pixel of play is enough
TILE_MIN_INK = 20
TILE_MAX_DENSITY = 0.35  # denser tiles are texture (halftone, engraving): not compared
SOLID_PX = 9  # ink blobs wider than this (holes, stains) are not compared
TILE_MIN_UNMATCHED = 5
TILE_MIN_UNMATCHED_SHARE = 0.1
TILE_NCC_MIN = 0.5
MAX_DIFFERING_PX = 60  # strong ink in tiles that differ: above, different documents
MAX_OUTSIDE_SHARE = 0.5  # strong ink outside the hull of the shared ink, lines left out
LINE_PX = 120  # a component this long (or 8 times longer than wide) is a line
MARK_MIN_PX = 12  # strong ink of the smallest mark checked (a small digit has 15–30 px)
MAX_UNSEEN_PX = MARK_MIN_PX - 1  # marks off the other scan's view (its frame, its bed): none
MARK_ON_SHARE = 0.95  # a mark this much on strong ink of the other scan is found as it is
MARK_PLAY_PX = 12  # a mark's shape is looked for this far on the other scan ...
NEIGHBOUR_PX = 60  # ... when the marks this close to it are misaligned the same way
BORDER_PX = 12  # marks this close to the edge of either frame are not checked
DARK_SHARE = 0.45  # grey below this share of the page's paper: a dark bed or area ...
DARK_MIN_PX = 7  # ... and wider than this (strokes are thinner)
LIGHT_SHARE = 0.75  # paper level (strokes closed over) above this share: plain paper
BED_SHARE = 0.3  # grey below this share of the paper: a black bed
BED_BORDER_SHARE = 0.6  # the frame's border this much black bed: the sheet's outline is known
SHEET_OPEN = 41  # the sheet: its paper, less light strips of the bed narrower than this
SHEET_MARGIN_PX = 12  # the known sheet, less this band along its edges (curl, shadow, blur)
OFF_SHEET_OPEN = 25  # what lies off the other sheet must be wider than any stroke ...
MAX_OFF_SHEET_SHARE = 0.005  # ... and cover more than this share of the frame: two sheets


_MATCHER: cv2.BFMatcher | None = None


def _matcher() -> cv2.BFMatcher:
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    return _MATCHER


def _hull_area(pts: np.ndarray) -> float:
    if len(pts) < 3:
        return 0.0
    return float(cv2.contourArea(cv2.convexHull(pts.astype(np.float32))))


def fit_transform(a: Marks, b: Marks) -> tuple[np.ndarray, int] | None:
    """Similarity transform A → B (working px) by RANSAC, when it is one sheet's or one form's."""
    if len(a) < MIN_MARKS or len(b) < MIN_MARKS:
        return None
    matches = _matcher().match(a.desc, b.desc)
    if len(matches) < MIN_INLIERS:
        return None
    pa = a.points[[m.queryIdx for m in matches]]
    pb = b.points[[m.trainIdx for m in matches]]
    m, inl = cv2.estimateAffinePartial2D(pa, pb, method=cv2.RANSAC,
                                         ransacReprojThreshold=RANSAC_PX, maxIters=1000)
    if m is None or inl is None:
        return None
    inliers = inl.ravel().astype(bool)
    count = int(inliers.sum())
    scale = math.hypot(float(m[0, 0]), float(m[1, 0]))
    if count < MIN_INLIERS or not 0.7 < scale < 1.4:
        return None
    if count >= MIN_INLIER_SHARE * min(len(a), len(b)):
        return m, count  # a sparse page: few marks, most of them on the sheet's content
    if _spread(pa[inliers], pb[inliers], a, b):
        return m, count
    # inliers on one line or one spot (a caption, a heading, a seal) fix the turn badly
    # and say nothing of the rest: look for each mark at its place on the other scan
    grown = _guided(a, b, m)
    if grown is None:
        return None
    m, ga, gb = grown
    if not _spread(ga, gb, a, b):
        return None
    return m, len(ga)


_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1)


def _spread(ia: np.ndarray, ib: np.ndarray, a: Marks, b: Marks) -> bool:
    """Whether the inliers cover MIN_SPREAD of each scan's marks (a letterhead covers less)."""
    return all(_hull_area(pts) >= MIN_SPREAD * _hull_area(mine.points)
               for pts, mine in ((ia, a), (ib, b)))


def _guided(a: Marks, b: Marks, m: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The fit grown by guided matching: every mark of A looked for within GUIDE_PX of
    where the transform puts it on B (the closest descriptor there, GUIDE_HAMMING bits at
    most), the transform fitted again to those pairs, twice. (transform, inlier points on
    A, on B), or None when too few hold."""
    for _round in range(2):
        pred = a.points @ m[:, :2].T.astype(np.float32) + m[:, 2].astype(np.float32)
        near_a, near_b = np.nonzero(
            np.hypot(pred[:, None, 0] - b.points[None, :, 0],
                     pred[:, None, 1] - b.points[None, :, 1]) <= GUIDE_PX)
        bits = _POPCOUNT[a.desc[near_a] ^ b.desc[near_b]].sum(axis=1, dtype=np.int32)
        close = bits <= GUIDE_HAMMING
        near_a, near_b, bits = near_a[close], near_b[close], bits[close]
        # one mark for one mark, the closest descriptors first
        keep = np.zeros(len(a), bool)
        best = np.zeros(len(a), np.int64)
        used: set[int] = set()
        for k in np.argsort(bits, kind="stable"):
            i, j = int(near_a[k]), int(near_b[k])
            if not keep[i] and j not in used:
                keep[i] = True
                best[i] = j
                used.add(j)
        if int(keep.sum()) < MIN_INLIERS:
            return None
        pa, pb = a.points[keep], b.points[best[keep]]
        fit, inl = cv2.estimateAffinePartial2D(pa, pb, method=cv2.RANSAC,
                                               ransacReprojThreshold=RANSAC_PX, maxIters=1000)
        if fit is None or inl is None or int(inl.sum()) < MIN_INLIERS:
            return None
        m = fit
        inliers = inl.ravel().astype(bool)
    scale = math.hypot(float(m[0, 0]), float(m[1, 0]))
    if not 0.7 < scale < 1.4:
        return None
    return m, pa[inliers], pb[inliers]


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


def _tile_sums(mask: np.ndarray) -> np.ndarray:
    h, w = mask.shape
    ny, nx = h // TILE, w // TILE
    out: np.ndarray = mask[: ny * TILE, : nx * TILE].reshape(ny, TILE, nx, TILE).sum(
        axis=(1, 3), dtype=np.int32)
    return out


def _std(a: np.ndarray) -> float:
    """``a.std()`` (population), by OpenCV: numpy's costs ~100 µs a call on a small tile, and
    the comparison asks for tens of thousands."""
    return float(cv2.meanStdDev(a)[1][0, 0])


def _best_ncc(tile: np.ndarray, region: np.ndarray) -> float:
    if _std(tile) < 2.0 or _std(region) < 2.0:
        return 0.0
    return float(cv2.matchTemplate(region, tile, cv2.TM_CCOEFF_NORMED).max())


@dataclass(frozen=True)
class Comparison:
    inliers: int
    differing_px: int  # strong ink in tiles where the two scans differ, and in lost marks
    ink_px: int  # strong ink compared (the smaller of the two scans)
    off_sheet_px: int = 0  # one scan's sheet mapped onto the other's bed (mid-size px)
    unseen_px: int = 0  # strong ink of marks the other scan does not see (mid-size px)

    @property
    def same(self) -> bool:
        return (self.differing_px <= MAX_DIFFERING_PX
                and self.off_sheet_px <= MAX_OFF_SHEET_SHARE * MID_SIDE * MID_SIDE
                and self.unseen_px <= MAX_UNSEEN_PX)

    @property
    def distance(self) -> float:
        return self.differing_px / max(self.ink_px, 1)


_DISC = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (SOLID_PX, SOLID_PX))


def _solid(ink: np.ndarray) -> np.ndarray:
    """1 where the ink forms a blob wider than SOLID_PX (with a margin), else 0."""
    blobs = cv2.morphologyEx((ink > INK_WEAK).astype(np.uint8), cv2.MORPH_OPEN, _DISC)
    out: np.ndarray = cv2.dilate(blobs, _DISC)
    return out


def refine(ink_a: np.ndarray, ink_b: np.ndarray, a_to_b: np.ndarray,
           again: bool = True) -> np.ndarray:
    """The transform polished on the mid-size ink: the best local shift of up to
    REFINE_TILES inky tiles, then an affine fit to them by RANSAC (kept when it fails).

    A sparse page (a caption, a line and a page number) has fewer than 8 such tiles, often
    on one line: a similarity is fitted to 4 or more (a line fixes it), and the tiles
    looked at again from there (the marks off the line, first too far off, then found)."""
    h, w = ink_a.shape
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    b_on_a = cv2.warpAffine(ink_b, a_to_b, (w, h), flags=flags).astype(np.float32)
    fa = ink_a.astype(np.float32)
    t, r = REFINE_TILE, REFINE_SEARCH
    ny, nx = (h - 2 * r) // t, (w - 2 * r) // t
    if ny < 2 or nx < 2:
        return a_to_b
    # strokes, not blobs: a filled bar or a hole matches anywhere along itself
    strokes = cv2.bitwise_and((ink_a > INK_STRONG).astype(np.uint8), 1 - _solid(ink_a))
    mass = strokes[r : r + ny * t, r : r + nx * t].reshape(ny, t, nx, t).sum(
        axis=(1, 3), dtype=np.int32)
    mass[mass > TILE_MAX_DENSITY * t * t] = 0  # texture: ambiguous too
    src, dst = [], []
    for k in np.argsort(mass.ravel())[::-1][:REFINE_TILES]:
        ty, tx = divmod(int(k), nx)
        y, x = r + ty * t, r + tx * t
        tile = fa[y : y + t, x : x + t]
        region = b_on_a[y - r : y + t + r, x - r : x + t + r]
        if mass[ty, tx] < TILE_MIN_INK or _std(tile) < 8.0 or _std(region) < 8.0:
            continue
        _mn, best, _mnl, (bx, by) = cv2.minMaxLoc(
            cv2.matchTemplate(region, tile, cv2.TM_CCOEFF_NORMED))
        if best >= 0.6:
            src.append((x + t / 2, y + t / 2))
            dst.append((x + t / 2 + bx - r, y + t / 2 + by - r))
    sparse = len(src) < 8
    if len(src) < (SPARSE_TILES if sparse else 8):
        return a_to_b
    fit = cv2.estimateAffinePartial2D if sparse else cv2.estimateAffine2D
    fix, inl = fit(np.array(dst, np.float32), np.array(src, np.float32),
                   method=cv2.RANSAC, ransacReprojThreshold=1.5)
    if fix is None or inl is None or int(inl.sum()) < (SPARSE_TILES if sparse else 6):
        return a_to_b
    # a point p of A lies at fix⁻¹(p) on b_on_a, which is a_to_b(fix⁻¹(p)) on B
    back = cv2.invertAffineTransform(fix.astype(np.float64))
    out: np.ndarray = (np.vstack([a_to_b, [0, 0, 1]]) @ np.vstack([back, [0, 0, 1]]))[:2]
    if sparse and again:
        return refine(ink_a, ink_b, out, again=False)
    return out


def _outside_share(strong: np.ndarray, hull: np.ndarray) -> float:
    """Share of the strong ink outside the hull, long lines (edges, rules) left out."""
    outside = cv2.bitwise_and(strong, 1 - hull)
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(outside, connectivity=8)
    if n <= 1:
        return 0.0
    w, h, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, 4]
    longest = np.maximum(w, h)
    line = (longest >= LINE_PX) | (longest >= 8 * np.maximum(np.minimum(w, h), 1))
    return float(area[~line].sum()) / max(int(strong.sum()), 1)


def unmatched_marks(ink_a: np.ndarray, b_on_a: np.ndarray, strong_a: np.ndarray,
                    strong_b: np.ndarray, checked: np.ndarray) -> int:
    """Strong ink of the marks, anywhere on the sheet, not found at their place on the other
    scan (both ways): a page number, a note, a value the other sheet lacks or has otherwise.

    One sheet scanned twice moves as a whole, so every mark of either scan lies on the same
    mark of the other; two sheets matched on one region they share (a seal, a letterhead, a
    printed form) carry their other marks — page numbers at least, filled values — where the
    other sheet has none or others. Marks are checked over the whole ``checked`` area (where
    both frames see the sheet), not only near the ink the two scans share.

    A mark is found at its place when it lies almost wholly (MARK_ON_SHARE) on strong ink of
    the other scan, or when the best match of its own shape (normalised correlation ≥
    TILE_NCC_MIN) within MARK_PLAY_PX lies within two pixels of it. Two sheets of one
    template filled with other values carry other characters of one size at the same places:
    such a glyph overlaps the other one by half or more (dense glyphs at this size fill their
    box), so mere overlap does not count it as found, and its shape is not there.

    Far from the marks the transform was fitted on, a sparse page's alignment can be off by
    a few pixels: a mark whose shape is found a few pixels away counts as found only where
    the alignment is off — where more of the marks around it (within NEIGHBOUR_PX) moved the
    same way (within two pixels) than lie at their place, or where it has no neighbours (a
    page number). A differing character finds some look-alike stroke nearby, at an offset
    its neighbours — found at their place, or other differing characters at other offsets —
    do not share.
    """
    out = 0
    fa = cv2.GaussianBlur(ink_a, (3, 3), 0).astype(np.float32)
    fb = cv2.GaussianBlur(b_on_a, (3, 3), 0).astype(np.float32)
    h, w = ink_a.shape
    r, pad = MARK_PLAY_PX, 2
    k3 = np.ones((3, 3), np.uint8)
    for strong, mine, other, strong_other in ((strong_a, fa, fb, strong_b),
                                              (strong_b, fb, fa, strong_a)):
        n, labels, stats, centres = cv2.connectedComponentsWithStats(
            cv2.bitwise_and(strong, checked), connectivity=8)
        bw, bh, size = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, 4]
        longest = np.maximum(bw, bh)
        line = (longest >= LINE_PX) | (longest >= 8 * np.maximum(np.minimum(bw, bh), 1))
        keep = (size >= MARK_MIN_PX) & ~line
        keep[0] = False
        if not keep.any():
            continue
        # most marks of a rescan lie on the same strong ink within a pixel: no search needed
        other_ink = cv2.dilate(strong_other, k3)
        on = np.bincount(labels.ravel(), other_ink.ravel().astype(np.float64), minlength=n)
        at_place = keep & (on >= MARK_ON_SHARE * size)
        moved: dict[int, tuple[int, int]] = {}  # marks found only at an offset: the offset
        for k in np.nonzero(keep & ~at_place)[0]:
            x0, y0 = int(stats[k, 0]) - pad, int(stats[k, 1]) - pad
            x1, y1 = x0 + int(bw[k]) + 2 * pad, y0 + int(bh[k]) + 2 * pad
            if x0 < r or y0 < r or x1 + r > w or y1 + r > h:
                continue
            tile = mine[y0:y1, x0:x1]
            if _best_ncc(tile, other[y0 - pad : y1 + pad, x0 - pad : x1 + pad]) >= TILE_NCC_MIN:
                at_place[k] = True  # its shape is at its place (if also elsewhere: a stroke
                continue  # along a rule, repeated glyphs)
            region = other[y0 - r : y1 + r, x0 - r : x1 + r]
            best, dx, dy = -1.0, 0, 0
            if _std(tile) >= 2.0 and _std(region) >= 2.0:
                _mn, best, _mnl, (bx, by) = cv2.minMaxLoc(
                    cv2.matchTemplate(region, tile, cv2.TM_CCOEFF_NORMED))
                dx, dy = bx - r, by - r
            if best < TILE_NCC_MIN:
                out += int(size[k])
                if out > 10 * MAX_DIFFERING_PX:  # different sheets whatever the rest says
                    return out
            elif abs(dx) <= pad and abs(dy) <= pad:
                at_place[k] = True
            else:
                moved[int(k)] = (dx, dy)
        marks = _Marks(labels, stats, centres, keep, at_place, other_ink)
        for m in moved:
            if not _shift_agrees(m, moved, marks):
                out += int(size[m])
    return out


@dataclass(frozen=True)
class _Marks:
    """The marks of one scan (connected components of its strong ink) and the other scan's
    strong ink, a pixel wider."""

    labels: np.ndarray
    stats: np.ndarray
    centres: np.ndarray
    keep: np.ndarray  # bool per label: a mark that is checked
    at_place: np.ndarray  # bool per label: found at its place
    other_ink: np.ndarray  # uint8 0/1

    def on_share(self, k: int, dx: int, dy: int) -> float:
        """Share of mark ``k``'s pixels on the other scan's ink once moved by (dx, dy)."""
        x, y, w, h = (int(v) for v in self.stats[k, :4])
        ys, xs = np.nonzero(self.labels[y : y + h, x : x + w] == k)
        ys, xs = ys + y + dy, xs + x + dx
        inside = (ys >= 0) & (xs >= 0) & (ys < self.labels.shape[0]) & (xs < self.labels.shape[1])
        if not inside.any():
            return 0.0
        return float(self.other_ink[ys[inside], xs[inside]].sum()) / len(ys)


def _shift_agrees(k: int, moved: dict[int, tuple[int, int]], marks: _Marks) -> bool:
    """Whether mark ``k``, found only at an offset, lies where the alignment is off: it has
    no marks around it (within NEIGHBOUR_PX), or more of them agree with its shift than
    contradict it. A mark moved the same way (within two pixels), or found at its place but
    lying more on the other scan's ink moved that way (a loose correlation in a misaligned
    region), agrees; a mark at its place that lies less on ink moved that way contradicts;
    one that lies the same (a stroke moved along itself) says nothing."""
    d = np.hypot(*(marks.centres - marks.centres[k]).T)
    near = marks.keep & (d <= NEIGHBOUR_PX)
    near[k] = False
    if not near.any():
        return True  # a lone mark (a page number): its shift is its own
    dx, dy = moved[k]
    support = sum(1 for j in np.nonzero(near)[0] if int(j) in moved
                  and abs(moved[int(j)][0] - dx) <= 2 and abs(moved[int(j)][1] - dy) <= 2)
    against = 0
    for j in np.nonzero(near & marks.at_place)[0]:
        here, there = marks.on_share(int(j), 0, 0), marks.on_share(int(j), dx, dy)
        support += there > here
        against += here > there
    return support > against


def _away(dark: np.ndarray | None, band: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """1 where a scan is neither dark nor within the band of a dark area or its frame's edge."""
    light = np.ones(shape[:2], np.uint8) if dark is None else 1 - dark
    out: np.ndarray = cv2.erode(light, band, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def compare_inks(ink_a: np.ndarray, ink_b: np.ndarray, a_to_b: np.ndarray,
                 dark_a: np.ndarray | None = None, dark_b: np.ndarray | None = None,
                 ) -> tuple[int, int]:
    """(differing strong-ink px, compared strong-ink px) of two aligned mid-size ink maps.

    Every tile with ink, inside the hull of the ink both scans share (a bed edge or a shadow
    outside it says nothing about the sheet), must find its content on the other scan within
    one pixel (normalised correlation ≥ TILE_NCC_MIN, checked both ways); the strong ink of
    the tiles that do not is the difference.
    """
    h, w = ink_a.shape
    b_on_a = cv2.warpAffine(ink_b, a_to_b, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    valid = cv2.warpAffine(np.ones(ink_b.shape, np.uint8), a_to_b, (w, h),
                           flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    valid = cv2.erode(valid, np.ones((7, 7), np.uint8))
    # solid dark blobs (punched holes, which show the bed: dark on one scan, paper-white on
    # the other; solid marks) are left out: strokes are compared, not stains
    solid = cv2.bitwise_or(_solid(ink_a), _solid(b_on_a))
    valid = cv2.bitwise_and(valid, 1 - solid)
    strong_a = cv2.bitwise_and((ink_a > INK_STRONG).astype(np.uint8), valid)
    strong_b = cv2.bitwise_and((b_on_a > INK_STRONG).astype(np.uint8), valid)
    k3 = np.ones((3, 3), np.uint8)
    weak_a = cv2.dilate((ink_a > INK_WEAK).astype(np.uint8), k3)
    weak_b = cv2.dilate((b_on_a > INK_WEAK).astype(np.uint8), k3)
    compared = min(int(strong_a.sum()), int(strong_b.sum()))
    band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
    checked = cv2.erode(valid, band)
    # marks are checked away from either scan's dark areas (the bed, with the sheet's edge
    # shadows and curl along it; holes) and frame edges
    near_a = _away(dark_a, band, (h, w))
    near_b = cv2.warpAffine(_away(dark_b, band, ink_b.shape), a_to_b, (w, h),
                            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    checked = cv2.bitwise_and(checked, cv2.bitwise_and(near_a, near_b))
    lost = unmatched_marks(ink_a, b_on_a, strong_a, strong_b, checked)
    shared = cv2.bitwise_or(cv2.bitwise_and(strong_a, weak_b), cv2.bitwise_and(strong_b, weak_a))
    pts = cv2.findNonZero(shared)
    if pts is None or len(pts) < 50:
        return compared + lost, compared
    hull = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    # what lies outside the shared ink is not compared: it must be little (a page that
    # shares only its letterhead with another has its whole body there; sheet edges and the
    # bands of another bed, long lines, lie there too and are not counted)
    if max(_outside_share(strong_a, hull), _outside_share(strong_b, hull)) > MAX_OUTSIDE_SHARE:
        return compared + lost, compared
    inside = _tile_sums(cv2.erode(hull, np.ones((9, 9), np.uint8))) == TILE * TILE
    mass = np.maximum(_tile_sums(strong_a), _tile_sums(strong_b))
    # strong ink with not even faint ink near it on the other scan (faint lines that one
    # exposure shows and the other does not are no difference)
    unmatched = _tile_sums(cv2.bitwise_and(strong_a, 1 - weak_b)) + _tile_sums(
        cv2.bitwise_and(strong_b, 1 - weak_a))
    # a tile dense with ink is texture (halftone, engraving, a photo): its fine pattern
    # changes with every scan's sampling, so it says nothing either way
    comparable = (mass >= TILE_MIN_INK) & (mass <= TILE_MAX_DENSITY * TILE * TILE)
    comparable &= unmatched >= np.maximum(TILE_MIN_UNMATCHED, TILE_MIN_UNMATCHED_SHARE * mass)
    differing = _differing(ink_a, b_on_a, inside & comparable, mass)
    return differing + lost, compared


def _differing(ink_a: np.ndarray, b_on_a: np.ndarray, tiles: np.ndarray,
               mass: np.ndarray) -> int:
    """Strong ink of the given tiles whose content is not found on the other scan within
    SEARCH_PX (normalised correlation below TILE_NCC_MIN, either way)."""
    h, w = ink_a.shape
    fa = cv2.GaussianBlur(ink_a, (3, 3), 0).astype(np.float32)
    fb = cv2.GaussianBlur(b_on_a, (3, 3), 0).astype(np.float32)
    r = SEARCH_PX
    differing = 0
    for ty, tx in zip(*np.nonzero(tiles), strict=True):
        y, x = int(ty) * TILE, int(tx) * TILE
        if y < r or x < r or y + TILE + r > h or x + TILE + r > w:
            continue
        ta, tb = fa[y : y + TILE, x : x + TILE], fb[y : y + TILE, x : x + TILE]
        around_a = fa[y - r : y + TILE + r, x - r : x + TILE + r]
        around_b = fb[y - r : y + TILE + r, x - r : x + TILE + r]
        if min(_best_ncc(ta, around_b), _best_ncc(tb, around_a)) < TILE_NCC_MIN:
            differing += int(mass[ty, tx])
    return differing


@dataclass(frozen=True)
class MidScan:
    """One file at the mid size: its ink, its dark areas (bed, holes, dark pictures) and,
    where the bed around it is dark, the sheet (its outline filled)."""

    ink: np.ndarray
    dark: np.ndarray  # uint8 0/1
    bed: np.ndarray  # uint8 0/1: the dark areas that reach the frame's edge (a dark bed)
    light: np.ndarray  # uint8 0/1: plain paper (strokes aside), clearly lighter than ``dark``
    sheet: np.ndarray | None  # uint8 0/1, less SHEET_MARGIN_PX along the edges; None: unknown


def mid_scan(grey: np.ndarray) -> MidScan:
    paper = float(np.percentile(grey, 90))
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
    return MidScan(relative_ink(grey, MID_KERNEL), dark, dark_bed, light, sheet)


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

    A sheet scanned twice is seen whole by both scans: each mark of the one lies within the
    other's frame, on its sheet, where ``unmatched_marks`` checks it. Two sheets matched on
    what they share (one seal stamped at other places, one letterhead or form) can lay the
    rest of each sheet — a page number, a written value — off the other scan, where nothing
    confirms it; such a mark is not taken as found. The larger of the two scans' figures.
    """
    inv = cv2.invertAffineTransform(a_to_b)
    return max(int(_unseen(a, b, a_to_b).sum()), int(_unseen(b, a, inv).sum()))


def _unseen(one: MidScan, other: MidScan, one_to_other: np.ndarray) -> np.ndarray:
    """1 on the marks of ``one`` that ``other`` does not see (``unseen_marks``)."""
    h, w = one.ink.shape
    band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
    own = cv2.bitwise_and(_away(one.dark, band, (h, w)), 1 - _solid(one.ink))
    marks = _mark_mask(cv2.bitwise_and((one.ink > INK_STRONG).astype(np.uint8), own))
    # where the other scan plainly does not see the sheet: off its frame or well inside its
    # dark bed, by more than BORDER_PX either way (the sheet's edge and the alignment's play
    # there are no mark of the sheet's own)
    blind = cv2.erode(other.bed, band, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    blind = cv2.copyMakeBorder(blind, BORDER_PX, BORDER_PX, BORDER_PX, BORDER_PX,
                               cv2.BORDER_CONSTANT, value=1)
    m = one_to_other.copy()
    m[:, 2] += BORDER_PX  # onto the other's frame widened by BORDER_PX
    off = cv2.warpAffine(blind, m, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=1)
    out: np.ndarray = cv2.bitwise_and(marks, off)
    return out


class InkCache:
    """Mid-size scans of the pages confirmed so far (each file decoded at most once)."""

    def __init__(self, load: Callable[[int], bytes | None], size: int = 64) -> None:
        self._load = load
        self._size = size
        self._items: OrderedDict[int, MidScan | None] = OrderedDict()

    def get(self, i: int) -> MidScan | None:
        if i in self._items:
            self._items.move_to_end(i)
            return self._items[i]
        data = self._load(i)
        grey = mid_grey(data) if data else None
        ink = mid_scan(grey) if grey is not None else None
        self._items[i] = ink
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return ink


def confirm(a: Marks, b: Marks, scan_a: Callable[[], MidScan | None],
            scan_b: Callable[[], MidScan | None]) -> Comparison | None:
    """The comparison of two pages, or None when they are plainly not one sheet."""
    fit = fit_transform(a, b)
    if fit is None:
        return None
    m, inliers = fit
    a_mid, b_mid = scan_a(), scan_b()
    if a_mid is None or b_mid is None:
        return None
    ia, ib = a_mid.ink, b_mid.ink
    sa = ia.shape[0] / a.shape[0]
    sb = ib.shape[0] / b.shape[0]
    mid = m.astype(np.float64).copy()
    mid[:, :2] *= sb / sa
    mid[:, 2] *= sb
    mid = refine(ia, ib, mid)
    differing, compared = compare_inks(ia, ib, mid, a_mid.dark, b_mid.dark)
    return Comparison(inliers, differing, compared, off_sheet(a_mid, b_mid, mid),
                      unseen_marks(a_mid, b_mid, mid))
