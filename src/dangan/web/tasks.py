"""What 我的任务 and ``/api/v1/tasks`` show: the work batches waiting for an account's roles
(the first ``LIMIT`` in line order, with the full count), the ones it holds, and the reworks
(返工) sent to its worker, each with the marked page and box; under double keying (一稿双录),
an indexer's volumes to key or to resolve; for the archive room (档案室人员), the borrow batches
waiting for its confirmation: listed and not yet out (确认借出), or out with every volume at
还卷 (确认归还; the batch page says what else may still stand in the way).

A fixed number of queries whatever the size of the project (a sorter's list may hold
thousands of batches): one for the held batches, a count and a page of the waiting ones
(each row with its volume count and first and last archive code), and one for the open
reworks. Read-only; changes
go through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, bindparam, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Claim,
    Defect,
    Rework,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.domain import workflow as wf
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
class TaskRecheck:
    """A rework signed off by its worker, waiting for a QC inspector's re-inspection (复检)
    outside any sample: its batch had passed QC when the defect was found (the client's
    acceptance, a later look) — it is on no batch's QC list, so it is listed by itself."""

    id: int
    stage: str
    reason: str
    batch: str
    volume_id: int | None
    archive_code: str
    reworked_by: str
    done_at: datetime | None

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
class TaskBorrow:
    """A borrow batch waiting for the archive room's confirmation (``action``: borrow /
    return), with its volumes and pages."""

    no: int
    action: str
    volume_count: int
    pages: int
    created_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class MyTasks:
    held: list[TaskBatch] = field(default_factory=list)
    waiting: list[TaskBatch] = field(default_factory=list)
    waiting_total: int = 0
    reworks: list[TaskRework] = field(default_factory=list)
    keying: list[TaskKeying] = field(default_factory=list)
    borrow: list[TaskBorrow] = field(default_factory=list)  # the archive room's only
    recheck: list[TaskRecheck] = field(default_factory=list)  # QC inspectors' only

    def to_dict(self) -> dict[str, object]:
        return {"held": [b.to_dict() for b in self.held],
                "waiting": [b.to_dict() for b in self.waiting],
                "reworks": [r.to_dict() for r in self.reworks],
                "keying": [k.to_dict() for k in self.keying],
                "borrow": [b.to_dict() for b in self.borrow],
                "recheck": [r.to_dict() for r in self.recheck],
                "counts": {"held": len(self.held), "waiting": self.waiting_total,
                           "reworks": len(self.reworks), "keying": len(self.keying),
                           "borrow": len(self.borrow), "recheck": len(self.recheck)}}


def stages_for(account: Account) -> list[str]:
    """The work stages the account's roles may claim."""
    return [s for s, roles in wf.STAGE_ALLOWED_ROLES.items()
            if roles & account.roles and s not in wf.BORROW_BATCH_STAGES]


def _with_spans(shown: Any) -> Any:
    """The listed batches of ``shown`` (a select of work batches joined with their borrow
    batch, ordered and limited) with, per batch, its volumes and its first and last archive
    code in register order — one statement, bounded by the batches shown; never every code."""
    listed = shown.add_columns(WorkBatch.id.label("batch_id"), BorrowBatch.no.label("no"),
                               WorkBatch.seq.label("seq"),
                               WorkBatch.borrow_batch_id.label("bb")).cte("listed")
    entry = BorrowRegisterEntry
    spans = (select(Volume.work_batch_id.label("batch_id"), func.count(Volume.id).label("n"),
                    func.min(entry.seq).label("lo"), func.max(entry.seq).label("hi"))
             .join(listed, listed.c.batch_id == Volume.work_batch_id)
             .outerjoin(entry, (entry.volume_id == Volume.id)
                        & (entry.borrow_batch_id == listed.c.bb))
             .group_by(Volume.work_batch_id).subquery("spans"))

    def code_at(seq: Any) -> Any:  # one index probe per listed batch: (borrow batch, seq)
        return (select(Volume.archive_code).join(entry, entry.volume_id == Volume.id)
                .where(entry.borrow_batch_id == listed.c.bb, entry.seq == seq)
                .scalar_subquery())

    return (select(*(c for c in listed.c if c.key not in ("batch_id", "no", "seq", "bb")),
                   spans.c.n, code_at(spans.c.lo), code_at(spans.c.hi))
            .outerjoin(spans, spans.c.batch_id == listed.c.batch_id)
            .order_by(listed.c.no, listed.c.seq))


