"""还卷清单: the list handed to the archive room with a returned batch (.xlsx and PDF)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dangan.domain.page_check import PageCheck
from dangan.domain.records import BorrowBatchInfo
from dangan.export.borrow_register import (
    fmt_time,
    header_lines,
    later_note_lines,
    register_columns,
    register_rows,
    signature_lines,
    write_register_form,
    write_table_pdf,
    write_table_xlsx,
)
from dangan.i18n import t

PAGES_COLUMN = 4  # 页数 in the register's columns: the pages registered at borrowing


def write_return_list(info: BorrowBatchInfo, path: Path, project: str = "",
                      pages: Mapping[str, PageCheck] | None = None) -> Path:
    """Volumes in borrow order with their return position; both signatures and the shelving
    rule at the foot. Written before the return (to count against) and after (signed).
    借出时情况 is what both sides signed at borrowing; problems noted after signing are in the
    last column (后补记录), each with its time and person, as on the borrow register.

    ``pages`` (by archive code): each volume's registered and actual (scanned) pages side by
    side, a difference marked with the reason the binder recorded (or that none was), so the
    archive room and the client sign knowingly."""
    title = f"{t('return.list_title')}（{t('workflow.form.borrow_batch')} {info.no}）"
    if pages is None:
        return write_register_form(info, path, project, title, returning=True)
    base = register_columns()
    columns = [*base[:PAGES_COLUMN], t("return.col.registered"), t("return.col.scanned"),
               *base[PAGES_COLUMN + 1:], t("borrow.later_notes_column"),
               t("return.col.page_note")]
    rows: list[list[str]] = []
    differs = 0
    for row, cells, later in zip(info.rows, register_rows(info), later_note_lines(info),
                                 strict=True):
        check = pages.get(row.archive_code)
        actual = "" if check is None or (check.scanned == 0 and check.numbered is None) \
            else str(check.scanned)
        note = "" if check is None else check.note(fmt_time(check.at))
        differs += bool(note)
        registered = cells[PAGES_COLUMN]
        if check is not None and check.registered is not None \
                and str(check.registered) != registered:  # the register changed since borrowing
            registered = t("return.registered_changed", now=check.registered, then=registered)
        rows.append([*cells[:PAGES_COLUMN], registered, actual, *cells[PAGES_COLUMN + 1:], later,
                     note])
    header = header_lines(info, project)
    if differs:
        header.append(t("return.page_differs_count", count=differs))
    footer = signature_lines(info, returning=True)
    if path.suffix.lower() == ".pdf":
        return write_table_pdf(path, title, header, columns, rows, footer,
                               widths=(9, 34, 38, 24, 12, 14, 30, 22, 42, 48))
    return write_table_xlsx(path, title, header, columns, rows, footer,
                            widths=(6, 22, 28, 16, 8, 10, 22, 16, 30, 40))
