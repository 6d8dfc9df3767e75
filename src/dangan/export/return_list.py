"""还卷清单: the list handed to the archive room with a returned batch (.xlsx and PDF)."""

from __future__ import annotations

from pathlib import Path

from dangan.domain.records import BorrowBatchInfo
from dangan.export.borrow_register import (
    header_lines,
    later_note_lines,
    register_columns,
    register_rows,
    signature_lines,
    write_table_pdf,
    write_table_xlsx,
)
from dangan.i18n import t


def write_return_list(info: BorrowBatchInfo, path: Path, project: str = "") -> Path:
    """Volumes in borrow order with their return position; both signatures and the shelving
    rule at the foot. Written before the return (to count against) and after (signed).
    借出时情况 is what both sides signed at borrowing; problems noted after signing are in the
    last column (后补记录), each with its time and person, as on the borrow register."""
    title = f"{t('return.list_title')}（{t('workflow.form.borrow_batch')} {info.no}）"
    columns = [*register_columns(), t("borrow.later_notes_column")]
    rows = [[*row, later] for row, later in zip(register_rows(info), later_note_lines(info),
                                                strict=True)]
    if path.suffix.lower() == ".pdf":
        return write_table_pdf(path, title, header_lines(info, project), columns, rows,
                               signature_lines(info, returning=True),
                               widths=(10, 40, 48, 32, 12, 40, 26, 56))
    return write_table_xlsx(path, title, header_lines(info, project), columns, rows,
                            signature_lines(info, returning=True),
                            widths=(6, 22, 30, 18, 8, 24, 18, 36))
