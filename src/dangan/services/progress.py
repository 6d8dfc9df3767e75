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
    pages: int

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


def stage_progress(ctx: ProjectContext) -> list[StageProgress]:
    """Volumes and registered pages per (stage, status), in line order. One grouped query."""
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        rows = session.execute(
            select(Volume.stage, Volume.status, func.count(Volume.id),
                   func.coalesce(func.sum(Volume.expected_pages), 0))
            .where(Volume.project_id == ctx.project_id)
            .group_by(Volume.stage, Volume.status)).all()
    out = [StageProgress(s, st, int(n or 0), int(p or 0)) for s, st, n, p in rows]

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
    """Borrow batches still out after their due date (volumes the archive room is waiting for)."""
    at = at or ws.now()
    with ctx.transaction() as session:
        rows = session.execute(
            select(BorrowBatch, func.count(BorrowRegisterEntry.id))
            .join(BorrowRegisterEntry, BorrowRegisterEntry.borrow_batch_id == BorrowBatch.id)
            .where(BorrowBatch.project_id == ctx.project_id,
                   BorrowBatch.status == wf.BORROW_OUT)
            .group_by(BorrowBatch.id).order_by(BorrowBatch.no)).all()
        out = []
        for batch, count in rows:
            due = batch.due_at
            if due is None:
                continue
            due = due if due.tzinfo else due.replace(tzinfo=at.tzinfo)
            if due < at:
                out.append(OverdueBatch(batch.no, due, int(count),
                                        ws.worker_name(session, batch.borrow_clerk_id)))
        return out
