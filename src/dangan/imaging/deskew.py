"""Measure the skew of a page from its content, by projection profiles of ink pixels.

For a candidate angle the ink pixels are sheared onto the vertical axis and histogrammed;
text lines, table rules and photo edges make the histogram peaky exactly at the true
angle. A coarse search over the allowed range is refined twice (0.05°, then a parabola
through the best three), which gives a few hundredths of a degree at 100 dpi. The angle is
in degrees, counter-clockwise positive as the page is seen (a line rising to the right).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.imaging.stats import components_with_stats

MAX_POINTS = 30_000
COARSE_POINTS = 6_000
DITHER_PX = 0.5  # (a uniform ±0.5 px fills each pixel exactly and keeps the grid's rows)


@dataclass(frozen=True)
class SkewEstimate:
    angle_deg: float
    confidence: float  # peak prominence of the profile score, 0 (flat) … 1
    points: int
    axis: str = "rows"  # rows: lines across the page; columns: vertical script (竖排)
    text_only: bool = False  # measured on character-sized marks only
    verified: bool = False  # a fit of the text lines gives the same angle


def ink_points(binary: np.ndarray, limit: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """(n, 2) float32 (x, y) of ink pixels, evenly thinned to at most ``limit``, each moved
    by a random fraction of a pixel (σ ``DITHER_PX``, the same way for the same ``seed``):
    points on a pixel grid keep its rows, and a profile finds them as a sharp peak at the
    grid's own angle — 0° on the scan, the angle it was turned by on the output — which
    pulls a skew of a few tenths of a degree towards it."""
    nz = cv2.findNonZero(binary)
    if nz is None:
        return np.zeros((0, 2), np.float32)
    pts = nz.reshape(-1, 2).astype(np.float32)
    if len(pts) > limit:
        step = len(pts) / limit
        pts = pts[(np.arange(limit) * step).astype(np.int64)]
    jitter = np.random.default_rng(seed).normal(0.0, DITHER_PX, pts.shape).astype(np.float32)
    out: np.ndarray = pts + jitter
    return out


def profile_scores(pts: np.ndarray, angles_deg: np.ndarray, bin_px: float = 1.0) -> np.ndarray:
    """Sum of squared row-histogram counts after shearing by each angle (higher = sharper)."""
    if len(pts) == 0:
        return np.zeros(len(angles_deg))
    x = pts[:, 0] - pts[:, 0].mean()
    y = pts[:, 1]
    tans = np.tan(np.deg2rad(angles_deg)).astype(np.float32)
    offset = float(np.abs(x).max() * np.abs(tans).max()) + 1
    nbins = int((float(y.max()) + 2 * offset) / bin_px) + 2
    scores = np.empty(len(angles_deg))
    chunk = max(1, 1_500_000 // len(pts))
    for start in range(0, len(tans), chunk):
        t = tans[start : start + chunk, None]
        rows = ((y[None, :] + x[None, :] * t + offset) * (1.0 / bin_px)).astype(np.int32)
        rows += (np.arange(len(t), dtype=np.int32) * nbins)[:, None]
        counts = np.bincount(rows.ravel(), minlength=len(t) * nbins).reshape(len(t), nbins)
        c = counts.astype(np.float64)
        scores[start : start + len(t)] = (c * c).sum(axis=1)
    return scores


def _parabola_peak(angles: np.ndarray, scores: np.ndarray) -> float:
    i = int(np.argmax(scores))
    if i == 0 or i == len(scores) - 1:
        return float(angles[i])
    y0, y1, y2 = scores[i - 1], scores[i], scores[i + 1]
    denom = y0 - 2 * y1 + y2
    step = float(angles[i + 1] - angles[i])
    if denom >= 0:
        return float(angles[i])
    return float(angles[i] + 0.5 * step * (y0 - y2) / denom)


def coarse_search(pts: np.ndarray, max_deg: float, step: float = 0.5) -> tuple[float, float, float]:
    """Best angle on a coarse grid, its score and the prominence of the peak."""
    sub = pts[:: max(1, len(pts) // COARSE_POINTS)]
    angles = np.arange(-max_deg, max_deg + step / 2, step)
    scores = profile_scores(sub, angles, bin_px=2.0)
    best = float(scores.max())
    base = float(np.median(scores))
    prominence = 0.0 if best <= 0 else (best - base) / best
    return float(angles[int(np.argmax(scores))]), best, prominence


def measure_skew(pts: np.ndarray, max_deg: float, around: SkewEstimate | None = None,
                 rough: bool = False) -> SkewEstimate:
    """Skew of the ink points ``pts`` (x, y in analysis px) within ±``max_deg``.

    With ``around`` (an estimate made at a lower resolution) only the fine search is run;
    ``rough`` stops after a 0.1° search (enough to check agreement with the paper edge).
    """
    if len(pts) < 50:
        return SkewEstimate(0.0, 0.0, len(pts))
    if around is not None and around.axis == "columns":
        pts = columns(pts)
    if around is not None:
        coarse, prominence = around.angle_deg, around.confidence
    else:
        coarse, _, prominence = coarse_search(pts, max_deg)
    fine = np.arange(coarse - 0.4, coarse + 0.4001, 0.1)
    scores = profile_scores(pts[::2], fine)
    best = float(fine[int(np.argmax(scores))])
    axis, text = (around.axis, around.text_only) if around is not None else ("rows", False)
    if rough:
        return SkewEstimate(best, prominence, len(pts), axis, text)
    finer = np.arange(best - 0.1, best + 0.1001, 0.025)
    angle = _parabola_peak(finer, profile_scores(pts, finer))
    return SkewEstimate(angle, prominence, len(pts), axis, text)


# --- pages whose ink is not mostly text lines: charts, photos, drawings, vertical script.
MIN_CONFIDENCE = 0.3  # a profile peak this prominent is a measurement, not noise
MIN_POINTS = 300
TEXT_MAX_MM = 10.0  # a mark larger than this both ways is no character (photo, chart, frame)
LINES_AGREE_DEG = 0.3  # profile and line fit within this: the angle is trusted


def columns(pts: np.ndarray) -> np.ndarray:
    """The points turned a quarter, so that columns of vertical script read as rows; the
    skew angle is the same."""
    if len(pts) == 0:
        return pts
    out: np.ndarray = np.column_stack([pts[:, 1], pts[:, 0].max() - pts[:, 0]]).astype(np.float32)
    return out


def text_marks(ink: np.ndarray, mm: float) -> np.ndarray:
    """The ink without marks larger than a character both ways (photos, chart bodies,
    drawings, frames): what is left is text, lines of it."""
    _n, labels, stats, _ = components_with_stats(ink)
    big = ((stats[:, cv2.CC_STAT_WIDTH] > TEXT_MAX_MM * mm)
           & (stats[:, cv2.CC_STAT_HEIGHT] > TEXT_MAX_MM * mm))
    big[0] = False
    if not big.any():
        return ink
    out = ink.copy()
    out[big[labels]] = 0
    return out


def confident(est: SkewEstimate) -> bool:
    return est.confidence >= MIN_CONFIDENCE and est.points >= MIN_POINTS


RULE_CUT_MM = 5.0  # an upright stroke this tall is a column rule or a frame, no character


def without_column_rules(ink: np.ndarray, mm: float) -> np.ndarray:
    """The ink without upright strokes taller than a character (the column rules and side
    frames of a table or a form), so that each row rule and each line of cell text stands
    alone instead of being joined with all the others into one grid."""
    tall = max(3, round(RULE_CUT_MM * mm))
    upright = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((tall, 1), np.uint8))
    if not upright.any():
        return ink
    # one pixel either side too: a rule leaning a little steps sideways
    out: np.ndarray = cv2.subtract(ink, cv2.dilate(upright, np.ones((1, 3), np.uint8)))
    return out


BAND_FIT_PX = 0.5  # a band's fitted angle is good to this over its length (a short one's
# tolerance grows beyond ``LINES_AGREE_DEG``: a table cell's words)
LINE_ROWS = 3  # the agreeing bands lie on this many rows of the page at least, or on two
LONG_LINE_MM = 100.0  # when one of them is a line this long (its own fit is good to 0.3°)


def _band_angle(labels: np.ndarray, i: int, box: tuple[int, int, int, int]) -> float | None:
    x, y, w, h = box
    ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
    if len(xs) < 20:
        return None
    slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
    return -float(np.rad2deg(np.arctan(slope)))


def _rows(centres: np.ndarray, sizes: np.ndarray, angle_deg: float) -> int:
    """How many rows of the page the bands (centres x, y; sizes w, h) lie on, their centres
    taken back level by ``angle_deg`` and told apart by the bands' own thickness."""
    t = np.tan(np.deg2rad(angle_deg))
    level = np.sort(centres[:, 1] + centres[:, 0] * t)
    thick = np.maximum(2.0, sizes[:, 1] - sizes[:, 0] * abs(t))
    return 1 + int((np.diff(level) > 0.7 * float(np.median(thick))).sum())


