"""Reading the spreadsheets a Chinese office sends: .xlsx and .csv (UTF-8 or GBK).

One reader for every import (volume lists, catalogues, problem lists): it finds the header
row, keeps the spreadsheet's own row numbers for messages, turns every cell into stripped
text, and refuses what is not a spreadsheet (an empty file, a PNG renamed .xlsx) with a
message that says what it found. Hidden and very hidden sheets are never read (the caller
names them); a date cell is its date (a time of day in it dropped); a number cell is also
kept as the number (``Row.numbers``), so a date column can refuse 1997.1 or 35494.

Bounded: a workbook is streamed row by row (openpyxl read-only mode, the sheet's declared
dimension ignored — a 5 KB file may claim A1:XFD1048576), empty rows are not kept, and a
file with more than ``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns, ``MAX_FILE_BYTES`` bytes or a
cell longer than ``MAX_CELL_CHARS`` is refused (exit 4) before an importer sees it. A cell
holding a control character (a NUL byte in a CSV) is refused naming its row and column, and
so is a formula cell whose workbook holds no computed result for it (a file written by a program
rather than saved by Excel): read as its result, it would be imported as an empty cell. ``column_limits``/``check_row`` check parsed values against the database
columns they go to (text length, integer range), so every database refuses the same input
the same way, located.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dangan.domain.catalogue import half_width as half_width  # the one rule, re-exported
from dangan.errors import SpreadsheetError
from dangan.i18n import t

MAX_HEADER_SCAN = 10  # header may sit below a title row or two
MAX_ROWS = 200_000  # non-empty rows per file (all sheets); more is refused
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_FILE_BYTES = 256 << 20
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = {c for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F}
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")  # <f>, <x:f …>, <f/>

_MAGIC = {
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"%PDF": "PDF",
    b"GIF8": "GIF 图片",
    b"II*\x00": "TIFF 图片",
    b"MM\x00*": "TIFF 图片",
    b"\xd0\xcf\x11\xe0": "旧版 Excel (.xls) / Office 97 文件",
    b"Rar!": "RAR 压缩包",
}


@dataclass(frozen=True)
class Row:
    number: int  # the row number the user sees in Excel (1-based), or the CSV line
    values: Mapping[str, str]
    # the cells a workbook holds as numbers (not text, not dates), by header: a date column
    # tells 1997.10 typed in a General cell (the number 1997.1) from the text “1997.10”
    numbers: Mapping[str, int | float] = field(default_factory=dict)

    def get(self, header: str | None, default: str = "") -> str:
        if header is None:
            return default
        return self.values.get(header, default)


@dataclass(frozen=True)
class Table:
    path: Path
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1
    header_found: bool = True  # a hinted header cell was seen (False: the first row taken)
    sub_header_row: int | None = None  # the second row of a two-row header, combined
    hidden: tuple[str, ...] = ()  # headers of the columns hidden in the workbook (read all the same)


# Sub-labels under a merged parent cell that name a known column only together with it.
_SUB_LABELS = {
    ("页号", "起"): "起始页号", ("页号", "止"): "终止页号",
    ("页号", "起始"): "起始页号", ("页号", "终止"): "终止页号",
    ("页码", "起"): "起始页号", ("页码", "止"): "终止页号",
    ("起止页号", "起"): "起始页号", ("起止页号", "止"): "终止页号",
    ("日期", "起"): "起始日期", ("日期", "止"): "终止日期",
    ("起止日期", "起"): "起始日期", ("起止日期", "止"): "终止日期",
}


def is_total_row(cells: Iterable[str]) -> bool:
    """A sheet's total line: its first non-empty cell 合计/总计/小计 (“合 计” too)."""
    first = next((c for c in cells if c), "")
    return "".join(first.split()).rstrip("：:") in ("合计", "总计", "小计")


