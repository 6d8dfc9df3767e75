"""The catalogue workbook: sheet 卷宗信息 (one row per volume) and 卷内目录 (one row per item).

The same layout is the blank template typists fill in, what ``index import`` reads, and
what goes into the handover package, so a delivered workbook can be imported again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Font

from dangan.domain.catalogue import CatalogueSchema
from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS
from dangan.export.workbook_save import save_workbook, text_cells

RECORD_SHEET = "卷宗信息"
ENTRY_SHEET = "卷内目录"
VOLUME_HEADER = "档号"
VOLUME_HEADER_ITEMISED = "案卷档号"  # when the rows carry their own 档号 (按件 projects)
# Counts and numbers: written as numbers when they hold a whole number (stored as text they
# would sort as text and not sum in the archive system's import).
RECORD_NUMBERS = frozenset({"item_count", "page_count"})
ENTRY_NUMBERS = frozenset({"seq", "page_start", "page_end", "page_count"})


@dataclass
class VolumeCatalogue:
    archive_code: str
    record: Mapping[str, Any] = field(default_factory=dict)
    entries: Sequence[Mapping[str, Any]] = ()


def record_columns(schema: CatalogueSchema) -> list[tuple[str, str]]:
    fields = list(dict.fromkeys(["archive_code", *schema.record_fields]))
    return [(f, RECORD_LABELS[f][0]) for f in fields]


def entry_columns(schema: CatalogueSchema) -> list[tuple[str, str]]:
    volume_label = VOLUME_HEADER_ITEMISED if "archive_code" in schema.entry_fields else VOLUME_HEADER
    return [("volume", volume_label), *((f, ENTRY_LABELS[f][0]) for f in schema.entry_fields)]


def write_catalogue_workbook(out: BinaryIO, schema: CatalogueSchema,
                             volumes: Iterable[VolumeCatalogue]) -> tuple[int, int]:
    """Write the two sheets; returns (volumes, entries) written."""
    wb = Workbook(write_only=True)
    rec_ws = wb.create_sheet(RECORD_SHEET)
    ent_ws = wb.create_sheet(ENTRY_SHEET)
    rec_cols = record_columns(schema)
    ent_cols = entry_columns(schema)
    bold = Font(bold=True)
    rec_ws.append([_bold(wb, rec_ws, label, bold) for _, label in rec_cols])
    ent_ws.append([_bold(wb, ent_ws, label, bold) for _, label in ent_cols])
    n_vol = n_ent = 0
    for vol in volumes:
        record = {**vol.record, "archive_code": vol.archive_code}
        rec_ws.append(text_cells(rec_ws, [number_cell(record.get(f), f in RECORD_NUMBERS)
                                          for f, _ in rec_cols]))
        n_vol += 1
        for entry in vol.entries:
            row = {**entry, "volume": vol.archive_code}
            ent_ws.append(text_cells(ent_ws, [number_cell(row.get(f), f in ENTRY_NUMBERS)
                                              for f, _ in ent_cols]))
            n_ent += 1
    save_workbook(wb, out)
    return n_vol, n_ent


def _bold(wb: Workbook, ws: Any, text: str, font: Font) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.font = font
    return cell


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return str(value)


def number_cell(value: Any, numeric: bool) -> Any:
    """``_cell``, and for a count or number column a whole number (``"3"``) as the number 3;
    anything else in such a column (``"3a"``, ``"01"`` kept as typed) stays text."""
    value = _cell(value)
    if numeric and isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and (digits == "0" or not digits.startswith("0")):
            return int(digits)
    return value


def write_differences(out: BinaryIO, rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    """一稿双录 differences for the third person: one row per differing field."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("差异")
    ws.append(text_cells(ws, headers))
    for row in rows:
        ws.append(text_cells(ws, [_cell(v) for v in row]))
    save_workbook(wb, out)
