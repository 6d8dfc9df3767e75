"""CSV files people open in Excel or WPS: every string is text, never a formula.

A spreadsheet program opening a CSV reads a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, a tab or a carriage return) as a formula: a problem note
``=HYPERLINK("http://…")`` would be a live link, ``=cmd|…`` an attempt to run a program (OWASP
"CSV Injection"). ``text_cell`` puts a single quote before such a string (OWASP's rule), which
Excel and WPS then show as text and never compute — what ``save_workbook`` does for
workbooks. Numbers stay numbers; a string that starts otherwise is written as it is.

Only for what people read: a CSV a program imports and must get back exactly (数据挂接 for the
client's archive system) is written as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def text_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text: a string that would start a
    formula gets a leading single quote; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return TEXT_MARK + value
    return value


def text_row(values: Iterable[Any]) -> list[Any]:
    return [text_cell(v) for v in values]


def csv_for_people(headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV for Excel and WPS: UTF-8 with a byte-order mark (so the Chinese headers open
    right), CRLF line ends, every string cell through ``text_cell``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if headers is not None:
        writer.writerow(text_row(headers))
    writer.writerows(text_row(row) for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
