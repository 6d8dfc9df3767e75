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
INK_STRONG = 90
INK_WEAK = 35
REFINE_TILE = 60  # the refinement: best shift of the inkiest tiles, then an affine fit
REFINE_SEARCH = 9
REFINE_TILES = 40
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
    for pts, mine in ((pa, a.points), (pb, b.points)):
        if _hull_area(pts[inliers]) < MIN_SPREAD * _hull_area(mine):
            return None
    return m, count


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


def _best_ncc(tile: np.ndarray, region: np.ndarray) -> float:
    if float(tile.std()) < 2.0 or float(region.std()) < 2.0:
        return 0.0
    return float(cv2.matchTemplate(region, tile, cv2.TM_CCOEFF_NORMED).max())


@dataclass(frozen=True)
class Comparison:
    inliers: int
    differing_px: int  # strong ink in tiles where the two scans differ
    ink_px: int  # strong ink compared (the smaller of the two scans)

    @property
    def same(self) -> bool:
        return self.differing_px <= MAX_DIFFERING_PX

    @property
    def distance(self) -> float:
        return self.differing_px / max(self.ink_px, 1)


_DISC = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (SOLID_PX, SOLID_PX))


def _solid(ink: np.ndarray) -> np.ndarray:
    """1 where the ink forms a blob wider than SOLID_PX (with a margin), else 0."""
    blobs = cv2.morphologyEx((ink > INK_WEAK).astype(np.uint8), cv2.MORPH_OPEN, _DISC)
    out: np.ndarray = cv2.dilate(blobs, _DISC)
    return out


def refine(ink_a: np.ndarray, ink_b: np.ndarray, a_to_b: np.ndarray) -> np.ndarray:
    """The transform polished on the mid-size ink: the best local shift of up to
    REFINE_TILES inky tiles, then an affine fit to them by RANSAC (kept when it fails)."""
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
        if mass[ty, tx] < TILE_MIN_INK or float(tile.std()) < 8.0 or float(region.std()) < 8.0:
            continue
        _mn, best, _mnl, (bx, by) = cv2.minMaxLoc(
            cv2.matchTemplate(region, tile, cv2.TM_CCOEFF_NORMED))
        if best >= 0.6:
            src.append((x + t / 2, y + t / 2))
            dst.append((x + t / 2 + bx - r, y + t / 2 + by - r))
    if len(src) < 8:
        return a_to_b
    fix, inl = cv2.estimateAffine2D(np.array(dst, np.float32), np.array(src, np.float32),
                                    method=cv2.RANSAC, ransacReprojThreshold=1.5)
    if fix is None or inl is None or int(inl.sum()) < 6:
        return a_to_b
    # a point p of A lies at fix⁻¹(p) on b_on_a, which is a_to_b(fix⁻¹(p)) on B
    back = cv2.invertAffineTransform(fix.astype(np.float64))
    out: np.ndarray = (np.vstack([a_to_b, [0, 0, 1]]) @ np.vstack([back, [0, 0, 1]]))[:2]
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


def compare_inks(ink_a: np.ndarray, ink_b: np.ndarray, a_to_b: np.ndarray) -> tuple[int, int]:
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
    shared = cv2.bitwise_or(cv2.bitwise_and(strong_a, weak_b), cv2.bitwise_and(strong_b, weak_a))
    pts = cv2.findNonZero(shared)
    if pts is None or len(pts) < 50:
        return compared, compared
    hull = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    # what lies outside the shared ink is not compared: it must be little (a page that
    # shares only its letterhead with another has its whole body there; sheet edges and the
    # bands of another bed, long lines, lie there too and are not counted)
    if max(_outside_share(strong_a, hull), _outside_share(strong_b, hull)) > MAX_OUTSIDE_SHARE:
        return compared, compared
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
    return differing, compared


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


class InkCache:
    """Mid-size ink maps of the pages confirmed so far (each file decoded at most once)."""

    def __init__(self, load: Callable[[int], bytes | None], size: int = 64) -> None:
        self._load = load
        self._size = size
        self._items: OrderedDict[int, np.ndarray | None] = OrderedDict()

    def get(self, i: int) -> np.ndarray | None:
        if i in self._items:
            self._items.move_to_end(i)
            return self._items[i]
        data = self._load(i)
        grey = mid_grey(data) if data else None
        ink = relative_ink(grey, MID_KERNEL) if grey is not None else None
        self._items[i] = ink
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return ink


def confirm(a: Marks, b: Marks, ink_a: Callable[[], np.ndarray | None],
            ink_b: Callable[[], np.ndarray | None]) -> Comparison | None:
    """The comparison of two pages, or None when they are plainly not one sheet."""
    fit = fit_transform(a, b)
    if fit is None:
        return None
    m, inliers = fit
    ia, ib = ink_a(), ink_b()
    if ia is None or ib is None:
        return None
    sa = ia.shape[0] / a.shape[0]
    sb = ib.shape[0] / b.shape[0]
    mid = m.astype(np.float64).copy()
    mid[:, :2] *= sb / sa
    mid[:, 2] *= sb
    mid = refine(ia, ib, mid)
    differing, compared = compare_inks(ia, ib, mid)
    return Comparison(inliers, differing, compared)
