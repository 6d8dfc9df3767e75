"""Reading catalogue spreadsheets into per-volume raw rows (no database, no validation).

A workbook may hold both sheets (卷宗信息, 卷内目录) or either one; CSV files hold one table
each. A table is a catalogue if it has a page column (页号/起始页号…), otherwise a record
table. Every row keeps its sheet row number so a problem can be located.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dangan.db.models import Item, Volume
from dangan.domain.catalogue import RawEntry
from dangan.domain.catalogue_fields import ENTRY_ALIASES, ENTRY_MARKERS, RECORD_ALIASES
from dangan.errors import SpreadsheetError
from dangan.i18n import t
from dangan.io import sheets

HINTS = (*ENTRY_MARKERS, "档号", "案卷题名", "题名")
# Values checked against the columns they go to (text length, integer range), located.
ENTRY_LIMITS = {**sheets.column_limits(Item), "pages": sheets.Limit("int"),
                "page_count": sheets.Limit("int")}
CONTROL_CHARS = frozenset({c for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F})
# A record goes to volume_record.fields (JSON: no NUL on PostgreSQL, so none on either
# database) and its title to volume.title; its counts and year are integers of 32 bits.
RECORD_LIMITS = {**{name: sheets.Limit("text") for name in RECORD_ALIASES},
                 **sheets.column_limits(Volume, ["archive_code", "title"]),
                 "item_count": sheets.Limit("int"), "page_count": sheets.Limit("int"),
                 "year": sheets.Limit("int")}


def value_problems(values: Mapping[str, str], limits: Mapping[str, sheets.Limit], row: int,
                   labels: Mapping[str, str]) -> list[str]:
    """Row-and-column-located problems of typed values (a web form: no spreadsheet row):
    control characters no database or workbook takes, then each value against its column."""
    out = []
    for name, value in values.items():
        text = value if isinstance(value, str) else str(value)
        bad = next((ch for ch in text if ord(ch) in CONTROL_CHARS), None)
        if bad is not None:
            detail: str | None = t("sheets.control_char", code=f"U+{ord(bad):04X}")
        elif len(text) > sheets.MAX_CELL_CHARS:
            detail = t("sheets.too_long", length=sheets.MAX_CELL_CHARS, found=len(text))
        else:
            detail = sheets.value_problem(text, limits[name]) if name in limits else None
        if detail:
            out.append(t("sheets.cell_problem", row=row, column=labels.get(name, name),
                         detail=detail))
    return out


@dataclass
class CatalogueInput:
    """What a set of files says, grouped by archive code, in file order."""

    records: dict[str, RawEntry] = field(default_factory=dict)
    record_source: dict[str, str] = field(default_factory=dict)
    entries: dict[str, list[RawEntry]] = field(default_factory=dict)
    entry_source: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys([*self.records, *self.entries]))

    def as_typing(self) -> dict[str, dict[str, object]]:
        """The shape ``domain.keying`` compares."""
        return {
            code: {
                "record": dict(self.records[code].values) if code in self.records else {},
                "entries": [dict(e.values) for e in self.entries.get(code, [])],
            }
            for code in self.codes
        }


def read_tables(path: Path) -> list[tuple[str, sheets.Table]]:
    """All non-empty tables of a file: (label for messages, table)."""
    return sheets.read_tables(path, HINTS)


def is_entry_table(table: sheets.Table) -> bool:
    cols = sheets.resolve_columns(table, {k: ENTRY_ALIASES[k] for k in ("pages", "page_start")})
    return any(cols.values())


def read_catalogue(paths: Sequence[Path]) -> CatalogueInput:
    """Group the rows of every table by archive code; collect row-located problems."""
    result = CatalogueInput()
    for path in paths:
        for source, table in read_tables(path):
            if is_entry_table(table):
                _take_entries(result, source, table)
            else:
                _take_records(result, source, table)
    return result


def _take_records(result: CatalogueInput, source: str, table: sheets.Table) -> None:
    cols = sheets.resolve_columns(table, RECORD_ALIASES)
    if cols["archive_code"] is None:
        raise SpreadsheetError("index.no_code_column", source=source)
    seen: dict[str, int] = {}
    for row in table.rows:
        result.rows += 1
        values = {f: row.get(h) for f, h in cols.items() if h is not None}
        code = values.pop("archive_code", "")
        values["archive_code"] = code
        if not code:
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("volumes.row_empty_code")))
            continue
        if code in result.records:
            other = seen.get(code, result.records[code].row)
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("volumes.row_duplicate_code", code=code, other=other)))
            continue
        if bad := sheets.check_row(row, values, RECORD_LIMITS, cols):
            result.problems.extend(f"{source} {line}" for line in bad)
            continue
        seen[code] = row.number
        result.records[code] = RawEntry(values, row.number)
        result.record_source[code] = source


def _take_entries(result: CatalogueInput, source: str, table: sheets.Table) -> None:
    cols = sheets.resolve_columns(table, ENTRY_ALIASES)
    volume_col = cols.pop("volume") or cols.get("archive_code")
    if volume_col is None:
        raise SpreadsheetError("index.no_code_column", source=source)
    if cols.get("archive_code") == volume_col:
        cols["archive_code"] = None
    for row in table.rows:
        result.rows += 1
        code = row.get(volume_col)
        if not code:
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("volumes.row_empty_code")))
            continue
        values = {f: row.get(h) for f, h in cols.items() if h is not None}
        if bad := sheets.check_row(row, values, ENTRY_LIMITS, cols):
            result.problems.extend(f"{source} {line}" for line in bad)
            continue
        previous = result.entry_source.setdefault(code, source)
        if previous != source:
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("index.volume_in_two_tables", code=code, other=previous)))
            continue
        result.entries.setdefault(code, []).append(RawEntry(values, row.number))
