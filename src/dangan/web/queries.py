"""Read-only look-ups the pages need beyond the services' summaries (volumes of a batch,
volume search). Nothing here writes; every change goes through the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from sqlalchemy import Integer, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Claim,
    Page,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.domain import workflow as wf
from dangan.domain.records import StageSignature, WorkBatchInfo
from dangan.errors import NotFoundError
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


# a volume waiting at its batch's stage shows the batch's status there (claimed, in rework):
# the engine claims and reworks whole batches and leaves the volumes' own status at waiting
_STATUS = case((and_(Volume.status == wf.WAITING, Volume.stage == WorkBatch.stage),
                WorkBatch.status), else_=Volume.status)
_VOLUME_COLUMNS = (Volume.archive_code, Volume.title, Volume.stage, _STATUS,
                   Volume.expected_pages)


def _pages() -> Any:
    return (select(func.count(Page.id)).where(Page.volume_id == Volume.id)
            .correlate(Volume).scalar_subquery())


@cache
def _statements() -> dict[str, Any]:
    """The pages' statements, built once (building a select costs more than running it);
    every value is a bound parameter."""
    project: Any = bindparam("project_id")
    batch_id: Any = bindparam("batch_id")
    pattern: Any = bindparam("pattern")
    limit: Any = bindparam("limit", type_=Integer)
    matched = (select(Volume.id, func.count().over().label("total"))
               .where(Volume.project_id == project,
                      or_(Volume.archive_code.like(pattern, escape="\\"),
                          Volume.title.like(pattern, escape="\\")))
               .order_by(Volume.archive_code).limit(limit).subquery("matched"))
    listed = (select(Volume.id, func.count().over().label("total"))
              .where(Volume.project_id == project)
              .order_by(Volume.archive_code).limit(limit).subquery("listed"))

    def search(found: Any) -> Any:
        # one scan: the first rows in code order, each carrying the number of all matches
        return (select(*_VOLUME_COLUMNS, _pages(), Volume.folder_name, found.c.total)
                .join(found, found.c.id == Volume.id)
                .outerjoin(WorkBatch, WorkBatch.id == Volume.work_batch_id)
                .order_by(Volume.archive_code))

    return {
        # the batch, its borrow batch's number, and its open claims with their holders
        "batch": select(WorkBatch.id, WorkBatch.code, BorrowBatch.no, WorkBatch.seq,
                        WorkBatch.total, WorkBatch.stage, WorkBatch.status,
                        WorkBatch.planned_pages, Claim.role, Worker.name)
        .join(BorrowBatch, BorrowBatch.id == WorkBatch.borrow_batch_id)
        .outerjoin(Claim, (Claim.work_batch_id == WorkBatch.id) & Claim.released_at.is_(None))
        .outerjoin(Worker, Worker.id == Claim.worker_id)
        .where(WorkBatch.project_id == project, WorkBatch.code == bindparam("code")),
        "signatures": select(StageEvent.stage, StageEvent.person, StageEvent.at,
                             StageEvent.remarks)
        .where(StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_SIGNOFF,
               StageEvent.volume_id.is_(None))
        .order_by(StageEvent.at, StageEvent.id),
        # the batch's volumes in register order, with their recorded page counts
        "volumes": select(*_VOLUME_COLUMNS, _pages(), Volume.folder_name,
                          BorrowRegisterEntry.seq)
        .join(WorkBatch, WorkBatch.id == Volume.work_batch_id)
        .outerjoin(BorrowRegisterEntry,
                   (BorrowRegisterEntry.volume_id == Volume.id)
                   & (BorrowRegisterEntry.borrow_batch_id == WorkBatch.borrow_batch_id))
        .where(Volume.work_batch_id == batch_id)
        .order_by(BorrowRegisterEntry.seq, Volume.id),
        "search": search(matched),
        "all": search(listed),
    }


def _to_rows(rows: Sequence[Any]) -> list[VolumeRow]:
    return [VolumeRow(code, title, stage, status, expected, int(n or 0), folder)
            for code, title, stage, status, expected, n, folder, *_rest in rows]


def _batch_rows(session: Session, project_id: int, code: str) -> tuple[
        WorkBatchInfo, Sequence[Any]]:
    """The batch (its holder, signatures, volume span) and its volume rows, three
    statements; an unknown code is the engine's not-found error."""
    q = _statements()
    found = session.execute(q["batch"], {"project_id": project_id, "code": code}).all()
    if not found:
        raise NotFoundError("workflow.batch_not_found", code=code)
    batch_id, code, no, seq, total, stage, status, planned = found[0][:8]
    role = wf.STAGE_ROLE.get(stage, "")
    holder = next((name for *_b, r, name in found if role and r == role), "")
    signatures = [StageSignature(st or "", person, at, remarks) for st, person, at, remarks
                  in session.execute(q["signatures"], {"batch_id": batch_id})]
    volumes = session.execute(q["volumes"], {"batch_id": batch_id}).all()
    registered = [v.archive_code for v in volumes if v.seq is not None]
    info = WorkBatchInfo(batch_id, code, no, seq, total, stage, status, planned, len(volumes),
                         registered[0] if registered else "",
                         registered[-1] if registered else "", holder or "", signatures)
    return info, volumes


