"""Alignment of two scans: the RANSAC fit of their marks (grown by guided matching when the
inliers lie on one spot), then the transform refined on the mid-size ink."""

from __future__ import annotations

import math

import cv2
import numpy as np

from dangan.intake.duplicates.marks import Marks
from dangan.intake.duplicates.tiles import INK_STRONG, TILE_MAX_DENSITY, TILE_MIN_INK, _solid, _std

MIN_MARKS = 12  # fewer keypoints: too little content to judge
# RANSAC inliers (two different pages give < 10, rescans 50+; the comparison decides)
MIN_INLIERS = 10
MIN_SPREAD = 0.25  # inlier hull / keypoint hull: a shared letterhead covers less
MIN_INLIER_SHARE = 0.15  # ... unless most marks are inliers anyway
RANSAC_PX = 2.5
GUIDE_PX = 4.0  # guided matching: a mark looked for this far from its place (working px) ...
GUIDE_HAMMING = 64  # ... with a descriptor this close (of 256 bits; unrelated ones ~128)
REFINE_TILE = 60  # the refinement: best shift of the inkiest tiles, then an affine fit
REFINE_SEARCH = 9
REFINE_TILES = 40
SPARSE_TILES = 4  # fewer than 8 tiles: a similarity fitted to this many at least


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