@cache
def _statements() -> dict[str, Any]:
    """The page's statements, built once (building a select costs more than running it);
    every value is a bound parameter."""
    project: Any = bindparam("project_id", type_=Integer)
    worker: Any = bindparam("worker_id", type_=Integer)
    limit: Any = bindparam("limit", type_=Integer)
    open_claim = exists().where(Claim.work_batch_id == WorkBatch.id,
                                Claim.released_at.is_(None), Claim.stage == WorkBatch.stage)
    columns = (WorkBatch.code, BorrowBatch.no.label("borrow_no"), WorkBatch.stage,
               WorkBatch.status, WorkBatch.planned_pages)
    where = [WorkBatch.project_id == project,
             WorkBatch.stage.in_(bindparam("stages", type_=String, expanding=True)),
             WorkBatch.status == wf.WAITING, ~open_claim]
    finder = aliased(Worker)
    return {
        "held": _with_spans(
            select(*columns, Claim.claimed_at)
            .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
            .join(Claim, Claim.work_batch_id == WorkBatch.id)
            .where(WorkBatch.project_id == project, Claim.released_at.is_(None),
                   Claim.worker_id == worker)),
        "total": select(func.count(WorkBatch.id)).where(*where),
        "waiting": _with_spans(
            select(*columns)
            .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
            .where(*where).order_by(BorrowBatch.no, WorkBatch.seq).limit(limit)),
        "reworks": select(Rework, Defect.page_no, Defect.data, Defect.code, Defect.cause,
                          Volume.archive_code, WorkBatch.code, finder.name)
        .outerjoin(Defect, Defect.id == Rework.defect_id)
        .outerjoin(Volume, Volume.id == Rework.volume_id)
        .outerjoin(WorkBatch, WorkBatch.id == Rework.work_batch_id)
        .outerjoin(finder, finder.id == Defect.found_by_id)
        .where(Rework.project_id == project, Rework.assignee_id == worker,
               Rework.status == "open")
        .order_by(Rework.id).limit(limit),
    }


def my_tasks(ctx: ProjectContext, account: Account, limit: int = LIMIT) -> MyTasks:
    keying_work = [TaskKeying(*k) for k in keying.pending(ctx, account.worker_id, limit)] \
        if wf.INDEXER in account.roles else []
    q = _statements()
    params = {"project_id": ctx.project_id, "worker_id": account.worker_id, "limit": limit}
    with ctx.transaction() as session:
        held = session.execute(q["held"], params).all()
        waiting_params = {**params, "stages": stages_for(account)}
        total = int(session.scalar(q["total"], waiting_params) or 0)
        waiting = session.execute(q["waiting"], waiting_params).all()
        reworks = open_reworks(session, ctx.project_id, account.worker_id, limit)
        borrow = archive_confirmations(session, ctx.project_id, limit) \
            if wf.ARCHIVE_STAFF in account.roles else []
        recheck = reworks_to_verify(session, ctx.project_id, account.worker_id, limit) \
            if wf.QC_INSPECTOR in account.roles else []
    def row(r: Any, n: int, holder: str, at: datetime | None) -> TaskBatch:
        code, no, stage, status, planned = r[:5]
        return TaskBatch(code, no, stage, status, planned, r[n] or 0, r[n + 1] or "",
                         r[n + 2] or "", holder, at)

    return MyTasks([row(r, 6, account.name, r[5]) for r in held],
                   [row(r, 5, "", None) for r in waiting],
                   total, reworks, keying_work, borrow, recheck)


