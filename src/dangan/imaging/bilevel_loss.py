"""What black and white cannot keep: measured on the bilevel output against its source.

``bilevel`` keeps whatever is clearly darker than the paper around it as solid black. Three
kinds of content lose their meaning that way, and the page goes to a person (do no harm:
the output is not changed, the page is flagged):

* **a mid-tone region** (``bilevel_tones``): a photograph or a halftone of some size — a
  block of 2 mm cells each mostly mid-tones with hardly any paper, at least
  ``TONE_REGION_MM2`` and ``TONE_REGION_SIDE_MM`` across, its tones spread over
  ``TONE_SPREAD`` levels — comes out as black blobs and white. One flat grey (a bar, a
  filled cell) is not counted: it stays solid, or white with its text black. The page-wide share
  (``pipeline.BILEVEL_TONES``) misses a passport photo glued on a form.
* **colour ink over text** (``bilevel_colour``): a red seal stamped over writing is as black
  as the writing in the output and covers it; black text touching red ink that came out
  black, or lying within a seal's footprint, over at least ``COLOUR_TOUCH_MM2``. Colour or
  grey mode keeps both.
* **light marks next to darker ink** (``bilevel_light_marks``): show-through of the back, a
  carbon's back, a light stamp over print: marks whose contrast is less than ``LIGHT`` of the
  darkest ink within ``NEAR_MM`` come out as black as it and fuse with it. A light mark alone
  (faint text, pencil) is not counted: only near ink at least ``1 / LIGHT`` times as dark,
  and not the edge of that ink; light rules (a lined sheet) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TONE_LOW, TONE_HIGH = 0.25, 0.7  # mid-tones: between these shares of the paper's level
TONE_CELL_MM = 2.0
TONE_CELL_SHARE = 0.5  # a cell at least this share mid-tones …
PAPER_TONE, TONE_CELL_PAPER = 0.85, 0.1  # … and at most this share paper is toned
TONE_REGION_MM2 = 150.0  # a toned region at least this large …
TONE_REGION_SIDE_MM = 8.0  # … and this wide both ways is flagged …
TONE_SPREAD = 40.0  # … when its tones spread this far (10th to 90th percentile)
COLOUR_CHROMA = 20.0  # a sample this much redder than the paper (Cr) is seal ink…
COLOUR_SHARE = 0.3  # …and so is one redder by this share of its darkness (a faint seal:
# red over paper keeps ≈ 0.5 of its darkness as chroma at any coverage)
NEUTRAL_CHROMA = 12.0  # … and this close to it is neutral (black or grey) ink…
NEUTRAL_SHARE = 0.25  # …or this close for its darkness (black text under or beside a seal:
# the half-size chroma smears the seal's red into its strokes)
SEAL_CLOSE_MM = 1.5  # a seal's marks closed over this gap, with what they enclose…
SEAL_MM = (15.0, 60.0)  # …a body this wide both ways is a seal's footprint
DARK_TEXT = 0.5  # neutral ink darker than this share of the paper level is writing
COLOUR_MIN_MM2 = 20.0  # coloured ink that came out black, at least this much (a seal)
COLOUR_TOUCH_MM2 = 10.0  # black text touching it
LIGHT = 0.3  # a black sample lighter than this share of the darkest ink near it is light
NEAR_MM = 2.5
LIGHT_SHARE = 0.1  # light marks near darker ink: this share of the black, at least …
LIGHT_MM2 = 20.0  # … and this much
RULE_MM = 4.0  # light marks straight along a row or a column this long are rules


@dataclass(frozen=True)
class Chroma:
    """The page's Cr and Cb planes (half the output's size) and the paper's chroma."""

    cr: np.ndarray
    cb: np.ndarray
    paper_cr: float
    paper_cb: float


def _px_mm(dpi: float, step: int) -> float:
    return dpi / 25.4 / step


