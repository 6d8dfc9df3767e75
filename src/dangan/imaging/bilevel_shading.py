"""Shading is not a mark: black components of a bilevel page whose edges are soft are paper.

The threshold of ``bilevel`` keeps whatever is clearly darker than the paper around it. Some
of that is not on the paper but in the light: a crease's shaded valley, a foxing spot's
brown core, the shadow a sheet casts on a white bed along its edge. What tells them from ink
is the edge (the edge test of contrast/stroke-edge binarisation, e.g. Su, Lu & Tan 2013):
ink meets the paper in a step one or two samples wide, whatever its tone; shading fades in
over a millimetre. At each boundary sample of a black component:

* sharpness = steepest slope within 2 px / local depth (paper level − darkest within 3 px):
  ≥ 0.25 beside ink at a scanner's blur, below 0.2 (soft) on a fade wider than ~0.6 mm;
* recovery = share of the rise over 7 px (outwards, up the gradient) already made within
  2 px: ≈ 1 beside ink, ≈ ½ or less on a fade; a sample whose page has not come back to
  the paper level 2 mm out (a photograph's contour) counts as recovered, i.e. as no fade.

A component is made white only when it is soft *and* shaped like shading; when it cannot be
told, it is kept (do no harm):

* a **soft blob** (1–5 mm across, roundish, soft on most of its boundary) or a **fade**
  (soft on most of its boundary, slow to recover all round) or a **shallow** fade (no deeper
  than 1.6 ink margins, soft on half its boundary) — foxing cores, pieces of a crease's core
  — provided no stretch of its boundary is a crisp ink edge and no sharp component lies within
  1 mm (the grainy fragments of a seal, the soft spur of a stroke stay with their mark);
* a **one-sided line**: straight (or spanning half the page both ways: a sheet's outline),
  ≤ 1.2 mm wide, ≥ 8 mm long, one side a step and the other a fade — the shadow of a sheet's
  edge on a white bed. A rule or a stroke has both sides sharp; a seal's arc is not straight;
* a long thin component with soft stretches (a crease's core merged with the writing it
  crosses): only its samples within 0.6 mm of a sharp stretch of its boundary stay.

Writing inside the dropped shading — a narrow valley (black top-hat over 7 px) 1.5 margins
deep in the shaded paper, such as text across a crease — stays black.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SOFT = 0.2  # a boundary sample whose sharpness is below this is soft
BLOB_SOFT_SHARE = 0.65  # a blob whose boundary is soft for more than this share is shading
BLOB_MM = (1.0, 5.0)  # equivalent diameter of a dropped soft blob
BLOB_FILL = 0.6  # area / ellipse of the bounding box, at least
BLOB_ASPECT = 2.5
LINE_MIN_MM = 8.0  # a one-sided line is at least this long
LINE_MAX_WIDTH_MM = 1.2
STRAIGHT_MM = 1.5  # a straight line: its spread across (a uniform bar's width) at most this
OUTLINE_SHARE = 0.5  # ... or it spans this share of the page both ways (a sheet's outline)
SHALLOW = 1.6  # shallow fade: depth below this many ink margins
SHALLOW_SOFT_SHARE = 0.5
RECOVER_NEAR, RECOVER_FAR = 2.0, 7.0  # px at 200 dpi
ONE_SIDED = (0.72, 0.8)  # a side recovering below the first while the other is above the second
MIXED_MIN_MM, MIXED_MAX_WIDTH_MM, MIXED_SOFT_SHARE = 15.0, 1.5, 0.2
SHARP_RECOVERY = 0.75  # a boundary sample beside ink: most of the rise within 2 px
NEAR_SHARP_MM = 0.6  # ... and the samples of a mixed component within this of one are kept
FADE_SOFT_SHARE, FADE_RECOVERY = 0.65, 0.5
FADE_MAX_WIDTH_MM = 1.5  # a fade wider than this and over BLOB_MM[1] across is left alone
CRISP, CRISP_SHARE = 0.25, 0.03  # a stretch of ink edge: steep and recovered within 2 px
BACK, BACK_SHARE, BACK_MM = 3.0, 0.5, 2.0  # within BACK margins of the paper BACK_MM out
ISOLATED_MM = 1.0
SOFT_SHARE_SHARP = 0.3  # a component soft on less than this share of its boundary is sharp
RESCUE, RESCUE_PX = 1.5, 3  # a valley this many margins deep, up to 2·RESCUE_PX px wide
MIN_AREA = 12  # smaller components are never judged (too few samples): kept


def _sharpness(grey: np.ndarray, bg: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per sample: steepest slope within 2 px / local depth; the lightly smoothed page and its
    gradient (gx, gy)."""
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.7)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) * 0.125
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) * 0.125
    slope = cv2.magnitude(gx, gy)
    depth = np.maximum(bg - cv2.erode(grey, np.ones((7, 7), np.uint8)).astype(np.float32), 1.0)
    steep = cv2.dilate(slope, np.ones((5, 5), np.uint8)) / depth
    return steep, g, gx, gy


