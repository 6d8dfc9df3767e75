"""Confirmation: is a candidate pair one sheet? RANSAC fit of the marks, then the two files
decoded at a medium size, aligned and compared tile by tile."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from dangan.intake.duplicates.align import fit_transform, refine
from dangan.intake.duplicates.body import (
    MAX_BODY_DISAGREE,
    MAX_REGION_DISAGREE,
    MAX_SPLIT_TILES,
    body_agreement,
)
from dangan.intake.duplicates.marks import Marks
from dangan.intake.duplicates.picture import (
    PICTURE_MAX_INLIERS,
    PICTURE_MIN_NCC,
    lost_holes,
    picture_ncc,
)
from dangan.intake.duplicates.sheet import (
    MAX_OFF_SHEET_SHARE,
    MAX_UNSEEN_PX,
    MID_SIDE,
    MidScan,
    mid_grey,
    mid_scan,
    off_sheet,
    toned,
    unseen_marks,
)
from dangan.intake.duplicates.tiles import MAX_DIFFERING_PX, compare_inks, unmatched_marks

__all__ = ["Comparison", "InkCache", "MidScan", "compare_inks", "confirm", "fit_transform",
           "mid_grey", "mid_scan", "off_sheet", "refine", "unmatched_marks", "unseen_marks"]


@dataclass(frozen=True)
class Comparison:
    inliers: int
    differing_px: int  # strong ink in tiles where the two scans differ, and in lost marks
    ink_px: int  # strong ink compared (the smaller of the two scans)
    off_sheet_px: int = 0  # one scan's sheet mapped onto the other's bed (mid-size px)
    unseen_px: int = 0  # strong ink of marks the other scan does not see (mid-size px)
    picture_ncc: float | None = None  # the aligned pictures' tone correlation (None: none)
    lost_holes: int = 0  # holes of either scan where the other shows plain paper
    body_off: float | None = None  # share of the strong ink in tiles that do not correlate
    region_off: float | None = None  # ... and in the worst region (None: not measured)
    split_tiles: int | None = None  # inky tiles plainly another text (None: not measured)

    @property
    def same(self) -> bool:
        return (self.layout_same
                and (self.body_off is None or self.body_off <= MAX_BODY_DISAGREE)
                and (self.region_off is None or self.region_off <= MAX_REGION_DISAGREE)
                and (self.split_tiles is None or self.split_tiles <= MAX_SPLIT_TILES))

    @property
    def layout_same(self) -> bool:
        """Whether everything but the body's correlation says one sheet."""
        return (self.differing_px <= MAX_DIFFERING_PX
                and self.off_sheet_px <= MAX_OFF_SHEET_SHARE * MID_SIDE * MID_SIDE
                and self.unseen_px <= MAX_UNSEEN_PX
                and (self.picture_ncc is None or self.picture_ncc >= PICTURE_MIN_NCC
                     or self.inliers > PICTURE_MAX_INLIERS)
                and (self.lost_holes == 0 or self.inliers > PICTURE_MAX_INLIERS))

    @property
    def distance(self) -> float:
        return self.differing_px / max(self.ink_px, 1)


class InkCache:
    """Mid-size scans of the pages confirmed so far (each file decoded at most once)."""

    def __init__(self, load: Callable[[int], bytes | None], size: int = 64,
                 tones: bool = True) -> None:
        self._load = load
        self._size = size
        self._tones = tones  # False: tone maps left for ``toned`` (``confirm`` adds them)
        self._items: OrderedDict[int, MidScan | None] = OrderedDict()

    def get(self, i: int) -> MidScan | None:
        if i in self._items:
            self._items.move_to_end(i)
            return self._items[i]
        data = self._load(i)
        grey = mid_grey(data) if data else None
        ink = mid_scan(grey, self._tones) if grey is not None else None
        self._items[i] = ink
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return ink


def confirm(a: Marks, b: Marks, scan_a: Callable[[], MidScan | None],
            scan_b: Callable[[], MidScan | None], *, thorough: bool = True,
            ) -> Comparison | None:
    """The comparison of two pages, or None when they are plainly not one sheet.

    Not ``thorough``: the checks stop at the first that tells two sheets (the ink
    differing beyond MAX_DIFFERING_PX — counted only until it does —, the sheet off the
    other's, unseen marks, then the picture, then the holes; the figures of the checks not
    run left at their defaults), and the picture and hole checks run only where they decide
    (sparse matches): ``same`` is what the thorough comparison gives, at a fraction of its
    cost for the many pairs of one layout that are two sheets."""
    fit = fit_transform(a, b)
    if fit is None:
        return None
    m, inliers = fit
    a_mid, b_mid = scan_a(), scan_b()
    if a_mid is None or b_mid is None:
        return None
    ia, ib = a_mid.ink, b_mid.ink
    sa = ia.shape[0] / a.shape[0]
    sb = ib.shape[0] / b.shape[0]
    mid = m.astype(np.float64).copy()
    mid[:, :2] *= sb / sa
    mid[:, 2] *= sb
    mid = refine(ia, ib, mid)
    differing, compared = compare_inks(ia, ib, mid, a_mid.dark, b_mid.dark,
                                       limit=None if thorough else MAX_DIFFERING_PX)
    if thorough:
        a_mid, b_mid = toned(a_mid), toned(b_mid)
        comp = Comparison(inliers, differing, compared, off_sheet(a_mid, b_mid, mid),
                          unseen_marks(a_mid, b_mid, mid), _picture(a_mid, b_mid, mid),
                          _holes(a_mid, b_mid, mid))
        return _with_body(comp, a_mid, b_mid, mid)
    comp = Comparison(inliers, differing, compared)
    if not comp.same:
        return comp
    comp = replace(comp, off_sheet_px=off_sheet(a_mid, b_mid, mid))
    if not comp.same:
        return comp
    comp = replace(comp, unseen_px=unseen_marks(a_mid, b_mid, mid))
    if not comp.same:
        return comp
    a_mid, b_mid = toned(a_mid), toned(b_mid)  # the body check leaves holes and pictures out
    if inliers <= PICTURE_MAX_INLIERS:  # (more inliers: the picture and the holes do not decide)
        comp = replace(comp, picture_ncc=_picture(a_mid, b_mid, mid))
        if not comp.same:
            return comp
        comp = replace(comp, lost_holes=_holes(a_mid, b_mid, mid))
        if not comp.same:
            return comp
    return _with_body(comp, a_mid, b_mid, mid)


def _with_body(comp: Comparison, a: MidScan, b: MidScan, a_to_b: np.ndarray) -> Comparison:
    """All the checks above hold for two texts of one layout (a form's frame, its title, a
    seal at one place) whose lines lie ink on ink: where they do, the body must correlate too."""
    if not comp.layout_same:
        return comp
    body = body_agreement(a, b, a_to_b)
    if body is None:
        return comp
    return replace(comp, body_off=body.sheet, region_off=body.region, split_tiles=body.split)


def _picture(a: MidScan, b: MidScan, a_to_b: np.ndarray) -> float | None:
    if a.tone is None or a.picture is None or b.tone is None or b.picture is None:
        return None
    return picture_ncc(a.tone, a.picture, b.tone, b.picture, a_to_b)


def _holes(a: MidScan, b: MidScan, a_to_b: np.ndarray) -> int:
    if a.holes is None or b.holes is None:
        return 0
    inv = cv2.invertAffineTransform(a_to_b)
    return (lost_holes(a.holes, b.holes, b.dark, b.light, b.sheet, a_to_b)
            + lost_holes(b.holes, a.holes, a.dark, a.light, a.sheet, inv))
