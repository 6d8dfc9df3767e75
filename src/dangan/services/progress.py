"""Progress for the project manager: per stage, per work batch, overdue borrowed volumes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    StoredFileTally,
    Volume,
    VolumeTally,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext


def stored_files(session: Session, project_id: int) -> list[tuple[str, str, int, int]]:
    """(area, kind, files, bytes) of a project's stored files, from the tally the database
    keeps (migration 0013) — a few rows, whatever the size of the project."""
    tally = StoredFileTally
    rows = session.execute(
        select(tally.area, tally.kind, func.sum(tally.files), func.sum(tally.bytes))
        .where(tally.project_id == project_id).group_by(tally.area, tally.kind)
        .having(func.sum(tally.files) != 0).order_by(tally.area, tally.kind)).all()
    return [(a, k, int(n), int(b or 0)) for a, k, n, b in rows]


def volume_counts(session: Session, project_id: int) -> list[tuple[str, str, int, int]]:
    """(stage, status, volumes, expected pages) from the tally the database keeps (0013)."""
    tally = VolumeTally
    rows = session.execute(
        select(tally.stage, tally.status, func.sum(tally.volumes), func.sum(tally.pages))
        .where(tally.project_id == project_id).group_by(tally.stage, tally.status)
        .having(func.sum(tally.volumes) != 0)).all()
    return [(s, st, int(n), int(p or 0)) for s, st, n, p in rows]


def pages_recorded(ctx: ProjectContext) -> dict[str, int]:
    """Page images recorded so far per storage area key — ``scanned``: the pages ingested,
    ``retouched``: the pages retouched — from the stored-file tally (a few rows)."""
    with ctx.transaction() as session:
        return {area: n for area, kind, n, _b in stored_files(session, ctx.project_id)
                if kind == "page"}


def files_by_area(session: Session, project_id: int) -> dict[str, int]:
    """Stored files per storage area (``dangan status``)."""
    out: dict[str, int] = {}
    for area, _kind, n, _b in stored_files(session, project_id):
        out[area] = out.get(area, 0) + n
    return out


@dataclass(frozen=True)
class StageProgress:
    stage: str
    status: str
    volumes: int
    pages: int  # registered (the volume list's page count): the size of the work to do

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class OverdueBatch:
    no: int
    due_at: datetime
    volumes: int
    clerk: str

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def held_volume_counts(session: Session, project_id: int) -> list[tuple[str, str, int, int]]:
    """(stage, the batch's status, volumes, expected pages) of the volumes waiting at their
    work batch's stage while the batch is claimed or in rework: the engine claims whole
    batches and leaves those volumes' own status at waiting. Bounded by the batches not
    waiting (held or in rework), few whatever the size of the project."""
    rows = session.execute(
        select(WorkBatch.stage, WorkBatch.status, func.count(Volume.id),
               func.coalesce(func.sum(Volume.expected_pages), 0))
        .join(Volume, Volume.work_batch_id == WorkBatch.id)
        .where(WorkBatch.project_id == project_id,
               WorkBatch.status.not_in([wf.WAITING, wf.FINISHED]),
               Volume.stage == WorkBatch.stage, Volume.status == wf.WAITING)
        .group_by(WorkBatch.stage, WorkBatch.status)).all()
    return [(s, st, int(n), int(p or 0)) for s, st, n, p in rows]


def stage_progress(ctx: ProjectContext) -> list[StageProgress]:
    """Volumes and registered pages (the work to do) per (stage, status), in line order, from
    the tally, the volumes of held batches under their batch's status (claimed, in rework);
    the pages done are :func:`pages_recorded`."""
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        counts = {(s, st): (n, p) for s, st, n, p in volume_counts(session, ctx.project_id)}
        for s, st, n, p in held_volume_counts(session, ctx.project_id):
            waiting = counts.get((s, wf.WAITING), (0, 0))
            counts[(s, wf.WAITING)] = (waiting[0] - n, waiting[1] - p)
            held = counts.get((s, st), (0, 0))
            counts[(s, st)] = (held[0] + n, held[1] + p)
    out = [StageProgress(s, st, n, p) for (s, st), (n, p) in counts.items() if n > 0]

    def order(p: StageProgress) -> tuple[int, str]:
        try:
            return graph.position(p.stage), p.status
        except ValueError:
            return 99, p.status

    return sorted(out, key=order)


def batch_progress(ctx: ProjectContext) -> list[tuple[str, str, int]]:
    """(stage, status, work batches)."""
    with ctx.transaction() as session:
        rows = session.execute(
            select(WorkBatch.stage, WorkBatch.status, func.count(WorkBatch.id))
            .where(WorkBatch.project_id == ctx.project_id)
            .group_by(WorkBatch.stage, WorkBatch.status)).all()
    return [(s, st, int(n)) for s, st, n in rows]


def overdue(ctx: ProjectContext, at: datetime | None = None) -> list[OverdueBatch]:
    """Borrow batches still out after their due date (volumes the archive room is waiting for).

    The batches still out are few; the register is counted for the overdue ones only."""
    at = at or ws.now()
    with ctx.transaction() as session:
        late: list[BorrowBatch] = []
        for batch in session.scalars(
                select(BorrowBatch).where(BorrowBatch.project_id == ctx.project_id,
                                          BorrowBatch.status == wf.BORROW_OUT,
                                          BorrowBatch.due_at.is_not(None))
                .order_by(BorrowBatch.no)):
            due = batch.due_at
            assert due is not None
            if (due if due.tzinfo else due.replace(tzinfo=at.tzinfo)) < at:
                late.append(batch)
        if not late:
            return []
        counts = dict(session.execute(
            select(BorrowRegisterEntry.borrow_batch_id, func.count(BorrowRegisterEntry.id))
            .where(BorrowRegisterEntry.borrow_batch_id.in_([b.id for b in late]))
            .group_by(BorrowRegisterEntry.borrow_batch_id)).all())
        out = []
        for batch in late:
            if not counts.get(batch.id):
                continue  # as before: a batch without register entries is not listed
            due = batch.due_at
            assert due is not None
            out.append(OverdueBatch(batch.no, due if due.tzinfo else due.replace(tzinfo=at.tzinfo),
                                    int(counts[batch.id]),
                                    ws.worker_name(session, batch.borrow_clerk_id)))
        return out