def is_total_line(table: Table, row: Row, code: str) -> bool:
    """A table's total line, skipped (with a note) by every import keyed by 档号 — the
    volume list and both catalogue sheets: its first non-empty cell is 合计/总计/小计 and its
    档号 cell (``code``) is empty or holds that word."""
    return is_total_row(row.values.get(h, "") for h in table.headers) and (
        not code or is_total_row([code]))


def _normalise_header(text: str) -> str:
    return "".join(text.split()).lower().replace("（", "(").replace("）", ")")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # a date cell; a time of day in it is no part of a date
        return value.strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sniff_kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def read_table(path: Path, header_hint: Iterable[str] = ()) -> Table:
    """Read an .xlsx (its first visible sheet) or .csv into text rows.

    ``header_hint`` names likely header cells, so a title row above the header is skipped.
    """
    return read_tables(path, header_hint)[0][1]


def read_tables(path: Path, header_hint: Iterable[str] = (),
                hidden_sheets: list[str] | None = None) -> list[tuple[str, Table]]:
    """Every non-empty visible sheet of a workbook (a CSV is one table), labelled for messages.

    The label is ``file[sheet]`` for workbooks and the file name for CSV. A hidden or very
    hidden sheet (an old draft the office hid) is never read: its label is appended to
    ``hidden_sheets`` for the caller to say. A workbook with no filled visible sheet is
    refused like an empty CSV; one whose sheets are all hidden, naming them.
    """
    if not path.is_file():
        raise SpreadsheetError("volumes.file_missing", path=path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpreadsheetError("sheets.file_too_large", path=path, size=size, limit=MAX_FILE_BYTES)
    data = path.read_bytes()
    if not data.strip():
        raise SpreadsheetError("volumes.file_empty", path=path)
    suffix = path.suffix.lower()
    hints = {_normalise_header(h) for h in header_hint}
    if suffix in (".xlsx", ".xlsm"):
        every = _read_xlsx(path, data)
        hidden = _hidden_columns(data)
        shown = [s for s in every if s.state == "visible"]
        if hidden_sheets is not None:
            hidden_sheets.extend(f"{path.name}[{s.title}]" for s in every if s.state != "visible")
        if not shown:
            raise SpreadsheetError("sheets.all_hidden", path=path,
                                   sheets="、".join(s.title for s in every))
        filled = [s for s in shown if any(any(c for c in cells) for _, cells in s.grid)] or shown[:1]
        return [(f"{path.name}[{s.title}]",
                 _to_table(path, s.grid, hints, hidden.get(s.title, set()), s.numbers))
                for s in filled]
    if suffix in (".csv", ".txt"):
        return [(path.name, _to_table(path, _read_csv(path, data), hints))]
    raise SpreadsheetError("volumes.bad_format", suffix=suffix or path.name)


@dataclass
class _Sheet:
    title: str
    state: str  # visible | hidden | veryHidden
    grid: list[tuple[int, list[str]]]
    numbers: dict[tuple[int, int], int | float]  # (row, 0-based column) of number cells


def _read_xlsx(path: Path, data: bytes) -> list[_Sheet]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        kind = sniff_kind(data[:8]) or "未知格式"
        raise SpreadsheetError("volumes.not_xlsx", path=path, kind=kind)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=str(exc)) from None
    budget = _Budget(path)
    formulas = _formula_cells(data) if _may_hold_formulas(data) else {}
    unresolved: list[str] = []
    try:
        sheets = []
        for ws in wb.worksheets:
            state = str(getattr(ws, "sheet_state", "visible") or "visible")
            numbers: dict[tuple[int, int], int | float] = {}
            grid = ([] if state != "visible"  # never read: no budget, no formula check
                    else _sheet_rows(ws, budget, formulas.get(ws.title, {}), unresolved, numbers))
            sheets.append(_Sheet(ws.title, state, grid, numbers))
    finally:
        wb.close()
    if unresolved:
        raise SpreadsheetError("sheets.formula_without_value", path=path, count=len(unresolved),
                               details=unresolved)
    return sheets


