"""Score a retouched page against the ground truth of a generated scan.

Used by the accuracy tests and ``bench/retouch.py``. The truth gives the clean→scan affine
(from the recorded paper corners); composing it with the retouch matrix gives the exact
clean→output map, whose rotation is the residual skew (0 when the page came out upright and
straight) and through which content pixels and hole centres are followed into the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np


@dataclass(frozen=True)
class PageScore:
    residual_skew_deg: float  # signed, after taking out whole quarter turns
    upright: bool
    content_cut: bool
    border_residue: bool
    holes_total: int
    holes_removed: int


def clean_to_scan(paper_quad: np.ndarray, w: int, h: int) -> np.ndarray:
    src = np.array([[0, 0], [w, 0], [0, h]], dtype=np.float32)
    dst = np.asarray(paper_quad, dtype=np.float32)[[0, 1, 3]]
    m = np.eye(3)
    m[:2] = cv2.getAffineTransform(src, dst)
    return m


def to_continuous(matrix: np.ndarray) -> np.ndarray:
    """Pixel-centre 2×3 matrix → continuous-coordinate 3×3 matrix."""
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1.0]])
    a = np.eye(3)
    a[:2] = matrix
    return shift @ a @ np.linalg.inv(shift)


def clean_to_output(paper_quad: np.ndarray, page_size: tuple[int, int],
                    matrix: np.ndarray) -> np.ndarray:
    return to_continuous(matrix) @ clean_to_scan(paper_quad, *page_size)


def rotation_of(m: np.ndarray) -> float:
    """Counter-clockwise (as seen) rotation angle of a 3×3 affine, degrees."""
    return float(np.rad2deg(np.arctan2(m[0, 1], m[0, 0])))


def border_residue(grey: np.ndarray, dpi: float, band_mm: float = 3.0) -> bool:
    """Dark bed left in a band along any output edge."""
    b = max(2, int(band_mm * dpi / 25.4))
    level = float(np.percentile(grey[::8, ::8], 75))
    dark = grey < 0.5 * level
    return any(float(band.mean()) > 0.002 for band in (dark[:b], dark[-b:], dark[:, :b], dark[:, -b:]))


def hole_removed(grey: np.ndarray, x: float, y: float, r: float) -> bool:
    """No dark spot left where the hole is (in output continuous coordinates)."""
    h, w = grey.shape
    x0, x1 = int(max(0, x - r)), int(min(w, x + r + 1))
    y0, y1 = int(max(0, y - r)), int(min(h, y + r + 1))
    if x1 <= x0 or y1 <= y0:
        return True  # the hole fell outside the output (off the paper edge)
    patch = grey[y0:y1, x0:x1]
    level = float(np.percentile(grey[::8, ::8], 75))
    return float((patch < 0.5 * level).mean()) < 0.02


def score_page(truth: dict, content_mask: np.ndarray, out_grey: np.ndarray,
               matrix: np.ndarray, holes_expected: bool) -> PageScore:
    """``truth``: a PageTruth as a dict; ``out_grey``: the output image in grey."""
    w, h = truth["page_size"]
    c = clean_to_output(np.asarray(truth["paper_quad"]), (w, h), matrix)
    angle = rotation_of(c)
    upright = abs(angle) < 45
    residual = (angle + 45) % 90 - 45
    ys, xs = np.nonzero(content_mask[::2, ::2])
    cut = False
    if len(xs):
        pts = np.column_stack([xs * 2 + 1.0, ys * 2 + 1.0]) @ c[:2, :2].T + c[:2, 2]
        oh, ow = out_grey.shape
        cut = bool((pts[:, 0] < 0).any() or (pts[:, 1] < 0).any()
                   or (pts[:, 0] > ow).any() or (pts[:, 1] > oh).any())
    removed = 0
    holes = truth.get("holes") or []
    scale = float(np.hypot(c[0, 0], c[0, 1]))
    for hole in holes:
        p = c[:2, :2] @ np.array([hole["clean_x"], hole["clean_y"]]) + c[:2, 2]
        removed += hole_removed(out_grey, p[0] - 0.5, p[1] - 0.5, hole["clean_r"] * scale)
    return PageScore(residual, upright, cut, border_residue(out_grey, truth["dpi"]),
                     len(holes) if holes_expected else 0, removed if holes_expected else 0)


# --- do-no-harm outcome of one retouched page (bench/accuracy.py, accuracy tests) ---------
#
# Every figure below is measured from outside the engine: from the ground truth of a
# generated page (its clean→scan affine, content mask and holes) or, for a real page, from
# the input pixels and the known quarter turn, always through the exact ``Retouched.matrix``.

INK_DARKNESS = 40  # grey levels below the local paper for a pixel to count as ink
INK_KEPT_MIN = 0.98  # a page keeping less of its input ink than this has lost content
INK_CUT_MAX = 0.001  # ink falling outside the output beyond this share: content was cut
KEPT_RATIO = 0.35  # an ink pixel is kept when the output is at least this share as dark
MAX_SKEW_TEXT = 0.5  # residual skew beyond this on a text page is damage
BED_LEFT_MM = 1.0  # output this far beyond the sheet's edge (by the truth) is not the sheet…
BED_LEFT_TONE = 0.8  # …and darker than this share of the paper's tone there is bed left…
BED_LEFT_MM2 = 20.0  # …over more than this area (a 1 mm strip 20 mm long): a border left
BLUR_DAMAGE_MM = 0.3  # a scan blurred by a Gaussian this wide (sigma) must be scanned again


@dataclass(frozen=True)
class Outcome:
    """What retouching did to one page, judged against its truth."""

    turn_needed: int  # clockwise quarter turn the input needed (0 = upright input)
    upright: bool  # the output is upright
    flagged: bool  # any QC defect (status ≠ ok)
    review: bool  # flagged needs_review (the engine said it was unsure)
    ink_kept: float  # share of input ink still there, where the matrix puts it (1 = all)
    ink_cut: float  # share of input ink the matrix puts outside the output
    false_fills: int  # fills where there is no hole
    holes_real: int  # real holes that land inside the output
    holes_filled: int  # of those, holes with a fill recorded on them
    residual_skew: float | None  # degrees, on text pages
    text_page: bool
    blank: bool
    failed: bool
    seconds: float
    bed_left_mm2: float = 0.0  # bed (darker than the paper) left beyond the sheet's edge
    blurred: bool = False  # the scan was blurred beyond reading well (by its truth)

    @property
    def content_lost(self) -> bool:
        return self.ink_kept < INK_KEPT_MIN or self.ink_cut > INK_CUT_MAX

    @property
    def wrong_turn(self) -> bool:
        """An upright page that came out turned."""
        return self.turn_needed == 0 and not self.upright

    @property
    def border_left(self) -> bool:
        """Bed left on the output beside the sheet: a border a person has to crop."""
        return self.bed_left_mm2 > BED_LEFT_MM2

    @property
    def damaged(self) -> bool:
        return (self.failed or not self.upright or self.content_lost or self.false_fills > 0
                or (self.residual_skew is not None and abs(self.residual_skew) > MAX_SKEW_TEXT)
                or self.border_left or self.blurred)

    @property
    def damage(self) -> tuple[str, ...]:
        """What is wrong with the output, by name (empty for a page that came out fine)."""
        named = (("failed", self.failed), ("not_upright", not self.upright),
                 ("content_lost", self.content_lost), ("false_fill", self.false_fills > 0),
                 ("skew", self.residual_skew is not None
                  and abs(self.residual_skew) > MAX_SKEW_TEXT),
                 ("border_left", self.border_left), ("blurred", self.blurred))
        return tuple(name for name, wrong in named if wrong)

    @property
    def should_flag(self) -> bool:
        """A person should look: the page was damaged or left wrong, or it is blank."""
        return self.damaged or self.blank


def darkness(grey: np.ndarray, dpi: float) -> np.ndarray:
    """How much darker each pixel is than the paper around it (a 2.5 mm grey closing)."""
    k = max(3, int(2.5 * dpi / 25.4) | 1)
    bg = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                          (k, k)))
    out: np.ndarray = cv2.subtract(bg, grey)
    return out


def real_ink_points(grey: np.ndarray, dpi: float, limit: int = 40_000) -> np.ndarray:
    """Ink on the sheet of a real page (no truth): dark against a paper-bright surround and
    at least 3 mm from any dark surround (scanner bed, gutter), as (x, y) pixel centres."""
    k = max(3, int(2.5 * dpi / 25.4) | 1)
    bg = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                          (k, k)))
    bright = (bg >= 90).astype(np.uint8)
    r = max(1, int(3 * dpi / 25.4))
    paper = cv2.erode(bright, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    ys, xs = np.nonzero((cv2.subtract(bg, grey) >= INK_DARKNESS) & (paper > 0))
    return _subsample(np.column_stack([xs, ys]).astype(np.float64) + 0.5, limit)


def _subsample(pts: np.ndarray, limit: int) -> np.ndarray:
    if len(pts) <= limit:
        return pts
    idx = np.random.default_rng(0).choice(len(pts), limit, replace=False)
    out: np.ndarray = pts[np.sort(idx)]
    return out


def _sample(img: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values at continuous points (nearest pixel) and whether each point is inside."""
    h, w = img.shape[:2]
    xi, yi = np.floor(pts[:, 0]).astype(int), np.floor(pts[:, 1]).astype(int)
    inside = (xi >= 0) & (yi >= 0) & (xi < w) & (yi < h)
    vals = np.zeros(len(pts), img.dtype)
    vals[inside] = img[yi[inside], xi[inside]]
    return vals, inside


