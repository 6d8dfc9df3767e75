"""还卷清单: the list handed to the archive room with a returned batch (.xlsx and PDF)."""

from __future__ import annotations

from pathlib import Path

from dangan.domain.records import BorrowBatchInfo
from dangan.export.borrow_register import (
    header_lines,
    register_columns,
    register_rows,
    signature_lines,
    write_table_pdf,
    write_table_xlsx,
)
from dangan.i18n import t


def write_return_list(info: BorrowBatchInfo, path: Path, project: str = "") -> Path:
    """Volumes in borrow order with their return position; both signatures and the shelving
    rule at the foot. Written before the return (to count against) and after (signed)."""
    title = f"{t('return.list_title')}（{t('workflow.form.borrow_batch')} {info.no}）"
    writer = write_table_pdf if path.suffix.lower() == ".pdf" else write_table_xlsx
    return writer(path, title, header_lines(info, project), register_columns(),
                  register_rows(info), signature_lines(info, returning=True))
