"""The scanner bed a hole shows: a solid disc is a binding hole only when its tone is that of
the bed seen beside the sheet next to it.

A printed dot (a bullet, a seal's dot, a mark at a hole's place) is as dark as ink, round and
solid too. A hole shows the bed's own tone, the tone of the bed seen just beside the sheet
next to it (the light falls the same there); a printed disc of another tone than that bed is
told by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import percentile_u8

BED_DARKER = 0.8  # bed pixels are darker than this share of the paper level
BED_MIN_MM2 = 60.0  # bed seen beside the sheet (a 2 mm strip 30 mm long) to know its tone
BED_SHARE = 0.5  # share of what lies outside the sheet that must be bed-dark
BED_CLEAR_MM = 2.0  # the paper outline's blend and shadow, left out of the bed
BED_NEAR_MM = 25.0  # the bed compared with a disc: within this of the nearest bed seen
BED_NEAR_MIN_MM2 = 20.0  # at least this much of it
BED_FAR_MM = 60.0  # no bed seen this close to a disc: compared with all the bed seen
BED_TONE_MIN = 6.0  # grey levels a hole may differ from the bed beside it (JPEG, shading)
BED_TONE_NOISE = 3.0  # or this many times the bed's own spread (a textured or noisy bed)
BED_TONE_LIGHT = 0.06  # plus this share of the bed's level (the light a few cm away)


@dataclass(frozen=True)
class BedSeen:
    """The scanner bed seen between the sheet and the frame, at about 1 px per mm."""

    level: float  # median tone of all the bed seen
    paper: float  # the sheet's paper level
    xs: np.ndarray  # bed pixels, scan px (centres)
    ys: np.ndarray
    tones: np.ndarray
    mm: float  # scan px per mm

    def near(self, x: float, y: float) -> tuple[float, float]:
        """(tone, spread) of the bed seen nearest the point (scan px): within ``BED_NEAR_MM``
        of the closest bed pixel; all the bed seen when none lies within ``BED_FAR_MM``."""
        d = np.hypot(self.xs - x, self.ys - y) / self.mm
        sel = self.tones[d <= float(d.min()) + BED_NEAR_MM]
        if float(d.min()) > BED_FAR_MM or sel.size < BED_NEAR_MIN_MM2:
            sel = self.tones
        med = float(np.median(sel))
        return med, 1.4826 * float(np.median(np.abs(sel - med)))


def bed_tone(grey: np.ndarray, quad_scan: np.ndarray, scan_mm: float,
             dark: bool = True) -> BedSeen | None:
    """The scanner bed seen between the sheet and the frame (``quad_scan``: the sheet's
    corners, scan px): its level, the paper's level and where it lies; None when the sheet
    fills the frame or what lies beside it is not darker than the paper (a white bed or lid).
    ``dark=False``: whatever lies beside the sheet, of any tone (a white lid too)."""
    k = max(1, round(scan_mm))  # about 1 px per mm
    work = cv2.resize(grey, (max(1, grey.shape[1] // k), max(1, grey.shape[0] // k)),
                      interpolation=cv2.INTER_AREA)
    sx, sy = grey.shape[1] / work.shape[1], grey.shape[0] / work.shape[0]
    mm = scan_mm / sx
    hull = np.zeros(work.shape, np.uint8)
    pts = (quad_scan + 0.5) / sx - 0.5
    cv2.fillPoly(hull, [np.round(pts).astype(np.int32)], 1)
    inside = work[hull > 0]
    if inside.size == 0:
        return None
    paper = float(percentile_u8(inside, 90))
    clear = max(1, round(BED_CLEAR_MM * mm))
    grown = cv2.dilate(hull, np.ones((2 * clear + 1, 2 * clear + 1), np.uint8))
    outside = work[grown == 0]
    min_px = BED_MIN_MM2 * mm * mm
    if outside.size < min_px:
        return None
    if not dark:
        ys, xs = np.nonzero(grown == 0)
        return BedSeen(float(np.median(outside)), paper, (xs + 0.5) * sx - 0.5,
                       (ys + 0.5) * sy - 0.5, work[ys, xs].astype(np.float32), scan_mm)
    seen = outside[outside < BED_DARKER * paper]
    if seen.size < max(min_px, BED_SHARE * outside.size):
        return None
    ys, xs = np.nonzero((grown == 0) & (work < BED_DARKER * paper))
    return BedSeen(float(np.median(seen)), paper, (xs + 0.5) * sx - 0.5, (ys + 0.5) * sy - 0.5,
                   work[ys, xs].astype(np.float32), scan_mm)


def bed_gap(tone: float, bed: BedSeen | None, at: tuple[float, float]) -> float | None:
    """How far a disc of grey level ``tone`` at ``at`` (scan px) lies from the tone of the bed
    seen nearest it, in tolerances (the bed's own spread, JPEG, the light): 1 or less is the
    bed's tone. None when no bed is seen."""
    if bed is None:
        return None
    level, spread = bed.near(*at)
    tol = max(BED_TONE_MIN, BED_TONE_NOISE * spread) + BED_TONE_LIGHT * level
    return abs(tone - level) / tol


def shows_bed(tone: float, bed: BedSeen | None, at: tuple[float, float]) -> bool:
    """Is a disc of grey level ``tone`` at ``at`` (scan px) the bed seen through the sheet?
    Its tone must be the tone of the bed seen nearest it, within the bed's own spread."""
    gap = bed_gap(tone, bed, at)
    return gap is not None and gap <= 1.0


def frame_filled(quad_scan: np.ndarray, shape: tuple[int, ...], scan_mm: float) -> bool:
    """Does the sheet fill the frame, leaving too little beside it to see a bed?"""
    h, w = shape[:2]
    q = quad_scan.astype(np.float32)
    outside = w * h - abs(float(cv2.contourArea(q)))
    outside -= cv2.arcLength(q, True) * BED_CLEAR_MM * scan_mm  # the outline's blend
    return outside < BED_MIN_MM2 * scan_mm * scan_mm


# --- the punched edge: a hole shows the bed with the shadow its cut edge casts on it, inside
# the rim only; print has paper on both sides of its edges and no such shadow.
PROFILE_PX_PER_MM = 8.0  # resolution of the rim profiles (a 0.3 mm line is 2–3 px)
PROFILE_STEP_MM = 0.05
SHADOW_MIN = 5.0  # grey levels the band inside a disc's rim lies below its middle: a shadow
RIM_ONE_SIDED = 1.2  # a shadow rim's darkness inside the rim over that outside it (print: 1)
RIM_SOFT_INSIDE = 1.2  # a shadow rim's width inside over that outside, each side against its
# own level and depth: the shadow fades inwards, the cut edge is sharp (a printed line: 1)
RIM_FADE_MM = 0.4  # a shadow rim is still this dark this far inside its darkest point…
RIM_FADE_MIN = 0.1  # …this share of its depth below the inside's level: a cut edge's shadow
# fades over millimetres; a printed outline (ink 0.3-0.6 mm wide) has ended there. Dev
# pagegen white lid (seeds 1000-1299): real holes >= 0.15; lid-toned printed discs with an
# outline (6000-6199) <= 0.05, of which those judged soft (``RIM_SOFT_INSIDE``) were filled


def _polar(grey: np.ndarray, cx: float, cy: float, scan_mm: float, rho_mm: np.ndarray
           ) -> np.ndarray | None:
    """Tones around (cx, cy) (scan px) at the radii ``rho_mm``, 180 angles × radii, at about
    ``PROFILE_PX_PER_MM``; None near the frame."""
    k = max(1, int(scan_mm // PROFILE_PX_PER_MM))
    half = int(float(rho_mm.max()) * scan_mm) + 2
    x0, y0 = int(cx) - half, int(cy) - half
    if x0 < 0 or y0 < 0 or x0 + 2 * half + 1 > grey.shape[1] or y0 + 2 * half + 1 > grey.shape[0]:
        return None
    crop: np.ndarray = grey[y0:y0 + 2 * half + 1, x0:x0 + 2 * half + 1].astype(np.float32)
    ccx, ccy, mm = cx - x0, cy - y0, scan_mm
    if k > 1:
        crop = cv2.resize(crop, None, fx=1 / k, fy=1 / k, interpolation=cv2.INTER_AREA)
        ccx, ccy, mm = (ccx + 0.5) / k - 0.5, (ccy + 0.5) / k - 0.5, scan_mm / k
    th = np.arange(180) * (2 * np.pi / 180)
    mx = (ccx + rho_mm[None, :] * mm * np.cos(th)[:, None]).astype(np.float32)
    my = (ccy + rho_mm[None, :] * mm * np.sin(th)[:, None]).astype(np.float32)
    out: np.ndarray = cv2.remap(crop, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out


def edge_shadow(grey: np.ndarray, cx: float, cy: float, scan_mm: float
                ) -> tuple[float, float]:
    """How much darker (grey levels) the millimetre inside a solid disc's rim is than the
    disc's middle — the shadow of a punched edge on the bed seen through it, 0 for a printed
    dot, flat to its edge — and the paper's level around it. Scan px; (0, 0) when it cannot
    be measured."""
    rho = np.arange(0.0, 7.0, PROFILE_STEP_MM)
    polar = _polar(grey, cx, cy, scan_mm, rho)
    if polar is None:
        return 0.0, 0.0
    prof = np.median(polar, axis=0)
    centre = float(np.median(polar[:, rho < 1.2]))
    paper = float(np.percentile(polar[:, rho > 5.0], 90))
    above = np.flatnonzero((prof > (centre + paper) / 2) & (rho > 1.0))
    if not len(above):
        return 0.0, paper
    r = float(rho[above[0]])  # the rim: where the tone crosses halfway to the paper
    band = (rho > r - 1.0) & (rho < r)
    mid = float(np.median(polar[:, (rho > 0.3 * r) & (rho < r - 1.0)])) if r > 1.5 else centre
    return max(0.0, mid - float(prof[band].min())), paper


def rim_sides(grey: np.ndarray, cx: float, cy: float, r: float, scan_mm: float
              ) -> tuple[float, float, float, float] | None:
    """A ring's rim at full resolution (up to ``PROFILE_PX_PER_MM``): its depth as a share of
    the paper level around it; how one-sided it is — its darkness over 0.8 mm inside the
    rim over that outside (a punched edge's shadow lies inside: > 1; a printed line has
    paper on both sides: about 1); and how much wider its dark band is inside than outside,
    each side measured against its own level and depth (the lid inside a hole may be darker
    or lighter than the paper: a shadow fades inwards from a sharp cut edge, > 1; a printed
    line has the same edge on both sides: about 1); and how dark it still is
    ``RIM_FADE_MM`` inside its darkest point, a share of its depth below the inside's level
    (a shadow still fades there; a printed line has ended). Scan px; None near the frame."""
    step = PROFILE_STEP_MM
    d = np.arange(-2.0, 2.0 + step / 2, step)
    r_mm = r / scan_mm
    if r_mm <= 2.1:
        return None
    polar = _polar(grey, cx, cy, scan_mm, r_mm + d)
    if polar is None:
        return None
    # each angle aligned on its own darkest point within 1 mm of the fitted radius
    win = np.flatnonzero(np.abs(d) <= 1.0)
    at = win[np.argmin(polar[:, win], axis=1)]
    n = round(2.0 / step)
    grid = np.arange(-n, n + 1)
    cols = np.clip(at[:, None] + grid[None, :], 0, len(d) - 1)
    prof = np.median(np.take_along_axis(polar, cols, axis=1), axis=0)
    m = round(0.8 / step)
    lev_in = float(np.median(prof[:n - m]))
    lev_out = float(np.median(prof[n + m:]))
    low = float(prof[n])
    depth = min(lev_in, lev_out) - low
    if depth <= 0:
        return None
    inner = float(np.clip(lev_in - prof[n - m:n], 0, None).sum())
    outer = float(np.clip(lev_out - prof[n + 1:n + m + 1], 0, None).sum())
    d_in, d_out = max(1.0, lev_in - low), max(1.0, lev_out - low)
    w_in = float(np.clip((lev_in - prof[n - m:n]) / d_in, 0, 1).sum())
    w_out = float(np.clip((lev_out - prof[n + 1:n + m + 1]) / d_out, 0, 1).sum())
    fade = (lev_in - float(prof[n - round(RIM_FADE_MM / step)])) / d_in
    return depth / max(1.0, lev_out), inner / max(outer, depth), w_in / max(w_out, 1.0), fade


# --- a hole over a white lid shows the lid, not the paper: the disc inside a ring is of the
# lid's tone seen beside the sheet and stands apart from the paper around it; a printed ring
# has paper inside (the tone of the paper around it, whatever its line).
LID_STEP_MIN = 5.0  # grey levels the inside must differ from the paper around
LID_STEP_NOISE = 3.0  # or this many times the paper's own spread around the ring


def shows_lid(inside: float, around: float, noise: float, lid: BedSeen | None,
              at: tuple[float, float]) -> bool:
    """Does a ring's inside (grey level ``inside``; ``around``: the paper around it, with its
    spread ``noise``) show the lid seen beside the sheet nearest ``at`` (scan px) rather than
    paper? Its tone must stand apart from the paper's, on the lid's side of it, and be the
    lid's (``bed_gap``), nearer it than the paper's (the light on the lid beside the sheet
    is not quite that on the hole). False when no lid is seen."""
    if lid is None:
        return False
    step = inside - around
    if abs(step) < max(LID_STEP_MIN, LID_STEP_NOISE * noise):
        return False
    level, _spread = lid.near(*at)
    if (level - around) * step <= 0:
        return False
    gap = bed_gap(inside, lid, at)
    return gap is not None and gap <= 1.0 and abs(inside - level) < abs(step)
