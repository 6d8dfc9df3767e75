"""Tile comparison of two aligned mid-size ink maps: every inky tile and every mark of
either scan must be found on the other."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

INK_STRONG = 90
INK_WEAK = 35
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
MARK_ON_SHARE = 0.95  # a mark this much on strong ink of the other scan is found as it is
MARK_PLAY_PX = 12  # a mark's shape is looked for this far on the other scan ...
NEIGHBOUR_PX = 60  # ... when the marks this close to it are misaligned the same way
BORDER_PX = 12  # marks this close to the edge of either frame are not checked


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


_DISC = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (SOLID_PX, SOLID_PX))


def _solid(ink: np.ndarray) -> np.ndarray:
    """1 where the ink forms a blob wider than SOLID_PX (with a margin), else 0."""
    blobs = cv2.morphologyEx((ink > INK_WEAK).astype(np.uint8), cv2.MORPH_OPEN, _DISC)
    out: np.ndarray = cv2.dilate(blobs, _DISC)
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
                 limit: int | None = None) -> tuple[int, int]:
    """(differing strong-ink px, compared strong-ink px) of two aligned mid-size ink maps.

    Every tile with ink, inside the hull of the ink both scans share (a bed edge or a shadow
    outside it says nothing about the sheet), must find its content on the other scan within
    one pixel (normalised correlation ≥ TILE_NCC_MIN, checked both ways); the strong ink of
    the tiles that do not is the difference. With ``limit``, the count stops once it is
    above it (the figure returned is then only known to be above ``limit``).
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

    def lost() -> int:
        band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
        checked = cv2.erode(valid, band)
        # marks are checked away from either scan's dark areas (the bed, with the sheet's
        # edge shadows and curl along it; holes) and frame edges
        near_a = _away(dark_a, band, (h, w))
        near_b = cv2.warpAffine(_away(dark_b, band, ink_b.shape), a_to_b, (w, h),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
        checked = cv2.bitwise_and(checked, cv2.bitwise_and(near_a, near_b))
        return unmatched_marks(ink_a, b_on_a, strong_a, strong_b, checked)

    shared = cv2.bitwise_or(cv2.bitwise_and(strong_a, weak_b), cv2.bitwise_and(strong_b, weak_a))
    pts = cv2.findNonZero(shared)
    if pts is None or len(pts) < 50:
        return (compared if limit is not None and compared > limit
                else compared + lost()), compared
    hull = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
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
    differing: int | None = None
    if limit is not None and compared > limit:
        # above the limit both ways, whatever the share outside the shared ink says
        differing = _differing(ink_a, b_on_a, inside & comparable, mass, limit)
        if differing > limit:
            return differing, compared
    # what lies outside the shared ink is not compared: it must be little (a page that
    # shares only its letterhead with another has its whole body there; sheet edges and the
    # bands of another bed, long lines, lie there too and are not counted)
    if max(_outside_share(strong_a, hull), _outside_share(strong_b, hull)) > MAX_OUTSIDE_SHARE:
        return (compared if limit is not None and compared > limit
                else compared + lost()), compared
    if differing is None:
        differing = _differing(ink_a, b_on_a, inside & comparable, mass, limit)
    if limit is not None and differing > limit:
        return differing, compared
    return differing + lost(), compared


def _differing(ink_a: np.ndarray, b_on_a: np.ndarray, tiles: np.ndarray,
               mass: np.ndarray, limit: int | None = None) -> int:
    """Strong ink of the given tiles whose content is not found on the other scan within
    SEARCH_PX (normalised correlation below TILE_NCC_MIN, either way); with ``limit``,
    counted until it is above it."""
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
            if limit is not None and differing > limit:
                break
    return differing
