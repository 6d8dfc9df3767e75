"""Page-sequence rules: gaps, duplicate numbers and renumber plans. Pure: no I/O.

A volume's images are numbered 1, 2, 3 … with no gap and no number used twice (the seed:
"图片连续不断号"). ``sequence_problems`` finds where that is broken; ``plan_renumber``
turns an operator's correction (insert a missed page, remove an extra scan, close gaps)
into the list of renames that reaches the corrected sequence, which ``intake.renumber``
then carries out under a journal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PageFile:
    """A page image in a volume folder: its number and file name (extension kept as found)."""

    page_no: int
    name: str
    ext: str


@dataclass(frozen=True)
class Gap:
    page_no: int  # first missing number of the run
    count: int  # how many numbers in a row are missing
    before: int | None  # the number present just before the gap
    after: int | None  # the number present just after the gap


@dataclass(frozen=True)
class SequenceReport:
    gaps: tuple[Gap, ...]
    duplicates: tuple[tuple[int, tuple[str, ...]], ...]  # (page_no, names)
    count: int  # distinct page numbers

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(n for g in self.gaps for n in range(g.page_no, g.page_no + g.count))

    @property
    def ok(self) -> bool:
        return not self.gaps and not self.duplicates


def sequence_problems(files: Iterable[PageFile], first: int = 1) -> SequenceReport:
    """Gaps in ``first … max`` and numbers used by more than one file."""
    names: dict[int, list[str]] = defaultdict(list)
    for f in files:
        names[f.page_no].append(f.name)
    numbers = sorted(names)
    gaps: list[Gap] = []
    expected = first
    previous: int | None = None
    for n in numbers:
        if n > expected:
            gaps.append(Gap(expected, n - expected, previous, n))
        expected = max(expected, n + 1)
        previous = n
    dups = tuple((n, tuple(sorted(names[n]))) for n in numbers if len(names[n]) > 1)
    return SequenceReport(tuple(gaps), dups, len(numbers))


class PlanError(ValueError):
    """The requested correction cannot be applied; ``reason`` is a machine-readable word."""

    def __init__(self, reason: str, value: object = None) -> None:
        super().__init__(reason, value)
        self.reason = reason
        self.value = value


@dataclass(frozen=True)
class RenumberPlan:
    """Renames from the current names to the corrected ones.

    ``moves``: existing files whose name changes (src, dst). ``inserts``: (index into the new
    files, dst). ``removes``: names taken out of the sequence. ``final``: the whole corrected
    volume as (page_no, name), ascending and gap-free where asked.
    """

    moves: tuple[tuple[str, str], ...]
    inserts: tuple[tuple[int, str], ...]
    removes: tuple[str, ...]
    final: tuple[tuple[int, str], ...]

    @property
    def empty(self) -> bool:
        return not (self.moves or self.inserts or self.removes)


def _gap_before(numbers: Collection[int], at: int | None) -> tuple[int | None, int]:
    """Where an insertion at ``at`` falls on missing numbers (``at`` itself, or the numbers
    just below it, are not taken and a later page exists): the gap's first number and how
    many numbers it has; else (None, 0)."""
    if at is None or not numbers or at > max(numbers):
        return None, 0
    below = [n for n in numbers if n < at]
    start = max(below, default=0) + 1
    end = min(n for n in numbers if n >= at)  # the first page after the gap
    if start >= end:
        return None, 0
    return start, end - start


def plan_renumber(
    files: Sequence[PageFile],
    name_for: Callable[[int, str], str],
    *,
    insert_before: int | None = None,
    insert_after: int | None = None,
    new_exts: Sequence[str] = (),
    remove: Collection[str] = (),
    close_gaps: bool = False,
) -> RenumberPlan:
    """Compute the renames for one correction of a volume.

    ``insert_before N``: the new pages take numbers N, N+1 …; the page that was N and every
    later page shift up by the number inserted. ``insert_after N`` is the same before N+1
    (``insert_after 0`` prepends). Where numbers are missing at that place (``0006`` absent
    between ``0005`` and ``0007``: inserting before 0007, after 0005, or at 0006), the new
    pages fill the gap from its start and later pages shift only by what it cannot hold. ``remove`` names files (an extra scan, one of two files
    with the same number); later pages shift down. ``close_gaps`` renumbers 1…n in order.
    Duplicate numbers left after the removals make the plan impossible.
    """
    if insert_before is not None and insert_after is not None:
        raise PlanError("two_insert_points")
    if (insert_before is not None or insert_after is not None) and not new_exts:
        raise PlanError("nothing_to_insert")
    if new_exts and insert_before is None and insert_after is None:
        raise PlanError("no_insert_point")
    by_name = {f.name: f for f in files}
    unknown = [n for n in remove if n not in by_name]
    if unknown:
        raise PlanError("page_absent", unknown[0])
    kept = [f for f in files if f.name not in remove]
    report = sequence_problems(kept)
    if report.duplicates:
        raise PlanError("duplicate_page_no", report.duplicates[0][0])
    numbers = {f.page_no for f in files}
    top = max(numbers, default=0)
    if insert_after is not None:
        if insert_after != 0 and insert_after not in numbers:
            raise PlanError("page_absent", insert_after)
        insert_before = insert_after + 1
        # after the last page means append
        if insert_after == top:
            insert_before = top + 1
    fill_from, free = _gap_before(numbers, insert_before) if not remove else (None, 0)
    if fill_from is not None:
        # The pages go where numbers are missing (a page left out by the scan): they take
        # the gap's numbers from its start, and only what the gap cannot hold shifts the
        # later pages.
        insert_before = fill_from
    elif insert_before is not None and insert_before not in numbers \
            and insert_before != top + 1:
        raise PlanError("page_absent", insert_before)

    ordered = sorted(files, key=lambda f: (f.page_no, f.name))
    sequence: list[tuple[int, PageFile | int]] = []  # (new number, file or index of new file)
    offset = 0
    inserted = insert_before is None

    def place_new(at: int) -> None:
        for i, _ext in enumerate(new_exts):
            sequence.append((at + i, i))

    for f in ordered:
        if not inserted and insert_before is not None and f.page_no >= insert_before:
            place_new(insert_before + offset)
            offset += max(0, len(new_exts) - free)
            inserted = True
        if f.name in remove:
            offset -= 1
            continue
        sequence.append((f.page_no + offset, f))
    if not inserted and insert_before is not None:
        place_new(insert_before + offset)
    if close_gaps:
        sequence = [(i, item) for i, (_n, item) in enumerate(sequence, start=1)]

    moves: list[tuple[str, str]] = []
    inserts: list[tuple[int, str]] = []
    final: list[tuple[int, str]] = []
    for number, item in sequence:
        if number < 1:
            raise PlanError("below_one", number)
        if isinstance(item, PageFile):
            dst = name_for(number, item.ext)
            if dst != item.name:
                moves.append((item.name, dst))
        else:
            dst = name_for(number, new_exts[item])
            inserts.append((item, dst))
        final.append((number, dst))
    if len({n for n, _ in final}) != len(final) or len({d for _, d in final}) != len(final):
        raise PlanError("collision")
    return RenumberPlan(tuple(moves), tuple(inserts), tuple(sorted(remove)), tuple(final))
