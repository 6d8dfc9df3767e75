"""What 我的任务 and ``/api/v1/tasks`` show: the work batches waiting for an account's roles
(the first ``LIMIT`` in line order, with the full count), the ones it holds, and the reworks
(返工) sent to its worker, each with the marked page and box; under double keying (一稿双录),
an indexer's volumes to key or to resolve.

A fixed number of queries whatever the size of the project (a sorter's list may hold
thousands of batches): one for the held batches, a count and a page of the waiting ones,
one for the volumes of the batches shown, and one for the open reworks. Read-only; changes
go through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from dangan.db.models import (
    BorrowBatch,
    Claim,
    Defect,
    Rework,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.domain import workflow as wf
from dangan.services.batches import volume_spans
from dangan.services.indexing import keying
from dangan.services.project import ProjectContext
from dangan.web.security import Account

SCAN_PREFIX = "dangan:"
LIMIT = 100


@dataclass(frozen=True)
class TaskBatch:
    code: str
    borrow_no: int
    stage: str
    status: str
    planned_pages: int
    volume_count: int
    first_code: str
    last_code: str
    holder: str
    claimed_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class TaskRework:
    """An open rework (返工) of the account's worker: where, why, and the inspector's mark."""

    id: int
    stage: str
    reason: str
    batch: str
    volume_id: int | None
    archive_code: str
    page: int | None
    box: list[int] | None
    defect: str
    cause: str
    found_by: str
    created_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class TaskKeying:
    """一稿双录: a volume at 标引 the indexer may key (round 1 or 2) or resolve (3)."""

    volume_id: int
    archive_code: str
    action: str  # key / resolve
    round: int

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class MyTasks:
    held: list[TaskBatch] = field(default_factory=list)
    waiting: list[TaskBatch] = field(default_factory=list)
    waiting_total: int = 0
    reworks: list[TaskRework] = field(default_factory=list)
    keying: list[TaskKeying] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"held": [b.to_dict() for b in self.held],
                "waiting": [b.to_dict() for b in self.waiting],
                "reworks": [r.to_dict() for r in self.reworks],
                "keying": [k.to_dict() for k in self.keying],
                "counts": {"held": len(self.held), "waiting": self.waiting_total,
                           "reworks": len(self.reworks), "keying": len(self.keying)}}


def stages_for(account: Account) -> list[str]:
    """The work stages the account's roles may claim."""
    return [s for s, roles in wf.STAGE_ALLOWED_ROLES.items()
            if roles & account.roles and s not in wf.BORROW_BATCH_STAGES]


def my_tasks(ctx: ProjectContext, account: Account, limit: int = LIMIT) -> MyTasks:
    stages = stages_for(account)
    keying_work = [TaskKeying(*k) for k in keying.pending(ctx, account.worker_id, limit)] \
        if wf.INDEXER in account.roles else []
    open_claim = exists().where(Claim.work_batch_id == WorkBatch.id,
                                Claim.released_at.is_(None), Claim.stage == WorkBatch.stage)
    with ctx.transaction() as session:
        held = session.execute(
            select(WorkBatch, BorrowBatch.no, Claim.claimed_at)
            .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
            .join(Claim, Claim.work_batch_id == WorkBatch.id)
            .where(WorkBatch.project_id == ctx.project_id, Claim.released_at.is_(None),
                   Claim.worker_id == account.worker_id)
            .order_by(BorrowBatch.no, WorkBatch.seq)).all()
        where = [WorkBatch.project_id == ctx.project_id, WorkBatch.stage.in_(stages),
                 WorkBatch.status == wf.WAITING, ~open_claim]
        total = int(session.scalar(select(func.count(WorkBatch.id)).where(*where)) or 0)
        waiting = session.execute(
            select(WorkBatch, BorrowBatch.no)
            .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
            .where(*where).order_by(BorrowBatch.no, WorkBatch.seq).limit(limit)).all()
        # per batch shown: volumes, first and last code (counted in SQL, not every code)
        spans = volume_spans(session, [b.id for b, *_ in held] + [b.id for b, _ in waiting])

        def row(batch: WorkBatch, no: int, holder: str, at: datetime | None) -> TaskBatch:
            n, first, last = spans.get(batch.id, (0, "", ""))
            return TaskBatch(batch.code, no, batch.stage, batch.status, batch.planned_pages,
                             n, first, last, holder, at)

        return MyTasks([row(b, n, account.name, at) for b, n, at in held],
                       [row(b, n, "", None) for b, n in waiting], total,
                       open_reworks(session, ctx.project_id, account.worker_id), keying_work)


def open_reworks(session: Session, project_id: int, worker_id: int | None,
                 limit: int = LIMIT) -> list[TaskRework]:
    """The open reworks assigned to the worker, oldest first, in one query."""
    if worker_id is None:
        return []
    finder = aliased(Worker)
    rows = session.execute(
        select(Rework, Defect.page_no, Defect.data, Defect.code, Defect.cause,
               Volume.archive_code, WorkBatch.code, finder.name)
        .outerjoin(Defect, Defect.id == Rework.defect_id)
        .outerjoin(Volume, Volume.id == Rework.volume_id)
        .outerjoin(WorkBatch, WorkBatch.id == Rework.work_batch_id)
        .outerjoin(finder, finder.id == Defect.found_by_id)
        .where(Rework.project_id == project_id, Rework.assignee_id == worker_id,
               Rework.status == "open")
        .order_by(Rework.id).limit(limit)).all()
    out = []
    for r, page, data, code, cause, archive_code, batch, found_by in rows:
        box: Any = (data or {}).get("box")
        out.append(TaskRework(r.id, r.stage, r.reason, batch or "", r.volume_id,
                              archive_code or "", page,
                              [int(v) for v in box] if isinstance(box, list) else None,
                              code or "", cause or "", found_by or "", r.created_at))
    return out


def code_from_scan(text: str) -> str:
    """A responsibility card's QR/barcode (``dangan:<project>:work_batch:<id>:<code>``) or a
    typed work-batch code."""
    value = text.strip()
    if value.startswith(SCAN_PREFIX) and ":work_batch:" in value:
        return value.rsplit(":", 1)[-1]
    return value
