"""分批: split a borrow batch into work batches by workload; the responsibility card's data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Claim,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.domain import workflow as wf
from dangan.domain.records import StageSignature, WorkBatchInfo
from dangan.errors import InputError, NamingError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext

__all__ = ["StageSignature", "WorkBatchInfo", "list_work_batches", "split_borrow_batch",
           "volume_spans", "work_batch_info"]

DEFAULT_VOLUME_PAGES = 40  # a court volume, when neither the list nor the register has a count


def split_borrow_batch(ctx: ProjectContext, actor: Actor, no: int, *,
                       pages_per_batch: int | None = None,
                       half_day: bool = False) -> list[WorkBatchInfo]:
    """Cut the borrowed volumes, in register order, into work batches of one person-day each
    (by the borrow clerk or the project manager)."""
    engine.require_any_role(actor, frozenset({wf.BORROW_CLERK, wf.PROJECT_MANAGER}))
    graph = ws.graph_for(ctx.config)
    capacity = pages_per_batch or ctx.config.workload.pages_per_person_day
    if half_day and not pages_per_batch:
        capacity = max(1, capacity // 2)
    if capacity < 1:
        raise InputError("batch.bad_capacity", value=capacity)
    with ctx.transaction() as session:
        borrow = ws.borrow_batch_by_no(session, ctx.project_id, no, lock=True)
        if borrow.status != wf.BORROW_OUT:
            raise StateError("batch.borrow_not_out", no=no,
                             status=t(f"workflow.status.{borrow.status}"))
        existing = session.scalar(select(func.count()).select_from(WorkBatch).where(
            WorkBatch.borrow_batch_id == borrow.id))
        if existing:
            raise StateError("batch.already_split", no=no, count=existing)
        if session.scalar(select(func.count()).select_from(Volume).join(
                BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id).where(
                BorrowRegisterEntry.borrow_batch_id == borrow.id,
                Volume.work_batch_id.is_not(None))):
            # 再借 for rework: its volumes keep the work batches they were split into
            raise StateError("batch.reborrow_not_split", no=no)
        pairs = session.execute(
            select(BorrowRegisterEntry, Volume)
            .join(Volume, Volume.id == BorrowRegisterEntry.volume_id)
            .where(BorrowRegisterEntry.borrow_batch_id == borrow.id)
            .order_by(BorrowRegisterEntry.seq)).all()
        pages = [e.pages_at_borrow or v.expected_pages or DEFAULT_VOLUME_PAGES for e, v in pairs]
        groups = wf.split_by_workload(pages, capacity)
        made: list[WorkBatch] = []
        for seq, group in enumerate(groups, start=1):
            code = wf.work_batch_code(borrow.no, len(groups), seq)
            batch = WorkBatch(project_id=ctx.project_id, borrow_batch_id=borrow.id, code=code,
                              seq=seq, total=len(groups), stage=graph.first_work_stage,
                              status=wf.WAITING, planned_pages=sum(pages[i] for i in group))
            session.add(batch)
            session.flush()
            for i in group:
                volume = pairs[i][1]
                volume.work_batch_id = batch.id
                try:
                    volume.folder_name = ctx.rules.folder_name(volume.archive_code, borrow.no,
                                                               code)
                except NamingError:
                    volume.folder_name = None
            ws.add_event(session, ctx.project_id, wf.EVENT_SPLIT, actor.name,
                         stage=graph.first_work_stage, worker_id=actor.worker_id,
                         work_batch_id=batch.id, borrow_batch_id=borrow.id,
                         data={"volume_ids": [pairs[i][1].id for i in group],
                               "pages": batch.planned_pages, "capacity": capacity})
            made.append(batch)
        session.flush()
        return _infos(session, [(b, borrow.no) for b in made])


def work_batch_info(ctx: ProjectContext, code: str) -> WorkBatchInfo:
    with ctx.transaction() as session:
        row = session.execute(
            select(WorkBatch, BorrowBatch.no)
            .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
            .where(WorkBatch.project_id == ctx.project_id, WorkBatch.code == code)).first()
        if row is None:
            raise NotFoundError("workflow.batch_not_found", code=code)
        batch, no = row
        return _infos(session, [(batch, no)], signatures=True)[0]


def list_work_batches(ctx: ProjectContext, borrow_no: int | None = None,
                      stage: str | None = None) -> list[WorkBatchInfo]:
    """Every work batch (of a borrow batch, at a stage) with its volumes' span and holder,
    in a fixed number of queries whatever the number of batches."""
    with ctx.transaction() as session:
        stmt = (select(WorkBatch, BorrowBatch.no)
                .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
                .where(WorkBatch.project_id == ctx.project_id)
                .order_by(BorrowBatch.no, WorkBatch.seq))
        if borrow_no is not None:
            stmt = stmt.where(BorrowBatch.no == borrow_no)
        if stage is not None:
            stmt = stmt.where(WorkBatch.stage == stage)
        return _infos(session, [(b, n) for b, n in session.execute(stmt).all()])


def volume_spans(session: Session, batch_ids: Sequence[int]) -> dict[int, tuple[int, str, str]]:
    """Per work batch: (volumes, first archive code, last archive code) in register order —
    two queries for any number of batches (counted and bounded in SQL, never every code)."""
    spans: dict[int, tuple[int, str, str]] = {}
    if not batch_ids:
        return spans
    entry = BorrowRegisterEntry
    rows = session.execute(
        select(Volume.work_batch_id, func.count(Volume.id), func.min(entry.seq),
               func.max(entry.seq), WorkBatch.borrow_batch_id)
        .join(WorkBatch, WorkBatch.id == Volume.work_batch_id)
        .outerjoin(entry, (entry.volume_id == Volume.id)
                   & (entry.borrow_batch_id == WorkBatch.borrow_batch_id))
        .where(Volume.work_batch_id.in_(list(batch_ids)))
        .group_by(Volume.work_batch_id, WorkBatch.borrow_batch_id)).all()
    ends = {(bb, seq) for _b, _n, lo, hi, bb in rows for seq in (lo, hi) if seq is not None}
    codes: dict[tuple[int, int], str] = {}
    if ends:
        codes = {(bb, seq): code for bb, seq, code in session.execute(
            select(entry.borrow_batch_id, entry.seq, Volume.archive_code)
            .join(Volume, Volume.id == entry.volume_id)
            .where(tuple_(entry.borrow_batch_id, entry.seq).in_(sorted(ends)))).all()}
    for batch_id, n, lo, hi, bb in rows:
        if batch_id is None:
            continue
        spans[batch_id] = (int(n), codes.get((bb, lo), "") if lo is not None else "",
                           codes.get((bb, hi), "") if hi is not None else "")
    return spans


def _holders(session: Session, batches: Sequence[WorkBatch]) -> dict[int, str]:
    """The worker holding each batch's open claim for its current stage's role."""
    roles = {b.id: wf.STAGE_ROLE.get(b.stage, "") for b in batches}
    if not any(roles.values()):
        return {}
    rows = session.execute(
        select(Claim.work_batch_id, Claim.role, Worker.name)
        .join(Worker, Worker.id == Claim.worker_id)
        .where(Claim.work_batch_id.in_([b for b, r in roles.items() if r]),
               Claim.released_at.is_(None))).all()
    return {b: name for b, role, name in rows if roles.get(b) == role}


def _infos(session: Session, rows: Sequence[tuple[WorkBatch, int]],
           signatures: bool = False) -> list[WorkBatchInfo]:
    batches = [b for b, _n in rows]
    spans = volume_spans(session, [b.id for b in batches])
    holders = _holders(session, batches)
    sigs: dict[int, list[StageSignature]] = {}
    if signatures:
        for e in session.scalars(select(StageEvent).where(
                StageEvent.work_batch_id.in_([b.id for b in batches]),
                StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.volume_id.is_(None))
                .order_by(StageEvent.at, StageEvent.id)):
            sigs.setdefault(e.work_batch_id or 0, []).append(
                StageSignature(e.stage or "", e.person, e.at, e.remarks))
    out = []
    for batch, no in rows:
        n, first, last = spans.get(batch.id, (0, "", ""))
        out.append(WorkBatchInfo(batch.id, batch.code, no, batch.seq, batch.total, batch.stage,
                                 batch.status, batch.planned_pages, n, first, last,
                                 holders.get(batch.id, ""), sigs.get(batch.id, [])))
    return out