def batch_with_volumes(ctx: ProjectContext, batch_code: str) -> tuple[WorkBatchInfo, list[VolumeRow]]:
    """What the work batch page shows: the batch as ``services.batches.work_batch_info``
    gives it, and its volumes in register order with their recorded page counts — one
    transaction of three statements."""
    with ctx.transaction() as session:
        info, rows = _batch_rows(session, ctx.project_id, batch_code)
    return info, _to_rows(rows)


def batch_volumes(ctx: ProjectContext, batch_code: str) -> list[VolumeRow]:
    """The volumes of a work batch in register order, with their recorded page counts (one
    transaction; an unknown code is the engine's not-found error)."""
    return batch_with_volumes(ctx, batch_code)[1]


def search_volumes(ctx: ProjectContext, query: str) -> tuple[list[VolumeRow], int]:
    """Volumes whose archive code or title contains ``query`` (literally: % and _ are plain
    characters); the first SEARCH_LIMIT rows and the total count."""
    text = query.strip()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    q = _statements()
    with ctx.transaction() as session:
        rows = session.execute(q["search"] if text else q["all"],
                               {"project_id": ctx.project_id, "pattern": f"%{escaped}%",
                                "limit": SEARCH_LIMIT}).all()
    total = int(rows[0][-1]) if rows else 0
    return _to_rows(rows), total


def batch_stage(ctx: ProjectContext, code: str) -> str:
    """The work batch's current stage (a desk's run form sends the stage its page showed)."""
    with ctx.transaction() as session:
        stage: str | None = session.scalar(select(WorkBatch.stage).where(
            WorkBatch.project_id == ctx.project_id, WorkBatch.code == code))
    if stage is None:
        raise NotFoundError("workflow.batch_not_found", code=code)
    return stage


def batches_at(ctx: ProjectContext, stage: str) -> list[dict[str, str]]:
    """The work batches waiting at or held at ``stage`` (code, status), oldest first: the
    home list of a desk."""
    with ctx.transaction() as session:
        return [{"code": code, "status": status} for code, status in session.execute(
            select(WorkBatch.code, WorkBatch.status).where(
                WorkBatch.project_id == ctx.project_id, WorkBatch.stage == stage)
            .order_by(WorkBatch.id))]


def scan_target(ctx: ProjectContext, code: str) -> str:
    """The page a code scanned or typed into 我的任务 opens: a work batch's page; for a
    volume's archive code, its work batch's page (the volume's own page while it is in none);
    else the batch page, which says the code is unknown."""
    with ctx.transaction() as session:
        found = session.execute(select(WorkBatch.code).where(
            WorkBatch.project_id == ctx.project_id, WorkBatch.code == code)).first()
        if found is None:
            volume = session.execute(
                select(Volume.archive_code, WorkBatch.code)
                .outerjoin(WorkBatch, WorkBatch.id == Volume.work_batch_id)
                .where(Volume.project_id == ctx.project_id, Volume.archive_code == code)).first()
            if volume is not None and volume[1] is None:
                return f"/volumes/{quote(volume[0], safe='')}"
            if volume is not None:
                code = volume[1]
    return f"/batches/{quote(code, safe='')}"



@dataclass(frozen=True)
class SignChoice:
    """A volume of the batch still to be signed at its stage, on the sign-off form: ``theirs``
    names the worker whose record is its newest unsigned work when that is not the signer
    (only they sign it: ``services.left_work``); ``mine`` ticks it by default."""

    archive_code: str
    theirs: str

    @property
    def mine(self) -> bool:
        return not self.theirs


def sign_choices(ctx: ProjectContext, batch_code: str, worker_id: int | None) -> list[SignChoice]:
    """The batch's volumes at its stage in register order, each with whose unsigned work it
    carries when not ``worker_id``'s: what the batch page's sign-off form offers."""
    from dangan.services.left_work import unsigned_work

    with ctx.transaction() as session:
        batch = session.execute(select(WorkBatch.id, WorkBatch.stage).where(
            WorkBatch.project_id == ctx.project_id, WorkBatch.code == batch_code)).first()
        if batch is None:
            raise NotFoundError("workflow.batch_not_found", code=batch_code)
        rows = session.execute(
            select(Volume.id, Volume.archive_code)
            .outerjoin(BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id)
            .where(Volume.work_batch_id == batch.id, Volume.stage == batch.stage)
            .order_by(BorrowRegisterEntry.seq, Volume.id)).all()
        work = unsigned_work(session, batch.id, batch.stage, [vid for vid, _c in rows])
        names: dict[int, str] = {wid: name for wid, name in session.execute(
            select(Worker.id, Worker.name).where(Worker.id.in_(set(work.values()))))}
        seen: set[int] = set()
        out = []
        for vid, code in rows:  # a volume borrowed twice (再借) has two register rows
            if vid in seen:
                continue
            seen.add(vid)
            maker = work.get(vid)
            out.append(SignChoice(code, names.get(maker, "") if maker not in (None, worker_id)
                                  else ""))
        return out