def ink_kept(scan_pts: np.ndarray, dark_in: np.ndarray, matrix: np.ndarray,
             dark_out: np.ndarray) -> tuple[float, float]:
    """(share of the input's visible ink that the output still shows where the matrix puts
    it, share that the matrix puts outside the output).

    ``scan_pts`` are continuous input coordinates of content; only those at least
    ``INK_DARKNESS`` darker than their paper in the input count. A point is kept when it
    lands inside the output and the output, within ±2 px, is at least ``KEPT_RATIO`` as dark
    there: ink painted over, erased or cut off is not. A page number cut off a corner is a
    small share of a page's ink, hence the second figure.
    """
    d_in, inside_in = _sample(dark_in, scan_pts)
    ink = inside_in & (d_in >= INK_DARKNESS)
    if not ink.any():
        return 1.0, 0.0
    m = to_continuous(matrix)
    out_pts = scan_pts[ink] @ m[:2, :2].T + m[:2, 2]
    near = cv2.dilate(dark_out, np.ones((5, 5), np.uint8))
    d_out, inside_out = _sample(near, out_pts)
    kept = inside_out & (d_out.astype(np.float32) >= KEPT_RATIO * d_in[ink])
    return float(kept.mean()), float(1 - inside_out.mean())


def quarter_of(angle_deg: float) -> int:
    """The quarter turn (0/90/180/270, counter-clockwise as seen) nearest to an angle."""
    return round(angle_deg / 90.0) % 4 * 90