def line_fit_angle(ink: np.ndarray, mm: float) -> float | None:
    """Skew from the lines of the page themselves, independently of projection profiles:
    the characters of a line are joined into one band (a row rule of a table is one
    already, once the column rules are taken out), a straight line is fitted through each
    long band, and the angle is the length-weighted median. ``None`` unless most of the
    weight agrees with it on three rows at least (two, when one is a long line).

    A band 2 px high or less is one step of a thin rule's staircase (level by itself
    whatever the rule's slope): it is left out. A short band (a table cell's words) fits
    its angle only to about half a pixel over its length, and agrees within that."""
    k = max(3, round(3.0 * mm) | 1)
    bands = cv2.morphologyEx(without_column_rules(ink, mm), cv2.MORPH_CLOSE,
                             np.ones((1, k), np.uint8))
    _n, labels, stats, _ = components_with_stats(bands)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    # long, flat bands (all at once), thicker than a staircase step
    long = (width >= 15 * mm) & (width >= 4 * height) & (height > 2)
    long[0] = False
    angles, weights, tols, centres, sizes = [], [], [], [], []
    for i in np.flatnonzero(long):
        x, y, w, h, _area = (int(v) for v in stats[i])
        angle = _band_angle(labels, int(i), (x, y, w, h))
        if angle is None:
            continue
        angles.append(angle)
        weights.append(float(w))
        tols.append(max(LINES_AGREE_DEG, float(np.rad2deg(BAND_FIT_PX / w))))
        centres.append((x + w / 2, y + h / 2))
        sizes.append((w, h))
    if len(angles) < 3:
        return None
    a, wt = np.asarray(angles), np.asarray(weights)
    order = np.argsort(a)
    cum = np.cumsum(wt[order])
    median = float(a[order][int(np.searchsorted(cum, cum[-1] / 2))])
    # Most of the text must run at that angle: lines of a few words, a signature or a
    # drawing joined into bands give scattered angles, and no answer.
    agree = np.abs(a - median) <= np.asarray(tols)
    if float(wt[agree].sum()) < 0.6 * float(wt.sum()):
        return None
    rows = _rows(np.asarray(centres)[agree], np.asarray(sizes, np.float64)[agree], median)
    longest = max(w for (w, _h), ok in zip(sizes, agree, strict=True) if ok)
    long_line = longest >= LONG_LINE_MM * mm
    if rows < LINE_ROWS and not (rows == LINE_ROWS - 1 and long_line):
        return None
    return median


