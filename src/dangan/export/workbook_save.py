"""Saving an openpyxl workbook without leaving anything behind in the process.

openpyxl writes every sheet through a temporary file and keeps the file's path in a
module-level list (``openpyxl.worksheet._writer.ALL_TEMP_FILES``) that it empties only at
process exit. A save that succeeds removes both (openpyxl 3.1); a save that fails part-way — a
full disk, a target that cannot be written, a stream that breaks — leaves the temporary file of
every sheet already written (a write-only workbook's sheets are written as rows are appended)
and its entry, for the life of the process: in the long-running web server they pile up.

``save_workbook`` is how dangan saves a workbook: afterwards, saved or not, no temporary file
of that workbook is left and none of its entries stays in the list. Only this workbook's own
files are touched (those of its write-only sheets, and the one of the sheet whose writing
failed), so workbooks saved at the same time in other threads are not disturbed.

No workbook dangan writes holds a formula, and every string in it is text: openpyxl makes a
string starting with ``=`` a live formula (``=HYPERLINK("http://…"&B5)`` in a problem note)
and ``#N/A`` an error value. ``save_workbook`` turns every string cell of a normal workbook
back into text before saving; a write-only workbook streams its rows as they are appended, so
its rows go through ``text_cells`` at ``append``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet import _writer
from openpyxl.worksheet.properties import PageSetupProperties


def save_workbook(wb: Workbook, target: str | Path | IO[bytes]) -> None:
    """``wb.save(target)``, leaving no temporary file of ``wb`` and no entry of one in
    openpyxl's process-wide list, whether the save succeeds or fails. Every string cell is
    saved as text, never as a formula or an error value."""
    _strings_as_text(wb)
    try:
        wb.save(target)
    except BaseException:
        _release(wb, sys.exc_info()[2])
        raise
    _release(wb, None)


PORTRAIT_WIDTH = 95  # column widths (characters) an A4 portrait page holds at a readable size


def print_setup(ws: Any, title_rows: str | None = None, landscape: bool | None = None) -> None:
    """Page setup of a form people print and sign: A4, one page wide (as many pages long as it
    takes), ``title_rows`` (``"2:2"``) repeated on every printed page, 1.5 cm margins, centred.
    ``landscape`` None: landscape when the columns are wider than a portrait page holds."""
    if landscape is None:
        widths = [dim.width or 8.43 for dim in ws.column_dimensions.values()]
        columns = max(ws.max_column, len(widths))
        total = sum(widths) + 8.43 * max(0, columns - len(widths))
        landscape = total > PORTRAIT_WIDTH
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    margin = 1.5 / 2.54  # inches
    ws.page_margins.left = ws.page_margins.right = margin
    ws.page_margins.top = ws.page_margins.bottom = margin
    ws.page_margins.header = ws.page_margins.footer = 0.8 / 2.54
    ws.print_options.horizontalCentered = True


def text_cells(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet's ``append``: each string as a text cell (``=1+1`` stays
    the characters ``=1+1``), other values as they are."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row


def _strings_as_text(wb: Workbook) -> None:
    for ws in wb.worksheets:
        for cell in getattr(ws, "_cells", {}).values():  # a write-only sheet holds no cells
            if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                cell.data_type = "s"


def temp_files() -> list[str]:
    """openpyxl's list of temporary files not yet removed (what a leak would grow)."""
    return list(_writer.ALL_TEMP_FILES)


def _release(wb: Workbook, tb: TracebackType | None) -> None:
    sheets = {id(ws) for ws in wb.worksheets}
    for ws in wb.worksheets:  # a write-only sheet's row stream, if the save never closed it
        rows = getattr(ws, "_rows", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
    writers = [getattr(ws, "_writer", None) for ws in wb.worksheets]  # write-only sheets
    while tb is not None:  # the writer of the sheet whose writing failed (a normal workbook)
        writers.extend(v for v in tb.tb_frame.f_locals.values()
                       if isinstance(v, _writer.WorksheetWriter) and id(v.ws) in sheets)
        tb = tb.tb_next
    for writer in writers:
        if writer is not None:
            _forget(writer)


def _forget(writer: Any) -> None:
    out = getattr(writer, "out", None)
    if not isinstance(out, str):  # written into memory: nothing on disk
        return
    with contextlib.suppress(Exception):  # a half-written sheet's XML stream may object
        writer.close()
    with contextlib.suppress(FileNotFoundError):
        os.remove(out)
    with contextlib.suppress(ValueError):  # removed already by a successful save
        _writer.ALL_TEMP_FILES.remove(out)
