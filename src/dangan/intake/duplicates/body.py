"""Whether the two aligned scans agree where their content is: the body, not only the layout.

The marks a fit is made of, and the tile comparison, see what two sheets share and where they
differ plainly; but a dense body (text so close at the mid size that its tiles look like
texture, lines of one size at the same places) can differ everywhere and still overlap almost
wholly: the printed frame, the title and the seal of a form fix the fit, and the lines of two
other texts lie ink on ink. A sheet scanned twice shows the same strokes at the same places,
whatever the exposure: each inky tile correlates with itself on the other scan within a
pixel, near 1. Two texts of one layout correlate only through their line structure.

``body_agreement`` gives the strong-ink-weighted mean of that correlation over every inky tile
both scans see (dense ones too), over the whole sheet and per region of REGION tiles a side.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dangan.intake.duplicates.picture import HOLE_MAX_PX
from dangan.intake.duplicates.sheet import MidScan
from dangan.intake.duplicates.tiles import (
    BORDER_PX,
    INK_STRONG,
    SEARCH_PX,
    TILE,
    TILE_MIN_INK,
    _best_ncc,
    _tile_sums,
)

REGION = 5  # tiles a side of a region (120 mid px, ~1/8 of an A4 sheet's longer side)
BODY_MIN_TILES = 20  # fewer tiles inked on both scans (a sparse page): not judged here
REGION_MIN_TILES = 6  # a region with fewer is judged with the sheet only
TILE_AGREE_NCC = 0.85  # a tile correlating less with the other scan disagrees
MAX_BODY_DISAGREE = 0.3  # more of the sheet's strong ink in such tiles: another text ...
MAX_REGION_DISAGREE = 0.6  # ... or more of one region's: another text there
# A few tiles that plainly do not correlate are another text at one place, however little of
# the sheet's ink they hold: two copies of one printed form filled with other names (three
# characters in each of two fields). A sheet scanned twice keeps every inky tile near 1
# (277 development rescans: none with two tiles below 0.8, 3 with one).
SPLIT_NCC = 0.8  # a tile correlating less than this with the other scan is another text
MAX_SPLIT_TILES = 1  # more such tiles: two sheets
HOLE_RADIUS_PX = HOLE_MAX_PX  # a punched hole's surroundings left out (its shadow, its rim)


@dataclass(frozen=True)
class Agreement:
    sheet: float  # share of the compared strong ink in tiles that disagree, over the sheet
    region: float  # the highest of the regions'
    tiles: int  # inky tiles compared
    split: int = 0  # of them, tiles correlating below SPLIT_NCC


def body_agreement(a: MidScan, b: MidScan, a_to_b: np.ndarray) -> Agreement | None:
    """The share of the aligned scans' strong ink in tiles that do not correlate with the
    other scan (below TILE_AGREE_NCC, either way, within SEARCH_PX), over the sheet and in
    its worst region, and the count of tiles plainly another text (below SPLIT_NCC); None
    where fewer than BODY_MIN_TILES tiles have ink enough (a sparse
    page: its few marks are judged one by one, ``unmatched_marks``)."""
    got = tile_correlation(a, b, a_to_b)
    if got is None:
        return None
    ncc, weight = got
    if int((weight > 0).sum()) < BODY_MIN_TILES:
        return None
    off = np.where(ncc < TILE_AGREE_NCC, weight, 0.0)
    sheet = float(off.sum() / weight.sum())
    worst = 0.0
    ny, nx = weight.shape
    for ry in range(0, ny, REGION):
        for rx in range(0, nx, REGION):
            part = (slice(ry, ry + REGION), slice(rx, rx + REGION))
            if int((weight[part] > 0).sum()) < REGION_MIN_TILES:
                continue
            worst = max(worst, float(off[part].sum() / weight[part].sum()))
    split = int(((ncc < SPLIT_NCC) & (weight > 0)).sum())
    return Agreement(sheet, worst, int((weight > 0).sum()), split)


def _left_out(scan: MidScan, band: np.ndarray) -> np.ndarray:
    """1 where a scan's ink says nothing of the sheet's body: its dark bed and a band along
    it, its punched holes (white on a white bed, dark on a black one) and its pictures (their
    tone has its own check). Bold text dense enough to be dark itself is compared."""
    h, w = scan.ink.shape
    out = cv2.dilate(scan.bed, band)
    if scan.holes is not None:
        for x, y in scan.holes:
            cv2.circle(out, (round(float(x)), round(float(y))), HOLE_RADIUS_PX, 1, -1)
    if scan.picture is not None and scan.picture.any():
        pic = cv2.resize(scan.picture, (w, h), interpolation=cv2.INTER_NEAREST)
        out = cv2.bitwise_or(out, cv2.dilate(pic, band))
    return out


def tile_correlation(a: MidScan, b: MidScan, a_to_b: np.ndarray,
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """(correlation, strong-ink weight) per tile of A: the lower of the two ways' best
    normalised correlation within SEARCH_PX, on the tiles both frames see whole, away from
    frame edges and what ``_left_out`` leaves out, where both scans have TILE_MIN_INK strong
    ink or more (weight 0 elsewhere); None where there is none."""
    ink_a, ink_b = a.ink, b.ink
    h, w = ink_a.shape
    inverse = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    b_on_a = cv2.warpAffine(ink_b, a_to_b, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    band = np.ones((2 * BORDER_PX + 1, 2 * BORDER_PX + 1), np.uint8)
    seen = cv2.warpAffine(np.ones(ink_b.shape, np.uint8), a_to_b, (w, h), flags=inverse)
    checked = cv2.erode(seen, band, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    checked = cv2.erode(checked, band, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    out_b = cv2.warpAffine(_left_out(b, band), a_to_b, (w, h), flags=inverse)
    checked = cv2.bitwise_and(checked, 1 - cv2.bitwise_or(_left_out(a, band), out_b))
    full = _tile_sums(checked) == TILE * TILE
    mass_a = _tile_sums(((ink_a > INK_STRONG) & (checked > 0)).astype(np.uint8))
    mass_b = _tile_sums(((b_on_a > INK_STRONG) & (checked > 0)).astype(np.uint8))
    mass = np.maximum(mass_a, mass_b)
    # ink on both: where one scan has none (a value written on one sheet only, a bed's edge
    # or shadow), the tile and mark comparisons judge
    tiles = full & (np.minimum(mass_a, mass_b) >= TILE_MIN_INK)
    r = SEARCH_PX
    tiles[:1, :] = False  # the search needs r px around the tile
    tiles[:, :1] = False
    if tiles.shape[0] * TILE + r > h:
        tiles[-1, :] = False
    if tiles.shape[1] * TILE + r > w:
        tiles[:, -1] = False
    if not tiles.any():
        return None
    fa = cv2.GaussianBlur(ink_a, (3, 3), 0).astype(np.float32)
    fb = cv2.GaussianBlur(b_on_a, (3, 3), 0).astype(np.float32)
    ncc = np.ones(mass.shape, np.float64)
    for ty, tx in zip(*np.nonzero(tiles), strict=True):
        y, x = int(ty) * TILE, int(tx) * TILE
        ta, tb = fa[y : y + TILE, x : x + TILE], fb[y : y + TILE, x : x + TILE]
        around_a = fa[y - r : y + TILE + r, x - r : x + TILE + r]
        around_b = fb[y - r : y + TILE + r, x - r : x + TILE + r]
        ncc[ty, tx] = min(_best_ncc(ta, around_b), _best_ncc(tb, around_a))
    return ncc, np.where(tiles, mass, 0).astype(np.float64)
