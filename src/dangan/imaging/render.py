"""Resample the full-resolution page once, paint out the bed and the holes, set the mode.

Colour pages are warped as JPEG's own planes (full-range Y at full resolution, Cb/Cr at half)
so the costliest operation of the line touches half the samples an RGB warp would, and the
encoder skips its colour conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.bilevel import binarise, binarise_paper, is_bilevel
from dangan.imaging.bilevel_loss import Chroma, losses
from dangan.imaging.context import RetouchOptions
from dangan.imaging.geometry import scaled, transform


@dataclass
class Rendered:
    planes: tuple[np.ndarray, ...]  # (Y, Cb, Cr) at 4:2:0, or (grey,), or (bilevel 0/255,)
    kind: str  # ycc420 | grey | bilevel
    # review reasons (code, detail): what the mode could not keep (``bilevel_loss``)
    review: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fill:
    """What to paint over in output px: outside ``paper`` (plus a ``rim`` px wide band along
    its edge, where paper and bed blend), and the ``holes`` (x, y, r)."""

    paper: np.ndarray | None
    rim: float
    holes: tuple[tuple[float, float, float], ...]
    # Where painting outside ``paper`` is allowed: a mask and its map to output px. Content
    # and paper beyond the sheet lie outside it and are never painted.
    zone: tuple[np.ndarray, np.ndarray] | None = None


def _even(a: np.ndarray) -> np.ndarray:
    h, w = a.shape[:2]
    return a[: h - h % 2, : w - w % 2]


def paint(plane: np.ndarray, fill: Fill, value: float, factor: float,
          allowed: np.ndarray | None = None) -> None:
    """Paint ``fill`` on ``plane`` (output px × ``factor``); ``allowed``: the paint zone on
    this plane when already warped (``_allowed``)."""
    h, w = plane.shape[:2]
    v = round(value)
    if fill.paper is not None:
        target = plane if fill.zone is None else plane.copy()
        outline = np.round(((fill.paper + 0.5) * factor - 0.5) * 16).astype(np.int32)
        frame = np.array([[-2, -2], [w + 1, -2], [w + 1, h + 1], [-2, h + 1]], np.int32) * 16
        cv2.fillPoly(target, [frame, outline], v, cv2.LINE_8, 4)  # even-odd: outside only
        thick = max(1, round(2 * fill.rim * factor))
        cv2.polylines(target, [outline], True, v, thick, cv2.LINE_8, 4)
        if fill.zone is not None:
            zone = allowed if allowed is not None else _allowed(fill.zone, factor, (w, h))
            np.copyto(plane, target, where=zone)
    for x, y, r in fill.holes:
        cx, cy, rr = (x + 0.5) * factor - 0.5, (y + 0.5) * factor - 0.5, r * factor
        c = (round(cx * 16), round(cy * 16))
        cv2.circle(plane, c, round(rr * 16), local_tone(plane, cx, cy, rr, v), -1,
                   cv2.LINE_8, 4)


HOLE_RING = (1.5, 2.3)  # a hole is filled with the tone of the paper this far out (radii)…
HOLE_TONE_SHARE = 0.6  # …its upper middle (a stroke or the rim's shadow there is darker)…
HOLE_TONE_MIN = 0.5  # …unless darker than this share of the paper's tone (bed beside it)


def local_tone(plane: np.ndarray, cx: float, cy: float, r: float, value: int) -> int:
    """The tone of the plain paper in a ring round a hole on ``plane`` (centre and radius in
    its px): a lamp's gradient dims the paper across the page, and the page's one paper tone
    (``value``) would leave a light disc in a dim margin. ``value`` where the ring is off the
    plane or darker than ``HOLE_TONE_MIN`` of it (bed, not paper)."""
    h, w = plane.shape[:2]
    out = r * HOLE_RING[1]
    x0, x1 = max(0, int(cx - out)), min(w, int(cx + out) + 2)
    y0, y1 = max(0, int(cy - out)), min(h, int(cy + out) + 2)
    if x1 <= x0 or y1 <= y0:
        return value
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx - cx, yy - cy)
    ring = plane[y0:y1, x0:x1][(d >= r * HOLE_RING[0]) & (d <= out)]
    if ring.size < 20:
        return value
    tone = float(np.quantile(ring, HOLE_TONE_SHARE))
    return round(tone) if tone >= HOLE_TONE_MIN * value else value


def _allowed(zone: tuple[np.ndarray, np.ndarray], factor: float, size: tuple[int, int]
             ) -> np.ndarray:
    """The paint zone (analysis px) on the output plane. It is warped at a quarter of the
    plane's size — the zone is no finer than that — and brought up by a cheap resize."""
    mask, to_out = zone
    w, h = size
    q = 0.25
    qsize = (max(1, round(w * q)), max(1, round(h * q)))
    # Beyond the scanned frame there is nothing to protect.
    small = cv2.warpAffine(mask, scaled(to_out, 1.0, factor * q), qsize, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    full: np.ndarray = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) > 63
    return full