def _sample(g: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``g`` at (x, y), clamped to the page."""
    x = np.clip(x, 0, g.shape[1] - 1.001)
    y = np.clip(y, 0, g.shape[0] - 1.001)
    x0, y0 = x.astype(np.intp), y.astype(np.intp)
    fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    top = g[y0, x0] * (1 - fx) + g[y0, x0 + 1] * fx
    bottom = g[y0 + 1, x0] * (1 - fx) + g[y0 + 1, x0 + 1] * fx
    out: np.ndarray = top * (1 - fy) + bottom * fy
    return out


def _recovery(g: np.ndarray, gx: np.ndarray, gy: np.ndarray, by: np.ndarray, bx: np.ndarray,
              dpi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At each boundary sample, looking out (up the gradient): the share of the rise over
    RECOVER_FAR px that is already made within RECOVER_NEAR px (≈ 1 beside ink, ≈ ½ on a
    fade); the level BACK_MM out; and the outward unit direction."""
    s = dpi / 200.0
    ux, uy = gx[by, bx], gy[by, bx]
    mag = np.hypot(ux, uy) + 1e-6
    ux, uy = ux / mag, uy / mag
    g0 = g[by, bx]
    near = _sample(g, bx + RECOVER_NEAR * s * ux, by + RECOVER_NEAR * s * uy) - g0
    far = _sample(g, bx + RECOVER_FAR * s * ux, by + RECOVER_FAR * s * uy) - g0
    back = _sample(g, bx + BACK_MM * dpi / 25.4 * ux, by + BACK_MM * dpi / 25.4 * uy)
    return near / np.maximum(far, 1.0), back, ux, uy


def _side_medians(n: int, lab: np.ndarray, val: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Median of ``val`` per component (rows) and side (columns 0, 1); -2 where a side is
    empty."""
    out = np.full((n, 2), -2.0)
    for s in (0, 1):
        m = side == bool(s)
        b, v = lab[m], val[m]
        order = np.lexsort((v, b))
        b, v = b[order], v[order]
        starts = np.searchsorted(b, np.arange(n))
        ends = np.searchsorted(b, np.arange(n), side="right")
        k = ends - starts
        has = k > 0
        if has.any():
            out[has, s] = v[(starts + k // 2)[has]]
    return out


def _isolated(lab: np.ndarray, black: np.ndarray, candidate: np.ndarray, sharp: np.ndarray,
              px: float, n: int) -> np.ndarray:
    """Per component: no sharp black component lies within ISOLATED_MM (a grainy seal's
    fragments and a stroke's soft spur lie beside its sharp parts)."""
    others = (black & sharp[lab]).astype(np.uint8)
    r = max(1, round(ISOLATED_MM * px))
    near = cv2.dilate(others, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    ys, xs = np.nonzero(black & candidate[lab] & (near > 0))
    touched = np.bincount(lab[ys, xs], minlength=n)
    out: np.ndarray = touched == 0
    return out


@dataclass
class _Components:
    """The black components of a page and what is measured at their boundary samples."""

    n: int
    lab: np.ndarray  # label per sample
    px: float  # samples per mm
    area: np.ndarray
    w: np.ndarray
    h: np.ndarray
    by: np.ndarray  # boundary samples (y, x) and their labels
    bx: np.ndarray
    bl: np.ndarray
    nb: np.ndarray  # boundary samples per component
    steep: np.ndarray  # sharpness per page sample
    soft: np.ndarray  # share of the boundary that is soft
    rec: np.ndarray  # recovery per boundary sample (1 where the side never comes back)
    backs: np.ndarray  # share of the boundary coming back to paper BACK_MM out
    normal: np.ndarray  # recovery medians on the two sides of a line
    radial: np.ndarray  # ... inside / outside a frame
    sxx: np.ndarray  # second moments
    syy: np.ndarray
    sxy: np.ndarray
    depth: np.ndarray  # deepest below the paper level

    def share(self, flags: np.ndarray) -> np.ndarray:
        """Share of each component's boundary samples where ``flags`` holds."""
        out: np.ndarray = np.bincount(self.bl, flags.astype(np.float64), self.n) / np.maximum(
            self.nb, 1)
        return out


def _measure(black: np.ndarray, grey: np.ndarray, bg: np.ndarray, margin: float,
             dpi: float) -> _Components | None:
    b8 = black.astype(np.uint8)
    n, lab, st, cen = cv2.connectedComponentsWithStats(b8, connectivity=8)
    if n <= 1:
        return None
    steep, g, gx, gy = _sharpness(grey, bg)
    inner = b8 & (cv2.erode(b8, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                            borderValue=1) == 0)
    by, bx = np.nonzero(inner)
    bl = lab[by, bx]
    nb = np.bincount(bl, minlength=n).astype(np.float64)

    # Orientation (second moments) for the two sides of a line.
    ys, xs = np.nonzero(b8)
    lk = lab[ys, xs]
    dx, dy = xs - cen[lk, 0], ys - cen[lk, 1]
    sxx = np.bincount(lk, dx * dx, n)
    syy = np.bincount(lk, dy * dy, n)
    sxy = np.bincount(lk, dx * dy, n)
    ang = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    nx, ny = -np.sin(ang), np.cos(ang)
    rec, reached, ux, uy = _recovery(g, gx, gy, by, bx, dpi)
    # Shading fades back to the paper (or bed) level; a photograph's contour does not.
    back = (bg[by, bx] - reached) < BACK * margin
    rec = np.where(back, rec, 1.0)  # a side that does not come back to paper is no fade
    depth = np.zeros(n, np.float32)
    np.maximum.at(depth, lk.astype(np.intp),
                  np.maximum(bg[ys, xs] - grey[ys, xs].astype(np.float32), 0))
    c = _Components(
        n=n, lab=lab, px=dpi / 25.4, area=st[:, cv2.CC_STAT_AREA].astype(np.float64),
        w=st[:, cv2.CC_STAT_WIDTH].astype(np.float64),
        h=st[:, cv2.CC_STAT_HEIGHT].astype(np.float64), by=by, bx=bx, bl=bl, nb=nb,
        steep=steep, soft=np.empty(0), rec=rec, backs=np.empty(0),
        normal=_side_medians(n, bl, rec, (ux * nx[bl] + uy * ny[bl]) > 0),
        radial=_side_medians(n, bl, rec, (ux * (bx - cen[bl, 0]) + uy * (by - cen[bl, 1])) > 0),
        sxx=sxx, syy=syy, sxy=sxy, depth=depth)
    c.soft = c.share(steep[by, bx] < SOFT)
    c.backs = c.share(back)
    return c


def _soft_parts(c: _Components, black: np.ndarray, margin: float) -> np.ndarray:
    """Per component: a soft blob, a shallow fade or a fade, small, with no crisp stretch of
    ink edge and no sharp component beside it."""
    diam = 2 * np.sqrt(c.area / np.pi) / c.px
    fill = c.area / np.maximum(np.pi / 4 * c.w * c.h, 1)
    aspect = np.maximum(c.w, c.h) / np.maximum(np.minimum(c.w, c.h), 1)
    blob = ((c.soft > BLOB_SOFT_SHARE) & (diam >= BLOB_MM[0]) & (diam <= BLOB_MM[1])
            & (fill >= BLOB_FILL) & (aspect <= BLOB_ASPECT) & (c.backs >= BACK_SHARE))
    shallow = (c.depth < SHALLOW * margin) & (c.soft > SHALLOW_SOFT_SHARE)
    # Fades: soft all round and coming back to the paper slowly on every side.
    nrec = _side_medians(c.n, c.bl, c.rec, np.ones(len(c.bl), bool))[:, 1]
    fade = ((c.soft > FADE_SOFT_SHARE) & (nrec > -1) & (nrec < FADE_RECOVERY)
            & (c.backs >= BACK_SHARE))
    crisp = c.share((c.rec >= SHARP_RECOVERY) & (c.steep[c.by, c.bx] >= CRISP))
    small = (diam <= BLOB_MM[1]) | (_across(c) <= FADE_MAX_WIDTH_MM)  # not a photo's dark area
    soft_part = (blob | shallow | fade) & small & (c.area >= MIN_AREA) & (crisp < CRISP_SHARE)
    soft_part[0] = False
    sharp = (c.soft < SOFT_SHARE_SHARP) & (c.area >= MIN_AREA)
    sharp[0] = False
    out: np.ndarray = soft_part & _isolated(c.lab, black, soft_part, sharp, c.px, c.n)
    return out


def _across(c: _Components) -> np.ndarray:
    """Mean width along each component's longer side, in mm."""
    out: np.ndarray = c.area / np.maximum(np.maximum(c.w, c.h), 1) / c.px
    return out


def _one_sided_lines(c: _Components, shape: tuple[int, ...]) -> np.ndarray:
    """Per component: thin (area per boundary length) and long, straight or a sheet's
    outline; one side (across a line, or inside/outside a frame) fades, the other is a step."""
    width = 2 * c.area / np.maximum(c.nb, 1) / c.px
    length = np.maximum(c.w, c.h) / c.px
    one_sided = np.zeros(c.n, bool)
    for sides in (c.normal, c.radial):
        lo, hi = sides.min(axis=1), sides.max(axis=1)
        one_sided |= (lo > -1) & (lo < ONE_SIDED[0]) & (hi >= ONE_SIDED[1])
    common = np.sqrt(((c.sxx - c.syy) / 2) ** 2 + c.sxy ** 2)
    minor = np.sqrt(np.maximum((c.sxx + c.syy) / 2 - common, 0) / np.maximum(c.area, 1))
    straight = 2 * np.sqrt(3) * minor / c.px <= STRAIGHT_MM
    hh, ww = shape[:2]
    outline = (c.w >= OUTLINE_SHARE * ww) & (c.h >= OUTLINE_SHARE * hh)  # 2–4 sides of a sheet
    line = ((length >= LINE_MIN_MM) & (width <= LINE_MAX_WIDTH_MM) & one_sided
            & (straight | outline) & (c.area >= MIN_AREA))
    line[0] = False
    return line


def _mixed_shading(c: _Components, exclude: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Samples of long thin components with soft stretches (a crease's core crossing writing)
    that lie away from every sharp stretch of their boundary (bool per page sample)."""
    length = np.maximum(c.w, c.h) / c.px
    mixed = ((length >= MIXED_MIN_MM) & (_across(c) <= MIXED_MAX_WIDTH_MM)
             & (c.soft > MIXED_SOFT_SHARE) & ~exclude)
    mixed[0] = False
    if not mixed.any():
        return np.zeros(shape[:2], bool)
    keep = mixed[c.bl] & (c.rec >= SHARP_RECOVERY) & (c.steep[c.by, c.bx] >= SOFT)
    marks = np.zeros(shape[:2], np.uint8)
    marks[c.by[keep], c.bx[keep]] = 1
    r = max(1, round(NEAR_SHARP_MM * c.px))
    near = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    out: np.ndarray = mixed[c.lab] & (near == 0)
    return out


def shading_components(black: np.ndarray, grey: np.ndarray, bg: np.ndarray, margin: float,
                       dpi: float) -> np.ndarray:
    """The black samples (``black`` bool) that belong to components judged shading (bool)."""
    c = _measure(black, grey, bg, margin, dpi)
    if c is None:
        return np.zeros_like(black)
    soft_part = _soft_parts(c, black, margin)
    line = _one_sided_lines(c, black.shape)
    shade = soft_part[c.lab] | _mixed_shading(c, soft_part | line, black.shape)
    # Writing inside the shading (faint text across a crease) is a narrow valley in the shaded
    # paper (black top-hat, a stroke up to 2·RESCUE_PX wide): it stays.
    k = 2 * max(1, round(RESCUE_PX * dpi / 200.0)) + 1
    beside = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)).astype(
        np.float32) - grey
    shade &= beside < RESCUE * margin
    out: np.ndarray = shade | line[c.lab]
    return out


__all__ = ["shading_components"]