def text_skew(ink: np.ndarray, mm: float, max_deg: float, turn90: bool = False,
              rough: bool = False) -> SkewEstimate:
    """Skew from the text alone, across lines (rows) or down columns (竖排), for a page whose
    whole ink gives no confident angle. Trusted only when the projection profile and a fit
    of the text lines themselves agree; else its confidence is 0."""
    text = text_marks(ink, mm)
    if turn90:
        text = np.ascontiguousarray(np.rot90(text, -1))
    pts = ink_points(text)
    found: list[SkewEstimate] = []
    for axis in ("rows", "columns"):
        p = pts if axis == "rows" else columns(pts)
        if len(p) < MIN_POINTS:
            continue
        est = measure_skew(p, max_deg, rough=rough)
        if est.confidence < MIN_CONFIDENCE / 2:
            continue
        lines = line_fit_angle(text if axis == "rows" else np.ascontiguousarray(np.rot90(text)),
                               mm)
        if lines is not None and abs(lines - est.angle_deg) <= LINES_AGREE_DEG:
            found.append(SkewEstimate(est.angle_deg, max(est.confidence, MIN_CONFIDENCE),
                                      est.points, axis, True, True))
    if not found:
        return SkewEstimate(0.0, 0.0, len(pts), "rows", True)
    return max(found, key=lambda e: e.confidence)