def archive_confirmations(session: Session, project_id: int,
                          limit: int = LIMIT) -> list[TaskBorrow]:
    """The borrow batches waiting for the archive room: listed, not yet out (to confirm the
    borrowing), and out with every volume of the register at 还卷 (to confirm the return);
    in batch order, two queries."""
    entry = BorrowRegisterEntry
    columns = (BorrowBatch.no, func.count(entry.id),
               func.coalesce(func.sum(entry.pages_at_borrow), 0), BorrowBatch.created_at)
    planned = session.execute(
        select(*columns).join(entry, entry.borrow_batch_id == BorrowBatch.id)
        .where(BorrowBatch.project_id == project_id, BorrowBatch.status == wf.BORROW_PLANNED)
        .group_by(BorrowBatch.id).order_by(BorrowBatch.no).limit(limit)).all()
    not_at_return = func.sum(case((Volume.stage != wf.RETURN, 1), else_=0))
    ready = session.execute(
        select(*columns).join(entry, entry.borrow_batch_id == BorrowBatch.id)
        .join(Volume, Volume.id == entry.volume_id)
        .where(BorrowBatch.project_id == project_id, BorrowBatch.status == wf.BORROW_OUT)
        .group_by(BorrowBatch.id).having(not_at_return == 0)
        .order_by(BorrowBatch.no).limit(limit)).all()
    return [TaskBorrow(no, action, int(n or 0), int(pages or 0), at)
            for action, rows in (("borrow", planned), ("return", ready))
            for no, n, pages, at in rows]


def open_reworks(session: Session, project_id: int, worker_id: int | None,
                 limit: int = LIMIT) -> list[TaskRework]:
    """The open reworks assigned to the worker, oldest first, in one query."""
    if worker_id is None:
        return []
    rows = session.execute(_statements()["reworks"], {
        "project_id": project_id, "worker_id": worker_id, "limit": limit}).all()
    out = []
    for r, page, data, code, cause, archive_code, batch, found_by in rows:
        box: Any = (data or {}).get("box")
        out.append(TaskRework(r.id, r.stage, r.reason, batch or "", r.volume_id,
                              archive_code or "", page,
                              [int(v) for v in box] if isinstance(box, list) else None,
                              code or "", cause or "", found_by or "", r.created_at))
    return out


def reworks_to_verify(session: Session, project_id: int, worker_id: int | None = None,
                      limit: int = LIMIT) -> list[TaskRecheck]:
    """The reworks done and waiting for re-inspection whose batch is at no QC level (past QC:
    a defect found at the client's acceptance or after the verdict), oldest first, in one
    query; ``worker_id``: leave out those this worker reworked (nobody re-inspects their own).
    A rework of a batch at a QC level is re-inspected at that batch's desk, by its claim."""
    worker = aliased(Worker)
    stmt = (select(Rework, WorkBatch.code, Volume.archive_code, worker.name)
            .outerjoin(WorkBatch, WorkBatch.id == Rework.work_batch_id)
            .outerjoin(Volume, Volume.id == Rework.volume_id)
            .outerjoin(worker, worker.id == Rework.assignee_id)
            .where(Rework.project_id == project_id, Rework.status == "done",
                   WorkBatch.stage.is_(None) | WorkBatch.stage.not_in(wf.QC_LEVELS))
            .order_by(Rework.done_at, Rework.id).limit(limit))
    if worker_id is not None:
        stmt = stmt.where(Rework.assignee_id.is_(None) | (Rework.assignee_id != worker_id))
    return [TaskRecheck(r.id, r.stage, r.reason, batch or "", r.volume_id, code or "",
                        name or "", r.done_at)
            for r, batch, code, name in session.execute(stmt).all()]


def code_from_scan(text: str) -> str:
    """A responsibility card's QR/barcode (``dangan:<project>:work_batch:<id>:<code>``) or a
    typed work-batch code."""
    value = text.strip()
    if value.startswith(SCAN_PREFIX) and ":work_batch:" in value:
        return value.rsplit(":", 1)[-1]
    return value
