"""Find a sheet scanned twice, whatever the second scan's skew, offset, scale, bed and exposure.

Three steps, each far cheaper than the next, so only likely pairs reach the costly one:

1. **Marks** (``marks``; per page, in the worker that decodes it): ORB keypoints of the page's
   ink at a small working size. ORB is rotation invariant and works over a pyramid, so a
   rescan at another angle, scale, offset or quarter turn yields the same marks; the ink is
   measured against the local paper level, so the bed colour and the exposure do not matter.
2. **Candidates** (``candidates``): each descriptor is hashed to a few LSH words (random bit
   subsets); two scans of one sheet share many words whose keypoints all turned by the same
   angle and then moved by the same offset, unrelated pages few, turned and moved any way
   (a vote over turn, then offset). Only the best few pairs per page go on.
3. **Confirmation** (``compare``): the descriptors of a candidate pair are matched and a
   similarity transform fitted by RANSAC; a pair with few inliers, or inliers on a part of
   the sheet only (a shared letterhead), is dropped. Otherwise both files are decoded again
   at a medium size, aligned (the transform polished by local shifts of the tiles richest in strokes),
   and compared tile by tile: a tile where one scan has strong ink the other lacks must find
   its content on the other within a pixel. A rescan matches everywhere; two filled copies
   of one printed form, or covers of two volumes, differ where the values were written.
   Holes (dark on a black bed, white on a white one), dense texture (halftone, engravings)
   and whatever lies outside the ink both scans share (bed edges, shadows) are not compared
   tile by tile. But the whole sheet must agree, not only the region the marks matched on:
   every mark of either scan (a page number, a character, a stroke) must find its own shape
   at its place on the other, wherever both frames see plain paper; and where a black bed
   shows a sheet's outline, the transform must not lay that sheet on the other scan's bed.
   Nor may a mark lie where the other scan does not see the sheet (off its frame, deep in
   its dark bed): a sheet scanned twice is seen whole both times, so what one scan shows
   and the other cannot confirm is not taken as found. Two sheets carrying the same seal
   at other places fail: their page numbers and the rest of each sheet land where the
   other has none, or off the other scan — the seal they share is no evidence. The ink is
   measured against the paper, so a photo carries almost none, and holes are left out of
   the tile comparison: on a sparse page (marks fitted by few inliers) the aligned tone of
   the pictures must correlate too (``picture``: another photo above a caption alike but
   for a few characters is another sheet), and no punched hole of either scan may lie on
   plain paper of the other where its black bed would show it (a sheet scanned twice has
   the same holes). Last, where both scans have ink, it must be the same ink (``body``):
   a body dense enough to look like texture at the mid size (bold characters set close)
   makes two texts of one form lines of ink blobs at the same places, ink on ink, and the
   form's frame, title and seal fix the fit; each tile inked on both scans must correlate
   with the other within a pixel, over the sheet and in each region of it. A sheet scanned
   twice does, whatever the exposure; a form filled with another text does not.
   In the search these checks stop at the first that tells two sheets
   (the ink difference counted only until it is over its limit), and the pictures' tone is
   taken only for a sparse match: most pairs of one layout are two sheets, told by the ink
   alone (``confirm(..., thorough=False)``, the thorough comparison's verdict).

``find_duplicates`` runs the three over a batch, a volume and its neighbours at a time.

Limits: two pages that differ only by a character or two at one place (a digit of an
archive code on otherwise identical covers) are below what the comparison resolves and are
reported as one sheet; so are two sheets carrying exactly the same sparse content (one
title, one seal) at one place, with the same holes: nothing on the scans tells them apart.
A page with almost no ink (fewer than a dozen keypoints) is never
reported — blank pages have their own defect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from dangan.intake.duplicates.candidates import (
    TOP_CANDIDATES,
    WIDE_CANDIDATES,
    candidate_pairs,
    shared_words,
)
from dangan.intake.duplicates.compare import Comparison, InkCache, compare_inks, confirm
from dangan.intake.duplicates.marks import Marks, page_marks, relative_ink

__all__ = ["Comparison", "Duplicate", "Marks", "candidate_pairs", "compare_inks", "confirm",
           "find_duplicates", "page_marks", "relative_ink", "shared_words"]


@dataclass(frozen=True)
class Duplicate:
    page: int  # index into the pages given: a later scan of the sheet
    other: int  # the earliest scan of the sheet; when those two do not hold compared
    # directly, the copy ``page`` was confirmed with (an earlier one if any, else a later one)
    comparison: Comparison  # of ``page`` and ``other``
    copies: tuple[int, ...] = ()  # every page found to show this sheet, in batch order


class _Sheets:
    """Pages known to show one sheet (union-find over the confirmed pairs)."""

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))

    def root(self, i: int) -> int:
        while self._parent[i] != i:
            self._parent[i] = self._parent[self._parent[i]]
            i = self._parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self._parent[self.root(j)] = self.root(i)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self._parent)):
            out.setdefault(self.root(i), []).append(i)
        return [g for g in out.values() if len(g) > 1]


def find_duplicates(marks: Sequence[bytes], groups: Sequence[int],
                    load: Callable[[int], bytes | None], *, neighbours: int = 1,
                    ) -> list[Duplicate]:
    """Pages that are another scan of an earlier page's sheet.

    ``marks[i]`` is ``page_marks`` of page ``i`` (b"" for a page to leave out), ``groups[i]``
    its volume's position in the batch, and pages are given in batch order (volume, then page
    number). Pages are compared within a volume and with the ``neighbours`` volumes on either
    side; ``load(i)`` returns page ``i``'s file bytes for the confirmation.

    Confirmed pairs join their pages into one sheet, so a sheet scanned three or more times
    is found whichever of its pairs were among the best few of their pages (the candidates);
    a pair of pages already known as one sheet is not confirmed again. A page's budget is
    TOP_CANDIDATES pairs compared in full and found two sheets; pairs whose marks do not even
    fit one sheet (look-alikes of one layout: photo pages, one template) cost little and do
    not count, down to the page's WIDE_CANDIDATES best. Every page of a sheet
    but the first is reported once, against the earliest copy (compared directly when they
    were joined through other copies; failing that, against the copy it was confirmed with),
    each naming all the copies.
    """
    unpacked = [Marks.unpack(m) if m else Marks.unpack(b"") for m in marks]
    cache = InkCache(load, tones=False)  # tone maps only where a comparison needs them
    sheets = _Sheets(len(marks))
    confirmed: dict[tuple[int, int], Comparison] = {}

    def compared(i: int, j: int) -> Comparison | None:
        return confirm(unpacked[i], unpacked[j], partial(cache.get, i), partial(cache.get, j),
                       thorough=False)

    def same(i: int, j: int) -> Comparison | None:
        comp = compared(i, j)
        return comp if comp is not None and comp.same else None

    for lo in sorted(set(groups)):
        window = [i for i, g in enumerate(groups) if lo <= g <= lo + neighbours]
        if len(window) < 2:
            continue
        sub = [unpacked[i] for i in window]
        first = [groups[i] == lo for i in window]

        def allowed(p: int, q: int, first: list[bool] = first) -> bool:
            return first[p] or first[q]  # pairs of later volumes: their own window

        failed: dict[int, int] = {}  # pairs compared in full that proved two sheets
        for p, q in candidate_pairs(sub, allowed, top=WIDE_CANDIDATES):
            i, j = window[p], window[q]  # i < j: j is the later page
            if sheets.root(i) == sheets.root(j):
                continue  # already known to be one sheet
            if failed.get(i, 0) >= TOP_CANDIDATES and failed.get(j, 0) >= TOP_CANDIDATES:
                continue
            comp = compared(i, j)
            if comp is None:
                continue  # plainly not one sheet, and cheap to tell
            if comp.same:
                confirmed[(i, j)] = comp
                sheets.join(i, j)
            else:
                failed[i] = failed.get(i, 0) + 1
                failed[j] = failed.get(j, 0) + 1
    found = []
    for copies in sheets.groups():
        earliest = copies[0]
        for j in copies[1:]:
            pair = (earliest, j)
            if pair not in confirmed:  # joined through other copies: compare the two
                comp = same(earliest, j)
                if comp is not None:
                    confirmed[pair] = comp
            if pair not in confirmed:  # the copy it was confirmed with, an earlier one first
                pair = min((ik for ik in confirmed if j in ik),
                           key=lambda ik: (ik[1] != j, ik[0] if ik[1] == j else ik[1]))
            other = pair[0] if pair[1] == j else pair[1]
            found.append(Duplicate(j, other, confirmed[pair], tuple(copies)))
    return sorted(found, key=lambda d: d.page)