# --- after the fact: an angle is applied only where independent evidence agrees.
AFTER_LEVEL_DEG = 0.5  # the page's lines this close to level once turned: the angle agrees
AFTER_WRONG_DEG = 1.0  # …this far from level: it is wrong (between: the profile of vertical
# script or of a page with a seal or a drawing is not that precise; nothing is concluded)
HALVES_AGREE_DEG = 0.4  # two halves of a page measured this far apart: no one angle left
WIDE = 1.1  # ink this much wider than high may be two facing pages: its halves are compared
BLUNT = 0.015  # a profile peak higher than the angles 0.5° either side by less than this
# share is too blunt to tell a residual of a few tenths (a few lines, broad handwriting)
STEEP_DEG = 3.0  # an angle this steep is applied only when the page's own lines confirm it
AGREES, CONTRADICTS, UNCLEAR = "agrees", "contradicts", "unclear"


def straightened(pts: np.ndarray, angle_deg: float) -> np.ndarray:
    """The ink points as they lie once a skew of ``angle_deg`` is taken out (turned about
    their centre)."""
    if len(pts) == 0:
        return pts
    t = np.deg2rad(angle_deg)
    c, s = np.cos(t), np.sin(t)
    d = pts.astype(np.float64) - pts.mean(axis=0)
    out = np.column_stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]])
    out -= out.min(axis=0)
    return out.astype(np.float32)


HALF_POINTS = 3_000  # each half of the ink is searched on this many of its points, and
HALF_FINE_POINTS = 8_000  # refined on this many
HALF_MIN_POINTS = 1_500  # a half with fewer (a few lines cut in two, a signature) is not
# measured: its angle is good to no better than the disagreement looked for