def _warp(plane: np.ndarray, m: np.ndarray, size: tuple[int, int], value: float) -> np.ndarray:
    out: np.ndarray = cv2.warpAffine(plane, m, size, flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=float(value))
    return out


def half_size(rgb: np.ndarray) -> np.ndarray:
    """The page at half resolution (box filter): JPEG's chroma grid, and a cheap pyramid level."""
    even = _even(rgb)
    h, w = even.shape[:2]
    out: np.ndarray = cv2.resize(even, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return out


def render(rgb: np.ndarray | None, grey: np.ndarray, matrix: np.ndarray,
           size: tuple[int, int], paper_rgb: tuple[float, float, float], fill: Fill,
           opts: RetouchOptions, half: np.ndarray | None = None) -> Rendered:
    """Warp ``grey`` (and ``rgb`` for colour) by ``matrix`` onto a ``size`` canvas."""
    pr, pg, pb = paper_rgb
    y_level = 0.299 * pr + 0.587 * pg + 0.114 * pb
    if opts.mode == "bilevel" and is_bilevel(grey):
        # Already bilevel (a Group 4 scan, a dithered photo): only the geometry is applied,
        # nearest-neighbour, and nothing is thresholded again.
        out = cv2.warpAffine(grey, matrix, size, flags=cv2.INTER_NEAREST,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=255)
        paint(out, fill, 255, 1.0)
        return Rendered((out,), "bilevel")
    y = _warp(grey, matrix, size, y_level)
    paint(y, fill, y_level, 1.0)
    if opts.mode == "bilevel":
        out, bg = binarise_paper(y, y_level, opts.dpi)
        chroma = (_chroma(rgb, half, matrix, size, paper_rgb, fill)
                  if rgb is not None else None)
        return Rendered((out,), "bilevel",
                        tuple(losses(out, y, bg, y_level, opts.dpi, chroma)))
    if opts.mode == "grey" or rgb is None:
        return Rendered((y,), "grey")
    c = _chroma(rgb, half, matrix, size, paper_rgb, fill)
    return Rendered((y, c.cb, c.cr), "ycc420")


def _chroma(rgb: np.ndarray, half: np.ndarray | None, matrix: np.ndarray,
            size: tuple[int, int], paper_rgb: tuple[float, float, float], fill: Fill) -> Chroma:
    """The page's chroma planes warped at half the output's size, bed and holes painted."""
    ycc = cv2.cvtColor(half if half is not None else half_size(rgb), cv2.COLOR_RGB2YCrCb)
    paper_ycc = cv2.cvtColor(np.array([[paper_rgb]], np.uint8), cv2.COLOR_RGB2YCrCb)[0, 0]
    csize = ((size[0] + 1) // 2, (size[1] + 1) // 2)
    cm = scaled(matrix, 0.5, 0.5)
    cr = _warp(ycc[:, :, 1], cm, csize, float(paper_ycc[1]))
    cb = _warp(ycc[:, :, 2], cm, csize, float(paper_ycc[2]))
    # both chroma planes share one grid: their paint zone is warped once
    zone = (_allowed(fill.zone, 0.5, csize)
            if fill.paper is not None and fill.zone is not None else None)
    paint(cr, fill, float(paper_ycc[1]), 0.5, zone)
    paint(cb, fill, float(paper_ycc[2]), 0.5, zone)
    return Chroma(cr, cb, float(paper_ycc[1]), float(paper_ycc[2]))


def paper_colour(rgb: np.ndarray | None, grey: np.ndarray, points: np.ndarray) -> tuple[float, float, float]:
    """Median colour at sample ``points`` (scan px) taken to be bare paper: inside the sheet and
    away from ink. A dark photograph covering most of a sheet is no ink (it is as dark as its
    own surround), so samples under half as bright as the light ones (their 90th percentile)
    are left out: print, not paper. Uneven light (paper 40 % darker on one side) and an
    underexposed scan (every sample dark alike) keep all their samples."""
    if len(points) == 0:
        level = float(np.percentile(grey[::16, ::16], 90))
        return level, level, level
    xs = np.clip(points[:, 0].astype(int), 0, grey.shape[1] - 1)
    ys = np.clip(points[:, 1].astype(int), 0, grey.shape[0] - 1)
    tone = grey[ys, xs].astype(np.float32)
    light = tone >= 0.5 * float(np.percentile(tone, 90))
    xs, ys = xs[light], ys[light]
    if rgb is None:
        v = float(np.median(grey[ys, xs]))
        return v, v, v
    med = np.median(rgb[ys, xs].astype(np.float32), axis=0)
    return float(med[0]), float(med[1]), float(med[2])


__all__ = ["Fill", "Rendered", "binarise", "paint", "paper_colour", "render", "transform"]