def _may_hold_formulas(data: bytes) -> bool:
    """Whether any worksheet's XML has a formula element (streamed: a sheet may be large)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with zf.open(name) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _formula_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet title, the formula of each formula cell by (row, column)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        out: dict[str, dict[tuple[int, int], str]] = {}
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            cells = {(cell.row, cell.column): str(cell.value)
                     for row in ws.iter_rows() for cell in row
                     if getattr(cell, "data_type", None) == "f" and cell.row and cell.column}
            if cells:
                out[ws.title] = cells
        return out
    finally:
        wb.close()


class _Budget:
    """Counts the rows kept across a file's sheets and refuses a file over the limits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0

    def take(self, cells: list[str]) -> list[str] | None:
        """The row's cells without trailing empties; None for an empty row."""
        end = len(cells)
        while end and not cells[end - 1]:
            end -= 1
        if not end:
            return None
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise SpreadsheetError("sheets.too_many_rows", path=self.path, limit=MAX_ROWS)
        if end > MAX_COLUMNS:
            raise SpreadsheetError("sheets.too_many_columns", path=self.path, limit=MAX_COLUMNS)
        return cells[:end] if end < len(cells) else cells


def _sheet_rows(ws: Any, budget: _Budget, formulas: Mapping[tuple[int, int], str],
                unresolved: list[str],
                numbers: dict[tuple[int, int], int | float]) -> list[tuple[int, list[str]]]:
    """The sheet's non-empty rows; each formula cell read without a result is added to
    ``unresolved`` (sheet, row, column, formula), each number cell to ``numbers``."""
    from openpyxl.utils import get_column_letter

    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # never trust the declared size: stream what is there
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not values:
            continue
        if formulas:
            unresolved += [
                t("sheets.formula_cell", sheet=ws.title, row=number,
                  column=get_column_letter(col), formula=_short(formulas[(number, col)]))
                for col, value in enumerate(values, start=1)
                if value is None and (number, col) in formulas]
        kept = budget.take([_cell_text(v) for v in values])
        if kept is not None:
            rows.append((number, kept))
            numbers.update(((number, col), value) for col, value in enumerate(values)
                           if isinstance(value, (int, float)) and not isinstance(value, bool))
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _read_csv(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    kind = sniff_kind(data[:8])
    head = data[:4096]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))  # Excel's "Unicode text" export
    if kind or (not utf16 and head.count(b"\x00") > len(head) // 100):
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=kind or "binary")
    # A stray NUL in a text file is a bad cell, refused below with its row and column.
    text = data.decode("utf-16", errors="replace") if utf16 else _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    budget = _Budget(path)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            kept = budget.take([c.strip() for c in row])
            if kept is not None:
                rows.append((reader.line_num, kept))
        return rows
    except csv.Error as exc:
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=str(exc)) from None


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b[^>]*>")


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"(?:^|\s)" + name.encode() + rb'="([^"]*)"', tag)
    return m.group(1).decode("utf-8", "replace") if m else None


