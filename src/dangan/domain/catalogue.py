"""Volume records (卷宗信息标引) and catalogues (卷内目录) as data, and their validation.

Pure rules: no I/O, no ORM. The input is text as typed (a spreadsheet row, a web form), so a
problem can be located by the row it came from; the output is the parsed catalogue plus one
``Defect`` per problem (the same record shape as every other check on the line).

Page numbers in a catalogue are the paper's page numbers (页号). Pages the template leaves
unnumbered (cover, the 卷内目录 sheet itself, the 备考表) are images too: leading ones come
before page 1, trailing ones after the last numbered page. Image number = page + leading.

A 卷内目录 usually gives only the first page of each item (页号 ``5``); the last page is then
the page before the next item's first page, and the volume's last numbered page for the last
item. A range ``5-8`` or separate 起始页/终止页 columns give both ends explicitly.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS, label
from dangan.domain.defects import Defect, Severity, make_defect, register_code
from dangan.errors import ConfigError
from dangan.i18n import t

INDEX = "index"
GAP = register_code("catalogue_gap", Severity.ERROR, INDEX).code
OVERLAP = register_code("catalogue_overlap", Severity.ERROR, INDEX).code
BEYOND_LAST_PAGE = register_code("catalogue_beyond_last_page", Severity.ERROR, INDEX).code
ORDER = register_code("catalogue_order", Severity.ERROR, INDEX).code
BAD_SEQ = register_code("catalogue_bad_seq", Severity.ERROR, INDEX).code
BAD_PAGE = register_code("catalogue_bad_page", Severity.ERROR, INDEX).code
BAD_DATE = register_code("catalogue_bad_date", Severity.ERROR, INDEX).code
BAD_NUMBER = register_code("catalogue_bad_number", Severity.ERROR, INDEX).code
MISSING_FIELD = register_code("catalogue_missing_field", Severity.ERROR, INDEX).code
PAGE_COUNT = register_code("catalogue_page_count", Severity.ERROR, INDEX).code
ITEM_COUNT = register_code("catalogue_item_count", Severity.ERROR, INDEX).code
NO_ENTRIES = register_code("catalogue_empty", Severity.ERROR, INDEX).code

LEADING_PAGES = {"cover": "cover", "封面": "cover", "contents": "contents", "卷内目录": "contents"}
TRAILING_PAGES = {"back": "back", "备考表": "back", "back_cover": "back_cover", "封底": "back_cover"}
DATE_FIELDS = frozenset({"date", "start_date", "end_date"})
NUMBER_FIELDS = frozenset({"item_count", "page_count", "year"})
_DATE_RE = re.compile(r"^([0-9]{4})(?:[-./年]?([0-9]{1,2})(?:[-./月]?([0-9]{1,2})日?)?月?)?年?$")
# Years a paper archive's dates fall in: a stored 354904 (the Excel serial 35494 read as
# digits) is no date, whatever its digits allow.
YEARS = range(1000, 2101)
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def half_width(text: str) -> str:
    """Full-width digits, Latin letters and ASCII punctuation (“１９９７”, “－”) as their
    ASCII forms (NFKC for that block only): the one rule for numeric, date and location
    values, whether read from a sheet or typed at the index desk. Other characters (年, 月,
    ①) are left as typed."""
    return text.translate(_FULL_WIDTH) if text and not text.isascii() else text


@dataclass(frozen=True)
class CatalogueSchema:
    """The project's field schema, from ``[catalogue]`` in dangan.toml."""

    record_fields: tuple[str, ...]
    entry_fields: tuple[str, ...]
    required_record_fields: tuple[str, ...] = ()
    required_entry_fields: tuple[str, ...] = ("title",)
    leading_unnumbered: tuple[str, ...] = ()
    trailing_unnumbered: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, cat: Any) -> CatalogueSchema:
        leading: list[str] = []
        trailing: list[str] = []
        for name in cat.unnumbered_pages:
            if name in LEADING_PAGES:
                leading.append(LEADING_PAGES[name])
            elif name in TRAILING_PAGES:
                trailing.append(TRAILING_PAGES[name])
            else:
                choices = ", ".join([*LEADING_PAGES, *TRAILING_PAGES])
                raise ConfigError("index.bad_unnumbered", name=name, choices=choices)
        for name in (*cat.record_fields, *cat.required_record_fields):
            if name not in RECORD_LABELS:
                raise ConfigError("index.unknown_field", name=name, choices=", ".join(RECORD_LABELS))
        for name in (*cat.entry_fields, *cat.required_entry_fields):
            if name not in ENTRY_LABELS:
                raise ConfigError("index.unknown_field", name=name, choices=", ".join(ENTRY_LABELS))
        return cls(tuple(cat.record_fields), tuple(cat.entry_fields),
                   tuple(cat.required_record_fields), tuple(cat.required_entry_fields),
                   tuple(leading), tuple(trailing))

    @property
    def unnumbered(self) -> int:
        return len(self.leading_unnumbered) + len(self.trailing_unnumbered)

    def numbered_pages(self, image_count: int) -> int:
        return max(image_count - self.unnumbered, 0)

    def image_no(self, page: int) -> int:
        return page + len(self.leading_unnumbered)


