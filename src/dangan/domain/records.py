"""Plain records of the line that services produce and printable forms read (借卷详情登记表,
还卷清单, 责任卡): frozen data, no database, so ``export/`` never imports a service."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RegisterRow:
    seq: int
    archive_code: str
    title: str
    location: str
    pages: int | None
    condition: str
    stage: str
    returned_seq: int | None
    returned_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class RemovedVolume:
    """A volume taken off a borrow batch before it was confirmed (``cancel``: with the
    whole batch cancelled), as the audit trail records it: it never left the shelf with this
    batch. The cancellation itself is a line with no archive code."""

    seq: int
    archive_code: str
    title: str
    reason: str
    person: str
    at: datetime | None
    cancel: bool = False

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class BorrowBatchInfo:
    no: int
    status: str
    volume_count: int
    pages: int
    clerk: str
    archive_staff: str
    borrowed_at: datetime | None
    archive_confirmed_at: datetime | None
    due_at: datetime | None
    return_clerk: str
    return_archive_staff: str
    returned_at: datetime | None
    return_confirmed_at: datetime | None
    shelving_rule: str
    remarks: str
    overdue: bool
    rows: list[RegisterRow] = field(default_factory=list)
    # the remarks typed by the clerk when confirming the borrowing / the return
    confirm_remarks: str = ""
    return_remarks: str = ""
    removed: list[RemovedVolume] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        d = self.__dict__.copy()
        d["rows"] = [r.to_dict() for r in self.rows]
        d["removed"] = [r.to_dict() for r in self.removed]
        return d


@dataclass(frozen=True)
class StageSignature:
    stage: str
    person: str
    at: datetime | None
    remarks: str


@dataclass(frozen=True)
class WorkBatchInfo:
    id: int
    code: str
    borrow_no: int
    seq: int
    total: int
    stage: str
    status: str
    planned_pages: int
    volume_count: int
    first_code: str
    last_code: str
    holder: str
    signatures: list[StageSignature] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        d = self.__dict__.copy()
        d["signatures"] = [s.__dict__ for s in self.signatures]
        return d
