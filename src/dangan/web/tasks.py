"""What 我的任务 and ``/api/v1/tasks`` show: the work batches waiting for an account's roles
(the first ``LIMIT`` in line order, with the full count) and the ones it holds.

A fixed number of queries whatever the size of the project (a sorter's list may hold
thousands of batches): one for the held batches, a count and a page of the waiting ones,
and one for the volumes of the batches shown. Read-only; changes go through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowBatch, BorrowRegisterEntry, Claim, Volume, WorkBatch
from dangan.domain import workflow as wf
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
class MyTasks:
    held: list[TaskBatch] = field(default_factory=list)
    waiting: list[TaskBatch] = field(default_factory=list)
    waiting_total: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"held": [b.to_dict() for b in self.held],
                "waiting": [b.to_dict() for b in self.waiting],
                "counts": {"held": len(self.held), "waiting": self.waiting_total}}


def stages_for(account: Account) -> list[str]:
    """The work stages the account's roles may claim."""
    return [s for s, roles in wf.STAGE_ALLOWED_ROLES.items()
            if roles & account.roles and s not in wf.BORROW_BATCH_STAGES]


def my_tasks(ctx: ProjectContext, account: Account, limit: int = LIMIT) -> MyTasks:
    stages = stages_for(account)
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
        volumes = _volumes(session, [b.id for b, *_ in held] + [b.id for b, _ in waiting])

        def row(batch: WorkBatch, no: int, holder: str, at: datetime | None) -> TaskBatch:
            codes = volumes.get(batch.id, [])
            return TaskBatch(batch.code, no, batch.stage, batch.status, batch.planned_pages,
                             len(codes), codes[0] if codes else "", codes[-1] if codes else "",
                             holder, at)

        return MyTasks([row(b, n, account.name, at) for b, n, at in held],
                       [row(b, n, "", None) for b, n in waiting], total)


def _volumes(session: Session, batch_ids: list[int]) -> dict[int, list[str]]:
    """Archive codes per work batch, in register order."""
    out: dict[int, list[str]] = {}
    if not batch_ids:
        return out
    rows = session.execute(
        select(Volume.work_batch_id, Volume.archive_code)
        .outerjoin(BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id)
        .where(Volume.work_batch_id.in_(batch_ids))
        .order_by(Volume.work_batch_id, BorrowRegisterEntry.seq, Volume.id)).all()
    for batch_id, code in rows:
        if batch_id is not None:
            out.setdefault(batch_id, []).append(code)
    return out


def code_from_scan(text: str) -> str:
    """A responsibility card's QR/barcode (``dangan:<project>:work_batch:<id>:<code>``) or a
    typed work-batch code."""
    value = text.strip()
    if value.startswith(SCAN_PREFIX) and ":work_batch:" in value:
        return value.rsplit(":", 1)[-1]
    return value
