"""Read-only look-ups the pages need beyond the services' summaries (volumes of a batch,
volume search). Nothing here writes; every change goes through the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from dangan.db.models import BorrowRegisterEntry, Page, Volume, WorkBatch
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext

SEARCH_LIMIT = 200


@dataclass(frozen=True)
class VolumeRow:
    archive_code: str
    title: str
    stage: str
    status: str
    expected_pages: int | None
    pages: int
    folder_name: str | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def _rows(ctx: ProjectContext, stmt: object) -> list[VolumeRow]:
    with ctx.transaction() as session:
        return _to_rows(session.execute(stmt).all())  # type: ignore[call-overload]


def _to_rows(rows: Sequence[Any]) -> list[VolumeRow]:
    return [VolumeRow(v.archive_code, v.title, v.stage, v.status, v.expected_pages,
                      int(n or 0), v.folder_name) for v, n in rows]


def batch_volumes(ctx: ProjectContext, batch_code: str) -> list[VolumeRow]:
    """The volumes of a work batch in register order, with their recorded page counts (one
    transaction; an unknown code is the engine's not-found error)."""
    pages = (select(func.count(Page.id)).where(Page.volume_id == Volume.id)
             .correlate(Volume).scalar_subquery())
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        stmt = (select(Volume, pages)
                .outerjoin(BorrowRegisterEntry,
                           (BorrowRegisterEntry.volume_id == Volume.id)
                           & (BorrowRegisterEntry.borrow_batch_id == batch.borrow_batch_id))
                .where(Volume.work_batch_id == batch.id)
                .order_by(BorrowRegisterEntry.seq, Volume.id))
        return _to_rows(session.execute(stmt).all())


def search_volumes(ctx: ProjectContext, query: str) -> tuple[list[VolumeRow], int]:
    """Volumes whose archive code or title contains ``query`` (literally: % and _ are plain
    characters); the first SEARCH_LIMIT rows and the total count."""
    text = query.strip()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    cond = or_(Volume.archive_code.like(f"%{escaped}%", escape="\\"),
               Volume.title.like(f"%{escaped}%", escape="\\"))
    where = [Volume.project_id == ctx.project_id]
    if text:
        where.append(cond)
    # one scan: the first rows in code order, each carrying the number of all matches
    matched = (select(Volume.id, func.count().over().label("total")).where(*where)
               .order_by(Volume.archive_code).limit(SEARCH_LIMIT).subquery("matched"))
    pages = (select(func.count(Page.id)).where(Page.volume_id == Volume.id)
             .correlate(Volume).scalar_subquery())
    with ctx.transaction() as session:
        rows = session.execute(select(Volume, pages, matched.c.total)
                               .join(matched, matched.c.id == Volume.id)
                               .order_by(Volume.archive_code)).all()
    total = int(rows[0][2]) if rows else 0
    return _to_rows([(v, n) for v, n, _t in rows]), total


def batches_at(ctx: ProjectContext, stage: str) -> list[dict[str, str]]:
    """The work batches waiting at or held at ``stage`` (code, status), oldest first: the
    home list of a desk."""
    with ctx.transaction() as session:
        return [{"code": code, "status": status} for code, status in session.execute(
            select(WorkBatch.code, WorkBatch.status).where(
                WorkBatch.project_id == ctx.project_id, WorkBatch.stage == stage)
            .order_by(WorkBatch.id))]
