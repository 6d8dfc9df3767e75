"""A band of the sheet's own lying along its edge on a dark bed (binding tape, a dark strip
printed or glued along the bound edge): dark like the bed, so the bed's tone takes it in and
the sheet found ends where its paper begins. What tells it from the bed is its outer edge: a
straight line parallel to the sheet's edge, where the tone steps to the bed's, over the
sheet's length. Painting that band as bed would erase part of the sheet; it is not told
apart well enough to place the sheet with it, so the page keeps its frame (``find_bed``).
Works on the reduced analysis image.
"""

from __future__ import annotations

import cv2
import numpy as np

BODY_FROM_MM = 2.0  # the band is looked at from this far beyond the sheet's edge found…
BODY_MIN_MM = 3.0  # …and is at least this wide (a shadow or a blend is a thin line)
BED_MIN_MM = 2.0  # bed of another tone is seen beyond it over at least this width
STEP_MIN = 3.0  # its tone and the bed's differ by at least this many levels…
STEP_SHARE = 0.5  # …each side of the step flat within this share of the step
STEP_SHARP_MM = 1.0  # …and the tone steps within this distance (light fades over mm)
SEGMENTS = 4  # the step is found in each of these stretches along the side…
STRAIGHT_MM = 1.0  # …at the same distance from the sheet's edge, within this (a straight
# line parallel to the edge)
SIDE_KEEP = 0.8  # the middle share of the side that is looked at (corners left out)
_SIDES = {"top": (0, 1), "right": (1, 2), "bottom": (2, 3), "left": (3, 0)}


def _profile(tone: np.ndarray, a: np.ndarray, b: np.ndarray, depth: int,
             t0: float, t1: float) -> np.ndarray:
    """Tone at distance 0..depth px beyond the side a→b (outward), for positions t0..t1 of
    its length (shares): (depth, n) float32, NaN beyond the frame."""
    d = b - a
    length = float(np.hypot(*d))
    u = d / max(length, 1e-6)
    normal = np.array([u[1], -u[0]])  # outward for TL, TR, BR, BL corners (y down)
    ts = np.arange(t0 * length, t1 * length, 1.0)
    ds = np.arange(depth, dtype=np.float64)
    px = a[0] + ts[None, :] * u[0] + ds[:, None] * normal[0]
    py = a[1] + ts[None, :] * u[1] + ds[:, None] * normal[1]
    out = cv2.remap(tone.astype(np.float32), px.astype(np.float32), py.astype(np.float32),
                    cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    out[out < 0] = np.nan
    return out


def _step(prof: np.ndarray, start: int, mm: float) -> tuple[int, float] | None:
    """Where a profile (tone by distance) steps from one flat tone to another: the
    distance and the step (inner minus outer), or None."""
    n = len(prof)
    w = max(2, round(STEP_SHARP_MM * mm))
    lo = start + max(1, round(BODY_MIN_MM * mm))
    hi = n - max(1, round(BED_MIN_MM * mm))
    if hi <= lo:
        return None
    best, at = 0.0, -1
    for s in range(lo, hi):
        diff = float(np.mean(prof[max(start, s - w):s]) - np.mean(prof[s:s + w]))
        if abs(diff) > abs(best):
            best, at = diff, s
    if at < 0:
        return None
    inner = prof[start:max(start + 1, at - w)]
    outer = prof[min(n - 1, at + w):]
    step = float(np.median(inner) - np.median(outer))
    if abs(step) < STEP_MIN or np.sign(step) != np.sign(best):
        return None
    flat = STEP_SHARE * abs(step)
    if np.ptp(inner) > flat or np.ptp(outer) > flat:
        return None
    return at, step


def edge_band(tone: np.ndarray, quad: np.ndarray, sides: tuple[str, ...], level: float,
              mm: float) -> str:
    """The first bed side along which a band of another tone than the bed beyond it lies on
    the sheet's edge, its outer edge a straight line parallel to that edge; '' if none."""
    h, w = tone.shape
    q = np.asarray(quad, np.float64)
    start = max(1, round(BODY_FROM_MM * mm))
    margin = (1 - SIDE_KEEP) / 2
    for side in sides:
        a, b = q[_SIDES[side][0]], q[_SIDES[side][1]]
        prof = _profile(tone, a, b, max(h, w), margin, 1 - margin)
        seen = np.mean(~np.isnan(prof), axis=1) >= 0.9  # distances within the frame
        depth = int(np.argmin(seen)) if not seen.all() else len(seen)
        if depth <= start:
            continue
        whole = np.nanmedian(prof[:depth], axis=1)
        found = _step(whole, start, mm)
        if found is None or whole[start] > 0.75 * level:  # the band is dark (bed-like)
            continue
        at, step = found
        parts = np.array_split(prof[:depth], SEGMENTS, axis=1)
        ats = []
        for part in parts:
            rows = np.mean(~np.isnan(part), axis=1) >= 0.5
            cut = int(np.argmin(rows)) if not rows.all() else len(rows)
            got = _step(np.nanmedian(part[:cut], axis=1), start, mm) if cut > start else None
            if got is None or np.sign(got[1]) != np.sign(step):
                break
            ats.append(got[0])
        if (len(ats) == SEGMENTS and max(ats) - min(ats) <= STRAIGHT_MM * mm
                and max(abs(a - at) for a in ats) <= STRAIGHT_MM * mm):
            return side
    return ""