def half_angle(pts: np.ndarray, max_deg: float) -> float | None:
    """The skew of part of the ink within ±``max_deg``, as ``skew_left`` measures the whole
    (its coarse search on fewer points): ``None`` when it gives no confident angle."""
    if len(pts) < HALF_MIN_POINTS:
        return None
    angle, _score, prominence = coarse_search(pts[:: max(1, len(pts) // HALF_POINTS)], max_deg)
    coarse = SkewEstimate(angle, prominence, len(pts))
    if not confident(coarse):
        return None
    fine = pts[:: max(1, len(pts) // HALF_FINE_POINTS)]
    return measure_skew(fine, max_deg, around=coarse).angle_deg


def halves_disagree(pts: np.ndarray, angle_deg: float, agree_deg: float,
                    max_deg: float = 12.0) -> bool:
    """Whether two halves of the ink (left and right of a wide one: the two pages of a
    spread, each laid at its own angle; top and bottom: text above, a rule or a sheet's
    edge below), each measured on its own, lie at angles more than ``agree_deg`` apart or
    from the whole's ``angle_deg``: then no one angle describes the page."""
    if len(pts) < HALF_MIN_POINTS:
        return False
    wide = float(np.ptp(pts[:, 0])) > WIDE * float(np.ptp(pts[:, 1]))
    # left and right only for a spread: halves of one page's lines are too short to be
    # measured to the tolerance looked for (a table's cells give tenths of a degree)
    for axis in (0, 1) if wide else (1,):
        v = pts[:, axis]
        mid = 0.5 * (float(v.min()) + float(v.max()))
        found = [a for a in (half_angle(pts[v < mid], max_deg),
                             half_angle(pts[v >= mid], max_deg)) if a is not None]
        if any(abs(a - angle_deg) > agree_deg for a in found) or (
                len(found) == 2 and abs(found[0] - found[1]) > agree_deg):
            return True
    return False


def skew_left(pts: np.ndarray, max_deg: float, agree_deg: float | None = None) -> float | None:
    """The skew of ink points measured afresh over the whole ±``max_deg`` (a wrong turn of
    several degrees is found, not clipped to a narrow window), across rows or down columns
    (竖排), whichever the ink says more clearly; ``None`` when it gives no confident angle of
    its own (a photo, a drawing, a few marks) — and, with ``agree_deg``, when rows and
    columns both give a confident angle more than that apart (a map's roads: no one angle),
    or when two halves of the ink do, left and right or top and bottom, by more than
    ``HALVES_AGREE_DEG`` (two facing pages at different angles, a rule or a sheet's edge
    the profile locked on at another angle than the text), or when its peak is ``blunt``."""
    return skew_left_checked(pts, max_deg, agree_deg)[0]


def skew_left_checked(pts: np.ndarray, max_deg: float, agree_deg: float | None = None
                      ) -> tuple[float | None, bool]:
    """``skew_left``, and whether a ``None`` is doubt (rows and columns, or two halves of
    the ink, each confident at angles too far apart: a map, a spread of two pages at
    different angles; lines whose profile peak is too blunt for the residual asked for)
    rather than ink with no lines to measure (a photo, a few marks)."""
    # Whether each way is confident, and which is the more so, is known from the coarse
    # search alone (its peak's prominence): only that way is refined.
    found = []
    for p in (pts, columns(pts)):
        if len(p) < 50:
            continue  # measure_skew's "nothing to measure": never confident
        angle, _score, prominence = coarse_search(p, max_deg)
        coarse = SkewEstimate(angle, prominence, len(p))
        if confident(coarse):
            found.append((coarse, p))
    if not found:
        return None, False
    if (agree_deg is not None and len(found) == 2
            and abs(found[0][0].angle_deg - found[1][0].angle_deg) > agree_deg):
        return None, True
    coarse, p = max(found, key=lambda f: f[0].confidence)
    left = measure_skew(p, max_deg, around=coarse).angle_deg
    if agree_deg is not None and (blunt(p, left)
                                  or halves_disagree(p, left, HALVES_AGREE_DEG, max_deg)):
        return None, True
    return left, False


def blunt(pts: np.ndarray, angle_deg: float) -> bool:
    """Whether the profile's peak at ``angle_deg`` stands less than ``BLUNT`` above the
    angles 0.5° either side: confident that there are lines, not at which angle within a
    few tenths of a degree."""
    scores = profile_scores(pts, np.array([angle_deg - 0.5, angle_deg, angle_deg + 0.5]))
    return bool(scores[1] <= 0 or 1.0 - max(scores[0], scores[2]) / scores[1] < BLUNT)


def check_turn(pts: np.ndarray, angle_deg: float, max_deg: float) -> str:
    """Whether the page's own ink agrees with taking out ``angle_deg`` (found by another
    method, e.g. the paper edge): measured on the ink as it will lie after the turn, its
    lines must come out level. ``UNCLEAR`` when the ink says nothing clear either way."""
    after = skew_left(straightened(pts, angle_deg), max_deg)
    if after is None:
        return UNCLEAR
    if abs(after) <= AFTER_LEVEL_DEG:
        return AGREES
    return CONTRADICTS if abs(after) > AFTER_WRONG_DEG else UNCLEAR


def turn_allowed(pts: np.ndarray, angle_deg: float, max_deg: float, *,
                 sure_source: bool) -> bool:
    """An angle is applied only when nothing contradicts it, and a steep one (``STEEP_DEG``
    or more) from a source that is not sure by itself (an edge seen on a light bed or on
    slivers of bed) only when the page's lines confirm it."""
    verdict = check_turn(pts, angle_deg, max_deg)
    if verdict == CONTRADICTS:
        return False
    return verdict == AGREES or sure_source or abs(angle_deg) < STEEP_DEG