def output_upright(turn_needed: int, matrix: np.ndarray) -> bool:
    """The input showed the page turned counter-clockwise by ``turn_needed``; the output is
    upright when the matrix turned it back (up to the skew)."""
    return quarter_of(turn_needed + rotation_of(to_continuous(matrix))) == 0


def match_fills(boxes: list[list[int]], holes_out: np.ndarray, tol_px: float
                ) -> tuple[int, int]:
    """(fills with no hole under them, holes with a fill on them)."""
    used = np.zeros(len(holes_out), bool)
    false = 0
    for x0, y0, x1, y1 in boxes:
        c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        if len(holes_out):
            d = np.hypot(*(holes_out - c).T)
            i = int(np.argmin(d))
            if d[i] <= tol_px:
                used[i] = True
                continue
        false += 1
    return false, int(used.sum())


def _angle_profile(pts: np.ndarray, angles: np.ndarray, columns: bool) -> np.ndarray:
    """Peakiness of the ink profile across lines (rows) or columns at each angle."""
    out = np.empty(len(angles))
    for i, a in enumerate(np.deg2rad(angles)):
        c, s = np.cos(a), np.sin(a)
        p = pts[:, 0] * c + pts[:, 1] * s if columns else pts[:, 1] * c - pts[:, 0] * s
        h = np.bincount((p - p.min()).astype(np.int64))
        out[i] = float((h.astype(np.float64) ** 2).sum()) * np.count_nonzero(h) / len(p) ** 2
    return out