@dataclass(frozen=True)
class RawEntry:
    """One catalogue row as typed: field name -> text; ``row`` locates it in its sheet."""

    values: Mapping[str, str]
    row: int | None = None


@dataclass(frozen=True)
class Entry:
    """A parsed 卷内目录 row; pages are paper page numbers, inclusive."""

    seq: int
    page_start: int
    page_end: int
    fields: Mapping[str, str]
    row: int | None = None

    @property
    def pages(self) -> int:
        return self.page_end - self.page_start + 1


@dataclass
class Catalogue:
    """A volume's record and entries after validation, with the problems found."""

    archive_code: str
    record: dict[str, str]
    entries: list[Entry]
    defects: list[Defect] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.defects)


@lru_cache(maxsize=65536)
def normalise_date(text: str) -> str | None:
    """``1997-3-5`` / ``1997.03.05`` / ``1997年3月`` -> ``19970305`` / ``199703``; None if invalid.

    Full-width digits read as ASCII (``half_width``): ``１９９７０４０１`` -> ``19970401``.
    Digits alone are YYYY, YYYYMM or YYYYMMDD (``35494`` is none of them); the year is
    within ``YEARS``."""
    s = half_width("".join(text.split()))
    m = _DATE_RE.match(s)
    if not m or (s.isdigit() and len(s) not in (4, 6, 8)):
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if int(year) not in YEARS:
        return None
    if month is None:
        return year
    mm = int(month)
    if not 1 <= mm <= 12:
        return None
    if day is None:
        return f"{year}{mm:02d}"
    dd = int(day)
    if not 1 <= dd <= calendar.monthrange(int(year), mm)[1]:
        return None
    return f"{year}{mm:02d}{dd:02d}"


def split_date_range(text: str) -> tuple[str, str]:
    """``19970101-19971231`` / ``1997.1—1997.12`` / ``1997年至1998年`` -> (start, end)."""
    s = "".join(text.split())
    for sep in ("至", "~", "～", "—", "–", "--"):
        if sep in s:
            a, _, b = s.partition(sep)
            return a, b
    parts = s.split("-")
    if len(parts) == 2:
        return parts[0], parts[1]
    half = len(parts) // 2
    if len(parts) >= 4 and len(parts) % 2 == 0:
        return "-".join(parts[:half]), "-".join(parts[half:])
    return s, ""


def _where(code: str, row: int | None, seq: int | str | None, source: str,
           desk: str = "") -> str:
    if desk == "record":  # the 著录台's record form: one record, no row
        return t("index.where_desk_record", code=code)
    if desk and row is not None:  # the 著录台's grid: the row as the indexer sees it
        return t("index.where_desk_entry", row=row, code=code)
    if row is not None:
        return t("index.where_row", source=source, row=row, code=code)
    if seq is not None:
        return t("index.where_item", code=code, seq=seq)
    return t("index.where_volume", code=code)


class _Checker:
    """Collects defects for one volume, each located by row (import) or item number (check)."""

    def __init__(self, code: str, source: str, path: str, desk: str = "") -> None:
        self.code, self.source, self.path, self.desk = code, source, path, desk
        self.defects: list[Defect] = []

    def add(self, defect_code: str, row: int | None = None, seq: int | str | None = None,
            page: int | None = None, **params: Any) -> None:
        where = _where(self.code, row, seq, self.source, self.desk)
        self.defects.append(make_defect(defect_code, path=self.path, volume=self.code,
                                        page=page, where=where, **params))


def _parse_int(text: str) -> int | None:
    s = half_width(text).strip()
    return int(s) if s.isascii() and s.isdigit() else None


