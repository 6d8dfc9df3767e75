"""Reading catalogue spreadsheets into per-volume raw rows (no database, no validation).

A workbook may hold both sheets (卷宗信息, 卷内目录) or either one; CSV files hold one table
each. A table is a catalogue if it has a page column (页号/起始页号…), otherwise a record
table. Every row keeps its sheet row number so a problem can be located.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dangan.db.models import Item, Volume
from dangan.domain.catalogue import RawEntry, normalise_date
from dangan.domain.catalogue_fields import ENTRY_ALIASES, ENTRY_MARKERS, RECORD_ALIASES
from dangan.errors import SpreadsheetError
from dangan.i18n import t
from dangan.io import sheets

HINTS = (*ENTRY_MARKERS, "档号", "案卷题名", "题名")
# Numbers, dates and page numbers: full-width digits and punctuation read as ASCII (the one
# rule of every import); 档号 is left as typed (the project's naming rule judges it).
HALF_WIDTH_FIELDS = frozenset({"seq", "pages", "page_start", "page_end", "page_count",
                               "item_count", "year", "date", "start_date", "end_date",
                               "date_range"})
# What a 卷内目录 row may hold and still be empty (a template's row: the volume's 档号, a
# 顺序号, the item's own 档号): such a row is no item and is skipped with a note.
ENTRY_PREFILLED = frozenset({"seq", "archive_code"})
# Values checked against the columns they go to (text length, integer range), located.
ENTRY_LIMITS = {**sheets.column_limits(Item), "pages": sheets.Limit("int"),
                "page_count": sheets.Limit("int")}
# Columns holding a date or a date range: a number cell there is read only when it is a
# plausible YYYY / YYYYMM / YYYYMMDD; a decimal (1997.10 typed in a General cell is 1997.1)
# or another integer (an Excel date serial without date format: 35494) is refused, located.
DATE_COLUMNS = frozenset({"date", "start_date", "end_date", "date_range"})
CONTROL_CHARS = frozenset({c for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F})
# A record goes to volume_record.fields (JSON: no NUL on PostgreSQL, so none on either
# database) and its title to volume.title; its counts and year are integers of 32 bits.
RECORD_LIMITS = {**{name: sheets.Limit("text") for name in RECORD_ALIASES},
                 **sheets.column_limits(Volume, ["archive_code", "title"]),
                 "item_count": sheets.Limit("int"), "page_count": sheets.Limit("int"),
                 "year": sheets.Limit("int")}


def value_problems(values: Mapping[str, str], limits: Mapping[str, sheets.Limit], row: int,
                   labels: Mapping[str, str], key: str = "sheets.cell_problem") -> list[str]:
    """Row-and-column-located problems of typed values (a web form: no spreadsheet row):
    control characters no database or workbook takes, then each value against its column.
    ``key``: the message locating one (``row``, ``column``, ``detail``)."""
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
            out.append(t(key, row=row, column=labels.get(name, name), detail=detail))
    return out


@dataclass
class CatalogueInput:
    """What a set of files says, grouped by archive code, in file order."""

    records: dict[str, RawEntry] = field(default_factory=dict)
    record_source: dict[str, str] = field(default_factory=dict)
    entries: dict[str, list[RawEntry]] = field(default_factory=dict)
    entry_source: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sheets skipped, headers combined, columns left
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


def read_tables(path: Path, hidden: list[str] | None = None) -> list[tuple[str, sheets.Table]]:
    """All non-empty visible tables of a file: (label for messages, table); the hidden
    sheets, not read, are appended to ``hidden``."""
    return sheets.read_tables(path, HINTS, hidden_sheets=hidden)


def is_entry_table(table: sheets.Table) -> bool:
    cols = sheets.resolve_columns(table, {k: ENTRY_ALIASES[k] for k in ("pages", "page_start")})
    return any(cols.values())


def read_catalogue(paths: Sequence[Path]) -> CatalogueInput:
    """Group the rows of every table by archive code; collect row-located problems.

    A sheet without an 档号 column (备注, 说明) is skipped and named in ``notes``, and so is a
    hidden sheet (never read: a draft the office hid); a file none of whose visible sheets has
    an 档号 column is refused naming every sheet looked at."""
    result = CatalogueInput()
    for path in paths:
        hidden: list[str] = []
        tables = read_tables(path, hidden)
        if hidden:
            result.notes.append(t("sheets.hidden_sheets_skipped", sheets="、".join(hidden)))
        usable = [(source, table) for source, table in tables if _has_code_column(table)]
        if not usable:
            if len(tables) == 1:
                raise SpreadsheetError("index.no_code_column", source=tables[0][0])
            raise SpreadsheetError("index.no_code_sheet", path=path.name,
                                   sheets="、".join(source for source, _ in tables))
        names = {source for source, _ in usable}
        if skipped := [source for source, _ in tables if source not in names]:
            result.notes.append(t("sheets.sheets_skipped", sheets="、".join(skipped)))
        for source, table in usable:
            if table.hidden:
                result.notes.append(f"{source} " + t("sheets.hidden_columns",
                                                     columns="、".join(table.hidden)))
            if table.sub_header_row is not None:
                result.notes.append(f"{source} " + t("sheets.two_row_header",
                                                     row=table.sub_header_row))
            if is_entry_table(table):
                _take_entries(result, source, table)
            else:
                _take_records(result, source, table)
    return result


def _has_code_column(table: sheets.Table) -> bool:
    if not table.header_found:
        return False
    aliases = {"archive_code": RECORD_ALIASES["archive_code"], "volume": ENTRY_ALIASES["volume"]}
    return any(sheets.resolve_columns(table, aliases).values())


def _note_unused(result: CatalogueInput, source: str, table: sheets.Table,
                 cols: Mapping[str, str | None]) -> None:
    used = {h for h in cols.values() if h}
    unused = [h for h in table.headers
              if h not in used and any(row.values.get(h) for row in table.rows)]
    if unused:
        result.notes.append(f"{source} " + t("sheets.columns_not_imported",
                                             columns="、".join(unused)))


def _total_line(result: CatalogueInput, source: str, table: sheets.Table, row: sheets.Row,
                code: str) -> bool:
    """A total line (合计/总计/小计), skipped with a note as the volume list skips it."""
    if not sheets.is_total_line(table, row, code):
        return False
    result.notes.append(f"{source} " + t("volumes.total_row_skipped", row=row.number))
    return True


def _typed(row: sheets.Row, cols: Mapping[str, str | None]) -> dict[str, str]:
    return {f: (sheets.half_width(row.get(h)) if f in HALF_WIDTH_FIELDS else row.get(h))
            for f, h in cols.items() if h is not None}


def number_dates(source: str, row: sheets.Row, cols: Mapping[str, str | None]) -> dict[str, str]:
    """Date cells a workbook holds as numbers that cannot be read as a date without a guess,
    each named by sheet, row, column and value: a decimal (1997.10 in a General cell is the
    number 1997.1, which would be read as January) and an integer that is no plausible
    YYYY / YYYYMM / YYYYMMDD (an Excel date serial in a cell without date format: 35494).
    A serial is not converted: 35494 may as well be a mistyped 199404, so the user says.
    Returns the message per field refused."""
    out: dict[str, str] = {}
    for name in DATE_COLUMNS:
        header = cols.get(name)
        if header is None or header not in row.numbers:
            continue
        value = row.numbers[header]
        if isinstance(value, float) and not value.is_integer():
            out[name] = t("index.date_decimal", sheet=source, row=row.number, column=header,
                          value=row.get(header))
            continue
        number = int(value)
        text = str(number)
        if len(text) in (4, 6, 8) and normalise_date(text) is not None:
            continue
        serial = ""
        if 1 <= number <= 2958465:  # Excel's 1900 system, 1900-01-01 … 9999-12-31
            day = date(1899, 12, 30) + timedelta(days=number)
            serial = t("index.date_serial_hint", date=day.isoformat())
        out[name] = t("index.date_number", sheet=source, row=row.number, column=header,
                      value=text, serial=serial)
    return out


def _refuse_number_dates(result: CatalogueInput, source: str, row: sheets.Row,
                        cols: Mapping[str, str | None], values: dict[str, str]) -> dict[str, str]:
    """``values`` without the date cells refused (each problem said once: the row is kept, so
    its pages raise no gap and its record no second complaint)."""
    refused = number_dates(source, row, cols)
    result.problems.extend(refused.values())
    return {k: v for k, v in values.items() if k not in refused}


def _take_records(result: CatalogueInput, source: str, table: sheets.Table) -> None:
    cols = sheets.resolve_columns(table, RECORD_ALIASES)
    if cols["archive_code"] is None:
        raise SpreadsheetError("index.no_code_column", source=source)
    _note_unused(result, source, table, cols)
    seen: dict[str, int] = {}
    for row in table.rows:
        if _total_line(result, source, table, row, row.get(cols["archive_code"])):
            continue
        result.rows += 1
        values = _typed(row, cols)
        values = _refuse_number_dates(result, source, row, cols, values)
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
    _note_unused(result, source, table, {**cols, "volume": volume_col})
    empty: list[str] = []
    for row in table.rows:
        if _total_line(result, source, table, row, row.get(volume_col)):
            continue
        result.rows += 1
        code = row.get(volume_col)
        if not code:
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("volumes.row_empty_code")))
            continue
        if not any(v for k, v in _typed(row, cols).items() if k not in ENTRY_PREFILLED):
            empty.append(str(row.number))  # a template's row left empty: no item, none deleted
            continue
        values = _refuse_number_dates(result, source, row, cols, _typed(row, cols))
        if bad := sheets.check_row(row, values, ENTRY_LIMITS, cols):
            result.problems.extend(f"{source} {line}" for line in bad)
            continue
        previous = result.entry_source.setdefault(code, source)
        if previous != source:
            result.problems.append(t("index.row_problem", source=source, row=row.number,
                                     detail=t("index.volume_in_two_tables", code=code, other=previous)))
            continue
        result.entries.setdefault(code, []).append(RawEntry(values, row.number))
    if empty:
        result.notes.append(t("index.empty_entry_rows", source=source, count=len(empty),
                              rows="、".join(empty[:20]) + ("…" if len(empty) > 20 else "")))