def tone_region(y: np.ndarray, level: float, dpi: float) -> tuple[float, int, int] | None:
    """The largest region of mid-tones worth flagging: (area mm², width mm, height mm). A
    cell of ``TONE_CELL_MM`` is toned when mostly mid-tones and with hardly any paper in it
    (dense writing leaves paper between its strokes; a photograph does not)."""
    sub = y[::2, ::2]
    mid = ((sub > TONE_LOW * level) & (sub < TONE_HIGH * level)).astype(np.float32)
    paper = (sub >= PAPER_TONE * level).astype(np.float32)
    per_cell = _px_mm(dpi, 2) * TONE_CELL_MM
    size = (max(1, round(sub.shape[1] / per_cell)), max(1, round(sub.shape[0] / per_cell)))
    toned = ((cv2.resize(mid, size, interpolation=cv2.INTER_AREA) >= TONE_CELL_SHARE)
             & (cv2.resize(paper, size, interpolation=cv2.INTER_AREA) <= TONE_CELL_PAPER))
    cells = cv2.morphologyEx(toned.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cells, connectivity=8)
    cell_w = sub.shape[1] / per_cell / size[0] * TONE_CELL_MM  # mm
    cell_h = sub.shape[0] / per_cell / size[1] * TONE_CELL_MM
    best: tuple[float, int, int] | None = None
    for i in range(1, n):
        _, _, w, h, area = (int(v) for v in stats[i])
        mm2, w_mm, h_mm = area * cell_w * cell_h, round(w * cell_w), round(h * cell_h)
        if mm2 >= TONE_REGION_MM2 and min(w_mm, h_mm) >= TONE_REGION_SIDE_MM \
                and (best is None or mm2 > best[0]) and _textured(sub, labels == i, level):
            best = (mm2, w_mm, h_mm)
    return best


def _textured(sub: np.ndarray, cells: np.ndarray, level: float) -> bool:
    """A region of many tones (a photograph, a halftone), not one flat grey (a bar, a filled
    cell: solid in the output, or white with its text kept black — nothing lost)."""
    inside = cv2.resize(cells.astype(np.uint8), (sub.shape[1], sub.shape[0]),
                        interpolation=cv2.INTER_NEAREST) > 0
    tones = sub[inside & (sub < PAPER_TONE * level)]
    if tones.size == 0:
        return False
    low, high = np.percentile(tones, (10, 90))
    return bool(high - low >= TONE_SPREAD)


def _darkest(y: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The darkest sample of ``y`` in each cell of the half-size grid ``shape`` (float32): a
    thin stroke's core, which the cell's mean (a stroke of 2–3 px at 200 dpi averaged with
    the paper beside it) no longer shows."""
    h, w = shape
    full = y[:2 * h, :2 * w]
    if full.shape != (2 * h, 2 * w):
        full = cv2.copyMakeBorder(full, 0, 2 * h - full.shape[0], 0, 2 * w - full.shape[1],
                                  cv2.BORDER_REPLICATE)
    out: np.ndarray = full.reshape(h, 2, w, 2).min(axis=(1, 3)).astype(np.float32)
    return out


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with what it encloses (not joined to the frame) filled (bool)."""
    n, labels = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    outer = np.zeros(n, bool)
    outer[np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))] = True
    out: np.ndarray = mask | ~outer[labels]
    return out


