"""还卷清单: the list handed to the archive room with a returned batch (.xlsx and PDF)."""

from __future__ import annotations

from pathlib import Path

from dangan.domain.records import BorrowBatchInfo
from dangan.export.borrow_register import write_register_form
from dangan.i18n import t


def write_return_list(info: BorrowBatchInfo, path: Path, project: str = "") -> Path:
    """Volumes in borrow order with their return position; both signatures and the shelving
    rule at the foot. Written before the return (to count against) and after (signed).
    借出时情况 is what both sides signed at borrowing; problems noted after signing are in the
    last column (后补记录), each with its time and person, as on the borrow register."""
    title = f"{t('return.list_title')}（{t('workflow.form.borrow_batch')} {info.no}）"
    return write_register_form(info, path, project, title, returning=True)