def _parse_pages(values: Mapping[str, str]) -> tuple[int | None, int | None, bool]:
    """(start, end, ok) from 页号 ``5`` / ``5-8`` or 起始页/终止页."""
    start_text = half_width(values.get("page_start", "")).strip()
    end_text = half_width(values.get("page_end", "")).strip()
    if not start_text and values.get("pages", "").strip():
        raw = half_width(values["pages"]).strip().replace("～", "-").replace("~", "-").replace("—", "-")
        a, sep, b = raw.partition("-")
        start_text, end_text = a.strip(), (b.strip() if sep else end_text)
    if not start_text:
        return None, None, False
    start = _parse_int(start_text)
    end = _parse_int(end_text) if end_text else None
    ok = start is not None and start >= 1 and (not end_text or end is not None)
    return start, end, ok


@lru_cache(maxsize=64)
def _field_order(fields: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*fields, *required)))


def _check_fields(chk: _Checker, values: Mapping[str, str], fields: tuple[str, ...],
                  required: tuple[str, ...], labels: Mapping[str, tuple[str, str]],
                  row: int | None, seq: int | str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in _field_order(fields, required):
        text = values.get(name, "").strip()
        if not text:
            if name in required:
                chk.add(MISSING_FIELD, row, seq, field=label(labels, name))
            out[name] = ""
            continue
        if name in DATE_FIELDS:
            norm = normalise_date(text)
            if norm is None:
                chk.add(BAD_DATE, row, seq, field=label(labels, name), value=text)
                norm = text
            text = norm
        elif name in NUMBER_FIELDS:
            if _parse_int(text) is None:
                chk.add(BAD_NUMBER, row, seq, field=label(labels, name), value=text)
            else:
                text = half_width(text)
        out[name] = text
    return out


def validate_catalogue(
    archive_code: str,
    record: RawEntry | None,
    rows: Sequence[RawEntry],
    schema: CatalogueSchema,
    image_count: int | None = None,
    source: str = "",
    record_source: str | None = None,
    desk: bool = False,
) -> Catalogue:
    """Parse and check one volume's record and catalogue rows against its page images.

    Every image page must belong to exactly one item (no gap, no overlap, none beyond the
    last page), items ascend, required fields are present, dates are valid, and the
    record's 件数/页数 equal what the catalogue counts.

    ``desk``: typed at the 著录台, not read from a sheet: the rows' ``row`` is the grid's
    row (1, 2, …) and a problem is located as the indexer sees it (卷宗信息, 卷内目录第 N 条),
    never by a sheet row or a file name.
    """
    chk = _Checker(archive_code, source, source, "entries" if desk else "")
    rchk = _Checker(archive_code, record_source or source, record_source or source,
                    "record" if desk else "")
    rchk.defects = chk.defects  # one list, in the order found
    numbered = None if image_count is None else schema.numbered_pages(image_count)
    record_fields: dict[str, str] = {}
    if record is not None:
        values = dict(record.values)
        if values.get("date_range") and not (values.get("start_date") or values.get("end_date")):
            values["start_date"], values["end_date"] = split_date_range(values["date_range"])
        record_fields = _check_fields(rchk, values, schema.record_fields,
                                      schema.required_record_fields, RECORD_LABELS,
                                      record.row, None)
    if not rows:
        chk.add(NO_ENTRIES)
        return Catalogue(archive_code, record_fields, [], chk.defects)

    parsed: list[tuple[RawEntry, int | None, int | None, int | None, dict[str, str]]] = []
    for index, raw in enumerate(rows, start=1):
        seq_text = raw.values.get("seq", "").strip()
        seq = _parse_int(seq_text) if seq_text else index
        if seq is None:
            chk.add(BAD_SEQ, raw.row, None, value=seq_text)
        start, end, ok = _parse_pages(raw.values)
        if not ok:
            page_text = raw.values.get("pages") or raw.values.get("page_start") or ""
            chk.add(BAD_PAGE, raw.row, seq, value=page_text.strip() or "∅")
        elif end is not None and start is not None and end < start:
            chk.add(BAD_PAGE, raw.row, seq, value=f"{start}-{end}")
            ok = False  # refused: its pages are unplaced, no gap said for them besides
        fields = _check_fields(chk, raw.values, schema.entry_fields, schema.required_entry_fields,
                               ENTRY_LABELS, raw.row, seq)
        parsed.append((raw, seq, start if ok else None, end if ok else None, fields))

    entries = _resolve_ranges(chk, parsed, numbered)
    # a row whose page number is already reported leaves its pages unplaced: no gap reported
    # for them too (one typo, one error)
    unplaced = [i for i, p in enumerate(parsed) if p[2] is None]
    after_unplaced = {sum(1 for p in parsed[:i] if p[2] is not None) for i in unplaced}
    _check_coverage(chk, entries, numbered, after_unplaced)
    _check_counts(rchk, record, record_fields, entries, numbered, len(parsed), bool(unplaced))
    return Catalogue(archive_code, record_fields, entries, chk.defects)


def _resolve_ranges(chk: _Checker, parsed: Sequence[tuple[RawEntry, int | None, int | None,
                    int | None, dict[str, str]]], numbered: int | None) -> list[Entry]:
    """Fill in missing last pages and check sequence numbers ascend without skips."""
    entries: list[Entry] = []
    previous_seq = 0
    for i, (raw, seq, start, end, fields) in enumerate(parsed):
        if seq is not None:
            if seq <= previous_seq:
                chk.add(ORDER, raw.row, seq, what=t("index.what_seq"), value=seq,
                        previous=previous_seq)
            elif seq != previous_seq + 1:
                chk.add(BAD_SEQ, raw.row, seq, value=f"{previous_seq} → {seq}")
            previous_seq = max(previous_seq, seq)
        else:  # already reported: it holds its place, the next number is no skip
            previous_seq += 1
        if start is None:
            continue
        if end is None:
            nxt = next((p[2] for p in parsed[i + 1:] if p[2] is not None), None)
            if nxt is not None and nxt > start:
                end = nxt - 1
            elif nxt is None and numbered is not None and numbered >= start:
                end = numbered
            else:
                end = start
        entries.append(Entry(seq if seq is not None else i + 1, start, end, fields, raw.row))
    return entries


def _check_coverage(chk: _Checker, entries: Sequence[Entry], numbered: int | None,
                    after_unplaced: frozenset[int] | set[int] = frozenset()) -> None:
    """Every numbered page in exactly one item, ascending, none beyond the last page.

    ``after_unplaced``: indexes into ``entries`` (``len(entries)`` for the end) that follow a
    row whose page number was refused: a gap there is that row's pages, not reported again."""
    covered_to = 0
    last_start = 0
    for index, entry in enumerate(entries):
        if entry.page_start < last_start:
            chk.add(ORDER, entry.row, entry.seq, page=entry.page_start, what=t("index.what_page"),
                    value=entry.page_start, previous=last_start)
        elif entry.page_start <= covered_to:
            chk.add(OVERLAP, entry.row, entry.seq, page=entry.page_start,
                    first=entry.page_start, last=min(entry.page_end, covered_to))
        elif entry.page_start > covered_to + 1 and index not in after_unplaced:
            chk.add(GAP, entry.row, entry.seq, page=covered_to + 1,
                    first=covered_to + 1, last=entry.page_start - 1)
        if numbered is not None and entry.page_end > numbered:
            chk.add(BEYOND_LAST_PAGE, entry.row, entry.seq, page=entry.page_end,
                    end=entry.page_end, last=numbered)
        last_start = max(last_start, entry.page_start)
        covered_to = max(covered_to, entry.page_end)
    if numbered is not None and entries and covered_to < numbered \
            and len(entries) not in after_unplaced:
        last = entries[-1]
        chk.add(GAP, last.row, last.seq, page=covered_to + 1, first=covered_to + 1, last=numbered)


def _check_counts(chk: _Checker, record: RawEntry | None, fields: Mapping[str, str],
                  entries: Sequence[Entry], numbered: int | None, items: int | None = None,
                  unplaced: bool = False) -> None:
    """件数/页数 on the cover equal the counted items (``items`` rows, a row with a refused
    page number too) and pages (not counted from the rows when one's pages are unknown)."""
    if record is None:
        return
    items = len(entries) if items is None else items
    item_count = _parse_int(fields.get("item_count", ""))
    if item_count is not None and item_count != items:
        chk.add(ITEM_COUNT, record.row, None, stated=item_count, counted=items)
    page_count = _parse_int(fields.get("page_count", ""))
    if numbered is None and unplaced:
        return  # the pages of a row already reported are unknown: no count to compare
    counted = numbered if numbered is not None else sum(e.pages for e in entries)
    if page_count is not None and page_count != counted:
        chk.add(PAGE_COUNT, record.row, None, stated=page_count, counted=counted)


def item_images(entry: Entry, schema: CatalogueSchema) -> range:
    """The image page numbers (0001.jpg …) of an item."""
    return range(schema.image_no(entry.page_start), schema.image_no(entry.page_end) + 1)
