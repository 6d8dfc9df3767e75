"""A second look at a page the coarse ink measure finds blank, and the inner pages of a
multi-page file.

The content check measures ink on a small picture of the sheet's inner part (its outer
18–26 mm left out: binding holes, the sheet's edge, a shadow). A page number or a signature
alone is too little ink for that measure, and lies in those margins; show-through fades into
the paper at that scale. So a page found blank is looked at again at a finer scale:

* writing — thin strokes of a character's length, as retouch counts them
  (``imaging.qc.writing_marks``, on the same ink mask): a page number, a signature. The page
  is not blank (retouch does not call it blank either). The rim of a punched hole seen on a
  white lid breaks into short arcs that would pass for strokes: arcs lying on a ring of a
  hole's size are left out first.
* faint marks over the sheet's inner part at four times the coarse scale (show-through, a
  pencil note): a faint page, never a blank one.

Only pages found blank get this look (a few in a volume), so it costs nothing on the others.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.imaging import qc
from dangan.imaging.analysis import ink_mask, reduce
from dangan.imaging.paper import find_paper
from dangan.imaging.stats import components_with_stats

LOOK_DPI = qc.WRITING_DPI  # writing is looked for at retouch's resolution
FAINT_DPI = LOOK_DPI  # show-through is looked for on the sheet reduced to this resolution,
FAINT_SCALE = 4  # laid on a sheet this many times the coarse one (384 × 544 px of an A4):
# the strokes of the other side keep their contrast there, the paper's grain does not
SHORT_SIDE_MM = 210.0  # an untagged page is taken as this wide (A4, 16K: 195 mm)
DPI_RANGE = (100.0, 1200.0)  # a tag outside this is no scanning resolution (72, 96, 60000)
HOLE_DIAMETER_MM = (4.0, 9.0)  # a punched hole's ring (6 mm holes, a little scaled)…
HOLE_RING_SPREAD = 0.25  # …its marks this close to one radius (std / mean)
MAX_FRAMES = 64  # inner pages of a multi-page file looked at (the count is always given)

CONTENT, MARK, FAINT, BLANK = "content", "mark", "faint", "blank"
UNREADABLE = "unreadable"


def page_dpi(width: int, height: int, tag: float | None) -> float:
    """The file's dpi when it is a scanning resolution, else the page's width read as A4."""
    if tag is not None and DPI_RANGE[0] <= tag <= DPI_RANGE[1]:
        return tag
    return max(1.0, min(width, height) / (SHORT_SIDE_MM / 25.4))


def finer_grey(data: bytes, fmt: str, width: int, height: int, dpi: float) -> np.ndarray | None:
    """The page in grey at ``LOOK_DPI`` or finer (a JPEG decoded at a reduced DCT scale)."""
    try:
        if fmt == "jpg":
            f = min(1.0, LOOK_DPI / dpi)
            grey: np.ndarray = simplejpeg.decode_jpeg(
                data, colorspace="GRAY", min_width=int(np.ceil(width * f)),
                min_height=int(np.ceil(height * f)))[:, :, 0]
            return grey
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                return np.asarray(img.convert("L"))
    except Exception:
        return None


def _hole_rings(marks: np.ndarray, mm: float) -> np.ndarray:
    """``marks`` without the arcs that lie on one ring of a punched hole's size."""
    r = max(1, round(mm))
    groups = cv2.dilate(marks, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    n, labels, stats, _ = components_with_stats(groups)
    out = marks.copy()
    for i in range(1, n):
        w, h = stats[i, cv2.CC_STAT_WIDTH] - 2 * r, stats[i, cv2.CC_STAT_HEIGHT] - 2 * r
        lo, hi = HOLE_DIAMETER_MM[0] * mm, HOLE_DIAMETER_MM[1] * mm
        if not (lo <= w <= hi and lo <= h <= hi):
            continue
        ys, xs = np.nonzero((labels == i) & (marks > 0))
        if len(ys) < 4:
            continue
        cy = stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] / 2
        cx = stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] / 2
        dist = np.hypot(ys - cy, xs - cx)
        if dist.std() <= HOLE_RING_SPREAD * dist.mean():
            out[labels == i] = 0
    return out