def _seal_footprints(coloured: np.ndarray, per_mm: float) -> np.ndarray:
    """Where the seals lie (bool): coloured ink closed over ``SEAL_CLOSE_MM`` with what it
    encloses, in bodies ``SEAL_MM`` across both ways (a ring, its star and its text; a red
    rule, a letterhead's line or a ruled sheet's grid are no such body)."""
    k = 2 * max(1, round(SEAL_CLOSE_MM * per_mm)) + 1
    closed = cv2.morphologyEx(coloured.astype(np.uint8), cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
    filled = _fill_holes(closed)
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(filled.astype(np.uint8),
                                                           connectivity=8)
    lo, hi = SEAL_MM[0] * per_mm, SEAL_MM[1] * per_mm
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    seal = (w >= lo) & (h >= lo) & (w <= hi) & (h <= hi)
    seal[0] = False
    out: np.ndarray = seal[labels]
    return out


def colour_over_text(out: np.ndarray, y: np.ndarray, level: float, chroma: Chroma,
                     dpi: float) -> tuple[float, float] | None:
    """(coloured ink black mm², black text fused with it mm²) when coloured ink came out
    black over writing, else None.

    Seal ink is told by its chroma against its darkness: red over paper keeps about half of
    its darkness as chroma at any coverage (a faint seal too), while black text keeps almost
    none — even under the seal or beside it, where the JPEG's half-size chroma smears the
    seal's red into the strokes (``NEUTRAL_SHARE``). Text is judged by its strokes' cores
    (``_darkest``): a thin stroke averaged over a half-size cell is mid-grey. Fused text is
    the larger of the text touching the seal's black and the text within a seal's footprint
    (``_seal_footprints``: a date line under a ring is fused with its star and its arc of
    text though it touches little of them)."""
    h, w = chroma.cr.shape
    black = cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA) < 128
    tone = cv2.resize(y, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    red = chroma.cr.astype(np.float32) - np.float32(chroma.paper_cr)
    blue = np.abs(chroma.cb.astype(np.float32) - np.float32(chroma.paper_cb))
    far = np.maximum(np.abs(red), blue)
    dark = np.maximum(np.float32(level) - tone, 1.0)
    coloured = (black & (red > NEUTRAL_CHROMA) & (red >= blue)  # seal ink: red to orange
                & ((red > COLOUR_CHROMA) | (red >= COLOUR_SHARE * dark)))
    per_mm = _px_mm(dpi, 2)
    mm2 = per_mm ** 2
    colour_mm2 = float(np.count_nonzero(coloured)) / mm2
    if colour_mm2 < COLOUR_MIN_MM2:
        return None
    # neutral for its darkness; never bluer than ``NEUTRAL_CHROMA`` (blue pen is no black
    # text: the seal's smear turns the chroma red and yellow, not blue)
    bluer = chroma.cb.astype(np.float32) - np.float32(chroma.paper_cb)
    text = (black & (far < np.maximum(NEUTRAL_CHROMA, NEUTRAL_SHARE * dark))
            & (bluer < NEUTRAL_CHROMA) & (_darkest(y, (h, w)) < DARK_TEXT * level))
    coloured &= ~text  # black ink that kept its darkness: the text under the seal
    k = 2 * max(1, round(0.3 * per_mm)) + 1
    near = cv2.dilate(coloured.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    touch_mm2 = max(float(np.count_nonzero(text & near)),
                    float(np.count_nonzero(text & _seal_footprints(coloured, per_mm)))) / mm2
    return (colour_mm2, touch_mm2) if touch_mm2 >= COLOUR_TOUCH_MM2 else None


def light_marks(out: np.ndarray, y: np.ndarray, bg: np.ndarray, dpi: float
                ) -> tuple[float, float] | None:
    """(mm², share of the black) of light marks that came out black near darker ink."""
    black = out[::2, ::2] == 0
    nblack = int(np.count_nonzero(black))
    if nblack == 0:
        return None
    contrast = np.maximum(bg[::2, ::2] - y[::2, ::2].astype(np.float32), 0.0)
    per_mm = _px_mm(dpi, 2)
    k = 2 * max(1, round(NEAR_MM * per_mm)) + 1
    darkest = cv2.dilate(np.where(black, contrast, 0.0).astype(np.float32),
                         np.ones((k, k), np.uint8))
    light = (black & (contrast < LIGHT * darkest)).astype(np.uint8)
    # a light rule (a lined sheet, a form's print) is no mark over the text: left out
    n = max(3, round(RULE_MM * per_mm))
    rules = cv2.bitwise_or(cv2.morphologyEx(light, cv2.MORPH_OPEN, np.ones((1, n), np.uint8)),
                           cv2.morphologyEx(light, cv2.MORPH_OPEN, np.ones((n, 1), np.uint8)))
    light = cv2.subtract(light, rules)
    mm2 = per_mm ** 2
    area = float(np.count_nonzero(light)) / mm2
    share = float(np.count_nonzero(light)) / nblack
    return (area, share) if area >= LIGHT_MM2 and share >= LIGHT_SHARE else None


def losses(out: np.ndarray, y: np.ndarray, bg: np.ndarray, level: float, dpi: float,
           chroma: Chroma | None) -> list[tuple[str, str]]:
    """Review reasons (code, detail) for content the bilevel ``out`` of ``y`` cannot keep."""
    found: list[tuple[str, str]] = []
    region = tone_region(y, level, dpi)
    if region is not None:
        found.append(("bilevel_tones", f"region_mm={region[1]}x{region[2]}"))
    if chroma is not None:
        seal = colour_over_text(out, y, level, chroma, dpi)
        if seal is not None:
            found.append(("bilevel_colour", f"colour_mm2={seal[0]:.0f},text_mm2={seal[1]:.0f}"))
    light = light_marks(out, y, bg, dpi)
    if light is not None:
        found.append(("bilevel_light_marks", f"mm2={light[0]:.0f},share={light[1]:.2f}"))
    return found


__all__ = ["Chroma", "colour_over_text", "light_marks", "losses", "tone_region"]
