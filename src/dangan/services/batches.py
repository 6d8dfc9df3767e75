"""分批: split a borrow batch into work batches by workload; the responsibility card's data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowBatch, BorrowRegisterEntry, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.domain.records import StageSignature, WorkBatchInfo
from dangan.errors import InputError, NamingError, StateError
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext

__all__ = ["StageSignature", "WorkBatchInfo", "list_work_batches", "split_borrow_batch",
           "work_batch_info"]

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
            raise StateError("batch.borrow_not_out", no=no, status=borrow.status)
        existing = session.scalar(select(func.count()).select_from(WorkBatch).where(
            WorkBatch.borrow_batch_id == borrow.id))
        if existing:
            raise StateError("batch.already_split", no=no, count=existing)
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
        return [_info(session, b, borrow.no) for b in made]


def work_batch_info(ctx: ProjectContext, code: str) -> WorkBatchInfo:
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        borrow = session.get(BorrowBatch, batch.borrow_batch_id)
        assert borrow is not None
        return _info(session, batch, borrow.no, signatures=True)


def list_work_batches(ctx: ProjectContext, borrow_no: int | None = None,
                      stage: str | None = None) -> list[WorkBatchInfo]:
    with ctx.transaction() as session:
        stmt = (select(WorkBatch, BorrowBatch.no)
                .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
                .where(WorkBatch.project_id == ctx.project_id)
                .order_by(BorrowBatch.no, WorkBatch.seq))
        if borrow_no is not None:
            stmt = stmt.where(BorrowBatch.no == borrow_no)
        if stage is not None:
            stmt = stmt.where(WorkBatch.stage == stage)
        return [_info(session, b, n) for b, n in session.execute(stmt).all()]


def _info(session: Session, batch: WorkBatch, borrow_no: int, signatures: bool = False) -> WorkBatchInfo:
    codes = session.execute(
        select(Volume.archive_code).join(BorrowRegisterEntry,
                                         BorrowRegisterEntry.volume_id == Volume.id)
        .where(Volume.work_batch_id == batch.id).order_by(BorrowRegisterEntry.seq)).scalars().all()
    holder = ""
    for role in {wf.STAGE_ROLE.get(batch.stage, "")}:
        claim = ws.open_claim(session, batch.id, role) if role else None
        if claim is not None:
            holder = ws.worker_name(session, claim.worker_id)
    sigs: list[StageSignature] = []
    if signatures:
        events = session.scalars(select(StageEvent).where(
            StageEvent.work_batch_id == batch.id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.volume_id.is_(None)).order_by(StageEvent.at, StageEvent.id)).all()
        sigs = [StageSignature(e.stage or "", e.person, e.at, e.remarks) for e in events]
    return WorkBatchInfo(batch.id, batch.code, borrow_no, batch.seq, batch.total, batch.stage,
                         batch.status, batch.planned_pages, len(codes),
                         codes[0] if codes else "", codes[-1] if codes else "", holder, sigs)
