"""Reading the spreadsheets a Chinese office sends: .xlsx and .csv (UTF-8 or GBK).

One reader for every import (volume lists, catalogues, problem lists): it finds the header
row, keeps the spreadsheet's own row numbers for messages, turns every cell into stripped
text, and refuses what is not a spreadsheet (an empty file, a PNG renamed .xlsx) with a
message that says what it found.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dangan.errors import SpreadsheetError

MAX_HEADER_SCAN = 10  # header may sit below a title row or two

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


def _normalise_header(text: str) -> str:
    return "".join(text.split()).lower().replace("（", "(").replace("）", ")")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d") if value.time() == datetime.min.time() else value.isoformat()
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
    """Read an .xlsx (its first sheet) or .csv into text rows.

    ``header_hint`` names likely header cells, so a title row above the header is skipped.
    """
    return read_tables(path, header_hint)[0][1]


def read_tables(path: Path, header_hint: Iterable[str] = ()) -> list[tuple[str, Table]]:
    """Every non-empty sheet of a workbook (a CSV is one table), labelled for messages.

    The label is ``file[sheet]`` for workbooks and the file name for CSV. The first sheet is
    always returned, so an empty workbook is refused like an empty CSV.
    """
    if not path.is_file():
        raise SpreadsheetError("volumes.file_missing", path=path)
    data = path.read_bytes()
    if not data.strip():
        raise SpreadsheetError("volumes.file_empty", path=path)
    suffix = path.suffix.lower()
    hints = {_normalise_header(h) for h in header_hint}
    if suffix in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path, data)
        tables = [(f"{path.name}[{sheets[0][0]}]", _to_table(path, sheets[0][1], hints))]
        tables += [
            (f"{path.name}[{title}]", _to_table(path, grid, hints))
            for title, grid in sheets[1:]
            if any(any(c for c in cells) for _, cells in grid)
        ]
        return tables
    if suffix in (".csv", ".txt"):
        return [(path.name, _to_table(path, _read_csv(path, data), hints))]
    raise SpreadsheetError("volumes.bad_format", suffix=suffix or path.name)


def _read_xlsx(path: Path, data: bytes) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        kind = sniff_kind(data[:8]) or "未知格式"
        raise SpreadsheetError("volumes.not_xlsx", path=path, kind=kind)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=str(exc)) from None
    try:
        return [
            (ws.title, [
                (number, [_cell_text(v) for v in values])
                for number, values in enumerate(ws.iter_rows(values_only=True), start=1)
            ])
            for ws in wb.worksheets
        ]
    finally:
        wb.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _read_csv(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    kind = sniff_kind(data[:8])
    if kind or b"\x00" in data[:4096]:
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=kind or "binary")
    text = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [(reader.line_num, [c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        raise SpreadsheetError("volumes.file_unreadable", path=path, detail=str(exc)) from None


def _to_table(path: Path, grid: list[tuple[int, list[str]]], hints: set[str]) -> Table:
    rows = [(n, cells) for n, cells in grid if any(c for c in cells)]
    if not rows:
        raise SpreadsheetError("volumes.file_empty", path=path)
    header_idx = 0
    if hints:
        for i, (_, cells) in enumerate(rows[:MAX_HEADER_SCAN]):
            if any(_normalise_header(c) in hints for c in cells):
                header_idx = i
                break
    header_no, header_cells = rows[header_idx]
    headers: list[str] = []
    for i, cell in enumerate(header_cells):
        name = cell or f"列{i + 1}"
        if name in headers:
            raise SpreadsheetError("volumes.duplicate_column", path=path, column=name)
        headers.append(name)
    body = [
        Row(number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)})
        for number, cells in rows[header_idx + 1 :]
    ]
    return Table(path, headers, body, header_no)


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