def line_angle(grey: np.ndarray, dpi: float, search_deg: float = 8.0) -> float | None:
    """Angle of the text lines (or 竖排 columns) by projection profiles, degrees mod 90.

    Independent of the engine's own skew measurement: ink points at 0.25 mm bins, a coarse
    search in 0.2° steps and a fine one in 0.01° steps, on rows and on columns; the axis
    whose profile is the peakier wins. ``None`` when there is too little ink."""
    dark = darkness(grey, dpi)
    ys, xs = np.nonzero(dark >= INK_DARKNESS)
    if len(xs) < 500:
        return None
    pts = _subsample(np.column_stack([xs, ys]).astype(np.float64), 40_000) * (100.0 / dpi)
    best: tuple[float, float] | None = None
    for columns in (False, True):
        coarse = np.arange(-search_deg, search_deg + 1e-9, 0.2)
        a0 = float(coarse[int(np.argmax(_angle_profile(pts, coarse, columns)))])
        fine = np.arange(a0 - 0.25, a0 + 0.25 + 1e-9, 0.01)
        prof = _angle_profile(pts, fine, columns)
        i = int(np.argmax(prof))
        if best is None or prof[i] > best[1]:
            best = (float(fine[i]), float(prof[i]))
    return best[0] if best else None


@dataclass(frozen=True)
class Truth:
    """What is known about an input page: everything for a generated page, the quarter turn
    (and whether it has text lines) for a real one (``clean_to_scan`` None)."""

    turn: int
    text_page: bool
    blank: bool = False
    clean_to_scan: np.ndarray | None = None  # 3×3 continuous
    content: np.ndarray | None = None  # clean sheet content mask
    holes: tuple[tuple[float, float, float], ...] = ()  # clean x, y, r
    skip_band: tuple[str, float] | None = None  # (edge, px) of the sheet left out of the ink count
    blur_mm: float = 0.0  # sigma of the scan's blur, mm
    dpi: float = 0.0  # the clean sheet's resolution (0: taken as an A4 sheet's)


def frame_dpi(shape: tuple[int, ...]) -> float:
    """Resolution of a frame holding about an A4 sheet (for kernel sizes only)."""
    return max(shape[:2]) / (297 / 25.4)


def _content_points(t: Truth) -> np.ndarray:
    assert t.content is not None and t.clean_to_scan is not None
    mask = t.content
    if t.skip_band is not None:
        edge, px = t.skip_band
        mask = mask.copy()
        b = int(px)
        if edge == "top":
            mask[:b] = False
        elif edge == "bottom":
            mask[-b:] = False
        elif edge == "left":
            mask[:, :b] = False
        else:
            mask[:, -b:] = False
    ys, xs = np.nonzero(mask)
    pts = _subsample(np.column_stack([xs, ys]).astype(np.float64) + 0.5, 40_000)
    a = t.clean_to_scan
    out: np.ndarray = pts @ a[:2, :2].T + a[:2, 2]
    return out