def _stroke_marks(marks: np.ndarray, sheet: np.ndarray, mm: float) -> int:
    """How many marks inside the sheet have a written stroke's shape: a character's length
    and at most ``qc.WRITING_THICK_MM`` thick, filling little of their box, as
    ``qc.writing_marks`` counts them, but with no two-marks rule (one digit is one mark) and
    the thickness measured across the stroke (twice its deepest point from the mark's edge),
    so that a bold or curly digit is a stroke too."""
    r = max(1, round(qc.WRITING_MARGIN_MM * mm))
    inner = cv2.erode((sheet > 0).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0)
    inside = ((marks > 0) & (inner > 0)).astype(np.uint8)
    n, labels, stats, _ = components_with_stats(inside)
    if n <= 1:
        return 0
    w, h, area = (stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT],
                  stats[1:, cv2.CC_STAT_AREA])
    length = np.maximum(w, h) / mm
    shaped = ((length >= qc.WRITING_LENGTH_MM[0]) & (length <= qc.WRITING_LENGTH_MM[1])
              & (area <= qc.WRITING_FILL * w * h))
    if not shaped.any():
        return 0
    depth = cv2.distanceTransform(np.pad(inside, 1),
                                  cv2.DIST_L2, 3)[1:-1, 1:-1]
    count = 0
    for i in np.nonzero(shaped)[0] + 1:
        x, y = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        box = (slice(y, y + stats[i, cv2.CC_STAT_HEIGHT]), slice(x, x + stats[i, cv2.CC_STAT_WIDTH]))
        across = 2 * float(depth[box][labels[box] == i].max()) / mm
        count += across <= qc.WRITING_THICK_MM
    return count


def writing(grey: np.ndarray, dpi: float) -> tuple[int, int]:
    """Retouch's ``writing_marks`` on the page (as ``qc.writing_on_page`` counts them) and
    the marks of a stroke's shape however few, punched holes' rims left out of both."""
    fine, factor = reduce(grey, dpi, LOOK_DPI)
    mm = dpi * factor / 25.4
    paper = find_paper(fine)
    marks = _hole_rings((ink_mask(fine, paper, mm) > 0).astype(np.uint8), mm)
    return qc.writing_marks(marks, paper.mask, mm), _stroke_marks(marks, paper.mask, mm)


def faint_marks(grey: np.ndarray, dpi: float) -> float:
    """``content.faint_share`` of the sheet at ``FAINT_SCALE`` times the coarse scale."""
    from dangan.intake.content import PAPER_SHAPE, faint_share, upright_paper

    f = min(1.0, FAINT_DPI / dpi)
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else grey
    return faint_share(upright_paper(small, (PAPER_SHAPE[1] * FAINT_SCALE,
                                             PAPER_SHAPE[0] * FAINT_SCALE)))


def look_again(grey: np.ndarray, dpi: float) -> str:
    """``CONTENT`` (writing, as retouch finds it), ``MARK`` (a little writing retouch's
    two-marks rule does not take: one digit, a bold page number), ``FAINT`` or ``BLANK``
    for a page the coarse measure finds blank."""
    from dangan.intake.content import FAINT_SHARE

    words, strokes = writing(grey, dpi)
    if words > 0:
        return CONTENT
    if strokes > 0:
        return MARK
    return FAINT if faint_marks(grey, dpi) >= FAINT_SHARE else BLANK


def classify(grey: np.ndarray, dpi: float) -> str:
    """What a page holds, decided as ``content.inspect_page`` decides it: the coarse ink
    measure, then ``look_again`` for a page it finds blank."""
    from dangan.intake import content as c

    paper = c.upright_paper(c._reduce(grey), (c.PAPER_SHAPE[1], c.PAPER_SHAPE[0]))
    if c.measure_ink(paper) >= c.BLANK_INK:
        return CONTENT
    if c.faint_share(paper) >= c.FAINT_SHARE:
        return FAINT
    return look_again(grey, dpi)


def inner_pages(data: bytes) -> tuple[str, ...]:
    """What each page after the first of a multi-page file holds (``CONTENT``, ``FAINT``,
    ``BLANK``, or ``UNREADABLE``), up to ``MAX_FRAMES`` pages."""
    from dangan.intake.content import MAX_PIXELS, _pil_dpi

    found: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                for k in range(1, min(int(getattr(img, "n_frames", 1)), MAX_FRAMES)):
                    try:
                        img.seek(k)
                        width, height = img.size
                        if width * height > MAX_PIXELS:
                            found.append(UNREADABLE)
                            continue
                        grey = np.asarray(img.convert("L"))
                    except Exception:
                        found.append(UNREADABLE)
                        continue
                    found.append(classify(grey, page_dpi(width, height, _pil_dpi(img))))
    except Exception:
        pass
    return tuple(found)