def _hidden_columns(data: bytes) -> dict[str, set[int]]:
    """Per sheet title, the 0-based indexes of the columns the workbook hides (``<col
    hidden="1">``, read from the part of each sheet before its cells: bounded)."""
    out: dict[str, set[int]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
                return out
            targets = {}
            for tag in _REL_TAG.findall(zf.read("xl/_rels/workbook.xml.rels")):
                rid, target = _attr(tag, "Id"), _attr(tag, "Target")
                if rid and target:
                    target = target.lstrip("/")
                    targets[rid] = target if target.startswith("xl/") else f"xl/{target}"
            for tag in _SHEET_TAG.findall(zf.read("xl/workbook.xml")):
                title, rid = _attr(tag, "name"), _attr(tag, "r:id")
                part = targets.get(rid or "")
                if not title or part not in names:
                    continue
                with zf.open(part) as stream:
                    head = stream.read(1 << 20).split(b"<sheetData", 1)[0]
                hidden: set[int] = set()
                for col in _COL_TAG.findall(head):
                    if _attr(col, "hidden") in ("1", "true"):
                        low, high = int(_attr(col, "min") or 0), int(_attr(col, "max") or 0)
                        hidden.update(range(low - 1, min(high, MAX_COLUMNS)))
                if hidden:
                    out[title] = hidden
    except (zipfile.BadZipFile, KeyError, ValueError):
        return {}
    return out


def _to_table(path: Path, grid: list[tuple[int, list[str]]], hints: set[str],
              hidden_at: set[int] | None = None,
              numbers: Mapping[tuple[int, int], int | float] | None = None) -> Table:
    rows = [(n, cells) for n, cells in grid if any(c for c in cells)]
    if not rows:
        raise SpreadsheetError("volumes.file_empty", path=path)
    header_idx = 0
    found = not hints
    if hints:
        for i, (_, cells) in enumerate(rows[:MAX_HEADER_SCAN]):
            if any(_normalise_header(c) in hints for c in cells):
                header_idx, found = i, True
                break
    header_no, header_cells = rows[header_idx]
    header_cells = list(header_cells)
    sub_no = None
    if found and header_idx + 1 < len(rows):
        number, below = rows[header_idx + 1]
        combined = _combine_header(header_cells, below, hints)
        if combined is not None:
            header_cells, sub_no = combined, number
            rows = rows[:header_idx + 1] + rows[header_idx + 2:]
        elif hints and _looks_like_header(below, hints):
            raise SpreadsheetError("sheets.second_header_row", path=path, row=number)
    headers: list[str] = []
    for i, cell in enumerate(header_cells):
        name = cell or f"列{i + 1}"
        if name in headers:
            raise SpreadsheetError("volumes.duplicate_column", path=path, column=name)
        headers.append(name)
    numbers = numbers or {}
    body = [
        Row(number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)},
            {h: numbers[(number, i)] for i, h in enumerate(headers) if (number, i) in numbers})
        for number, cells in rows[header_idx + 1 :]
    ]
    problems = [line for row in body for line in cell_problems(row)]
    if problems:
        raise SpreadsheetError("sheets.bad_cells", path=path, count=len(problems),
                               details=problems)
    hidden = tuple(headers[i] for i in sorted(hidden_at or ()) if i < len(headers))
    return Table(path, headers, body, header_no, found, sub_no, hidden)


def _looks_like_header(cells: Sequence[str], hints: set[str]) -> bool:
    """A row of labels only (no digit anywhere), at least one a known header."""
    filled = [c for c in cells if c]
    return (bool(filled) and not any(ch.isdigit() for c in filled for ch in c)
            and any(_normalise_header(c) in hints for c in filled))


def _combine_header(top: list[str], below: Sequence[str], hints: set[str]) -> list[str] | None:
    """The header of a two-row header (a merged parent cell over sub-labels: 存放位置 over
    柜号/架号/盒号, 页号 over 起/止), or None when ``below`` is not such a second row.

    ``below`` qualifies when its labels (no digits) sit only under a parent: a filled cell
    of ``top`` followed by the empty cells its merge leaves. Each column under a parent is
    named by its sub-label when that is a known header, by the known name of parent and
    sub-label together (页号 + 起 = 起始页号), else by parent and sub-label joined."""
    filled = [i for i, c in enumerate(below) if c]
    if not filled or any(ch.isdigit() for i in filled for ch in below[i]):
        return None
    width = max(len(top), len(below))
    cells = [*top, *[""] * (width - len(top))]
    parent_of: dict[int, int] = {}
    for i, cell in enumerate(cells):
        if cell and i + 1 < width and not cells[i + 1]:
            j = i + 1
            while j < width and not cells[j]:
                parent_of[j] = i
                j += 1
            parent_of[i] = i
    if not all(i in parent_of for i in filled):
        return None
    out = list(cells)
    for i in filled:
        parent, child = cells[parent_of[i]], below[i]
        key = (_normalise_header(parent), _normalise_header(child))
        if key[1] in hints:
            out[i] = child
        elif key in _SUB_LABELS:
            out[i] = _SUB_LABELS[key]
        else:
            out[i] = f"{parent}{child}"
    return out