def bed_left_mm2(out_grey: np.ndarray, clean_to_out: np.ndarray, sheet_size: tuple[int, int],
                 sheet_dpi: float, out_dpi: float) -> float:
    """Area (mm² of the output) lying more than ``BED_LEFT_MM`` beyond the sheet's edge, by
    the truth's clean→output map, and darker than ``BED_LEFT_TONE`` of the paper's tone: bed
    (or its shadow) left on the output. The canvas laid around a small sheet is the paper's
    colour, a white lid as light as the paper: neither counts."""
    h, w = out_grey.shape
    step = 2
    ys, xs = np.mgrid[0:h:step, 0:w:step]
    pts = np.column_stack([xs.ravel() + 0.5, ys.ravel() + 0.5, np.ones(xs.size)])
    clean = pts @ np.linalg.inv(clean_to_out)[:2].T
    sw, sh = sheet_size
    m = BED_LEFT_MM * sheet_dpi / 25.4
    outside = ((clean[:, 0] < -m) | (clean[:, 1] < -m) | (clean[:, 0] > sw + m)
               | (clean[:, 1] > sh + m)).reshape(xs.shape)
    sub = out_grey[::step, ::step][: xs.shape[0], : xs.shape[1]].astype(np.float32)
    if outside.all() or not outside.any():
        return 0.0
    # the paper's tone nearby (uneven light dims a white lid and the paper beside it alike):
    # the sheet's light tones, spread out over 20 mm
    inside = ~outside
    light = np.where(inside, cv2.dilate(sub, np.ones((5, 5), np.uint8)), 0).astype(np.float32)
    k = max(3, int(20 * out_dpi / 25.4 / step) | 1)
    near = cv2.blur(light, (k, k)) / np.maximum(cv2.blur(inside.astype(np.float32), (k, k)),
                                                1e-3)
    far = float(np.percentile(sub[inside], 75))
    paper = np.where(cv2.blur(inside.astype(np.float32), (k, k)) > 0.05, near, far)
    left = outside & (sub < BED_LEFT_TONE * paper)
    return float(np.count_nonzero(left)) * (step * 25.4 / out_dpi) ** 2


def assess(grey_in: np.ndarray, t: Truth, out_grey: np.ndarray | None,
           matrix: np.ndarray | None, report: Any) -> Outcome:
    """Judge one retouched page (``report``: its ``PageReport``)."""
    flagged = report.status != "ok"
    review = any(d.code == "needs_review" for d in report.defects)
    if out_grey is None or matrix is None:
        return Outcome(t.turn, False, True, review, 0.0, 1.0, 0, 0, 0, None, t.text_page,
                       t.blank, True, report.seconds)
    dpi_in, dpi_out = frame_dpi(grey_in.shape), frame_dpi(out_grey.shape)
    dark_in, dark_out = darkness(grey_in, dpi_in), darkness(out_grey, dpi_out)
    pts = _content_points(t) if t.content is not None else real_ink_points(grey_in, dpi_in)
    kept, cut = ink_kept(pts, dark_in, matrix, dark_out)
    boxes = list(getattr(report, "hole_boxes", []) or [])
    false_fills, filled, real, skew, left = len(boxes), 0, 0, None, 0.0
    if t.clean_to_scan is not None:
        c = to_continuous(matrix) @ t.clean_to_scan
        if t.content is not None:
            size = (t.content.shape[1], t.content.shape[0])
            left = bed_left_mm2(out_grey, c, size, t.dpi or frame_dpi(t.content.shape),
                                _out_dpi(report, dpi_out))
        if t.holes:
            centres = np.array([[x, y] for x, y, _r in t.holes]) @ c[:2, :2].T + c[:2, 2]
            oh, ow = out_grey.shape
            inside = ((centres[:, 0] >= 0) & (centres[:, 1] >= 0) & (centres[:, 0] < ow)
                      & (centres[:, 1] < oh))
            centres = centres[inside]
            real = len(centres)
            tol = max(r for _x, _y, r in t.holes) + 2 * dpi_out / 25.4
            false_fills, filled = match_fills(boxes, centres, tol)
        if t.text_page:
            a = rotation_of(c)
            skew = (a + 45) % 90 - 45
        upright = quarter_of(rotation_of(c)) == 0
    else:
        upright = output_upright(t.turn, matrix)
        if t.text_page:
            angle = line_angle(out_grey, dpi_out, 3.0)
            skew = None if angle is None else (angle + 45) % 90 - 45
    return Outcome(t.turn, upright, flagged, review, kept, cut, false_fills, real, filled, skew,
                   t.text_page, t.blank, False, report.seconds, round(left, 1),
                   t.blur_mm >= BLUR_DAMAGE_MM)


def _out_dpi(report: Any, fallback: float) -> float:
    """The output page's resolution (its size in mm at it), else the frame's guess."""
    dpi = float(getattr(report, "dpi", 0) or 0)
    return dpi if dpi > 0 else fallback