def cell_problems(row: Row) -> list[str]:
    """Cells no column of any database should take: control characters, oversized text."""
    out = []
    for header, value in row.values.items():
        if len(value) > MAX_CELL_CHARS:
            out.append(t("sheets.cell_problem", row=row.number, column=header,
                         detail=t("sheets.too_long", length=MAX_CELL_CHARS, found=len(value))))
        elif not value.isprintable() and (bad := next(
                (ch for ch in value if ord(ch) in _CONTROL), None)) is not None:
            out.append(t("sheets.cell_problem", row=row.number, column=header,
                         detail=t("sheets.control_char", code=f"U+{ord(bad):04X}")))
    return out


def resolve_columns(
    table: Table,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str] = (),
) -> dict[str, str | None]:
    """Map field names to the table's headers using each field's accepted header variants."""
    lookup = {_normalise_header(h): h for h in table.headers}
    found: dict[str, str | None] = {}
    for name, variants in aliases.items():
        found[name] = next(
            (lookup[_normalise_header(v)] for v in (name, *variants) if _normalise_header(v) in lookup),
            None,
        )
    for name in required:
        if found.get(name) is None:
            label = aliases[name][0] if aliases.get(name) else name
            raise SpreadsheetError("volumes.missing_column", path=table.path, column=label)
    return found


# --- values against the columns they go to -------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """What a database column takes: text of at most ``length`` characters, or an integer
    within ``bits`` (signed)."""

    kind: str  # "text" | "int"
    length: int | None = None
    bits: int = 32

    @property
    def int_range(self) -> tuple[int, int]:
        return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1


def column_limits(model: Any, fields: Iterable[str] | None = None) -> dict[str, Limit]:
    """Limits of a SQLAlchemy model's columns (``String(n)`` lengths, Integer/BigInteger)."""
    from sqlalchemy import BigInteger, Integer, SmallInteger, String

    out: dict[str, Limit] = {}
    columns = model.__table__.columns
    for name in fields if fields is not None else [c.key for c in columns]:
        col = columns.get(name)
        if col is None:
            continue
        kind = col.type
        if isinstance(kind, String):
            out[name] = Limit("text", kind.length)
        elif isinstance(kind, BigInteger):
            out[name] = Limit("int", bits=64)
        elif isinstance(kind, SmallInteger):
            out[name] = Limit("int", bits=16)
        elif isinstance(kind, Integer):
            out[name] = Limit("int", bits=32)
    return out


def value_problem(value: Any, limit: Limit) -> str | None:
    """Why ``value`` does not fit ``limit`` (a message detail), or None."""
    if value is None or value == "":
        return None
    if limit.kind == "int":
        low, high = limit.int_range
        if isinstance(value, int):
            numbers = [value]
        else:  # every run of digits: "3-5" and "第3页" hold numbers too
            numbers = [int(run) if len(run) <= 40 else high + 1
                       for run in _DIGITS.findall(str(value))]
        if any(not low <= n <= high for n in numbers):
            return t("sheets.out_of_range", low=low, high=high, found=_short(str(value).strip()))
        return None
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        return t("sheets.control_char", code="U+0000")
    if limit.length is not None and len(text) > limit.length:
        return t("sheets.too_long", length=limit.length, found=len(text))
    return None


def check_row(row: Row, values: Mapping[str, Any], limits: Mapping[str, Limit],
              columns: Mapping[str, str | None]) -> list[str]:
    """Row-and-column-located problems of a row's parsed ``values`` against ``limits``.

    ``columns`` maps a field to the header it was read from (named in the message).
    """
    out = []
    for name, limit in limits.items():
        if name not in values:
            continue
        problem = value_problem(values[name], limit)
        if problem:
            out.append(t("sheets.cell_problem", row=row.number,
                         column=columns.get(name) or name, detail=problem))
    return out


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}…{text[-6:]}（{len(text)}）"
