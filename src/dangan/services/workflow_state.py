"""Shared look-ups of the workflow (session level, no transaction of their own).

Claiming and signing live in ``services.engine`` alone; these are the reads and the event
writer every area shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.config import ProjectConfig
from dangan.db.models import (
    BorrowBatch,
    Claim,
    Defect,
    Rework,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
    WorkerRole,
)
from dangan.domain import workflow as wf
from dangan.errors import ConfigError, NotFoundError, StateError
from dangan.i18n import catalogue, t

BLOCKING_DEFECT = ("open", "fixed")  # not yet verified by QC


def now() -> datetime:
    return datetime.now(UTC)


def graph_for(config: ProjectConfig) -> wf.StageGraph:
    """The project's stage graph; a bad ``[workflow] stages`` is a ConfigError with reasons."""
    try:
        return wf.StageGraph.build(config.workflow.stages, config.qc.rounds,
                                   config.delivery.forms)
    except wf.GraphError as exc:
        raise ConfigError(
            "workflow.bad_stages",
            stages=", ".join(config.workflow.stages),
            details=[t(p.key, **p.params) for p in exc.problems],
        ) from None


def refuse(refusal: wf.Refusal | None) -> None:
    """Raise the refusal as a StateError, stage names shown in the user's language."""
    if refusal is not None:
        params: dict[str, Any] = {
            k: stage_label(v) if k in ("stage", "current")
            else " → ".join(stage_label(s) for s in str(v).split(" → ")) if k == "line" else v
            for k, v in refusal.params.items()
        }
        raise StateError(refusal.key, **params)


def stage_label(stage: object) -> str:
    """A stage's name in the user's language; a name dangan does not know, as it was given."""
    return t(f"stage.{stage}") if f"stage.{stage}" in catalogue() else str(stage)


def add_event(session: Session, project_id: int, kind: str, person: str, *,
              stage: str | None = None, worker_id: int | None = None,
              volume_id: int | None = None, work_batch_id: int | None = None,
              borrow_batch_id: int | None = None, remarks: str = "",
              data: dict[str, Any] | None = None, at: datetime | None = None,
              corrects_id: int | None = None, first_signoff: bool = False) -> StageEvent:
    """``first_signoff``: a volume's sign-off that is its first of the stage
    (:func:`first_signoffs`)."""
    event = StageEvent(
        project_id=project_id, kind=kind, stage=stage, worker_id=worker_id, person=person,
        volume_id=volume_id, work_batch_id=work_batch_id, borrow_batch_id=borrow_batch_id,
        remarks=remarks or "", data=data or {}, at=at or now(), corrects_id=corrects_id,
        first_signoff=True if first_signoff else None,
    )
    session.add(event)
    return event


def first_signoffs(session: Session, stage: str, volume_ids: Sequence[int]) -> set[int]:
    """Of ``volume_ids``, those never signed at ``stage``: a sign-off of them now is their
    first of the stage (``StageEvent.first_signoff``), the one unit of work the reports count
    (re-signing after rework or a re-borrow never counts twice). A unique index refuses two
    first sign-offs of a volume's stage."""
    if not volume_ids:
        return set()
    signed = set(session.scalars(select(StageEvent.volume_id).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage,
        StageEvent.volume_id.in_(list(volume_ids)))))
    return set(volume_ids) - signed


# --- look-ups ---------------------------------------------------------------------------------

def worker_by_name(session: Session, project_id: int, name: str,
                   role: str | frozenset[str] | None = None) -> Worker:
    worker = session.scalar(select(Worker).where(Worker.project_id == project_id,
                                                 Worker.name == name))
    if worker is None:
        raise NotFoundError("workflow.worker_not_found", name=name)
    if not worker.active:
        raise StateError("workflow.worker_inactive", name=name)
    if role is not None:
        wanted = frozenset({role}) if isinstance(role, str) else role
        have = {r.role for r in worker.roles}
        if not wanted & have:
            raise StateError("workflow.worker_lacks_role", name=name,
                             role="/".join(t(f"role.{r}") for r in sorted(wanted)))
    return worker


def worker_name(session: Session, worker_id: int | None) -> str:
    if worker_id is None:
        return ""
    return session.scalar(select(Worker.name).where(Worker.id == worker_id)) or ""


def has_role(session: Session, worker_id: int, role: str) -> bool:
    return bool(session.scalar(select(func.count()).select_from(WorkerRole).where(
        WorkerRole.worker_id == worker_id, WorkerRole.role == role)))


def work_batch_by_code(session: Session, project_id: int, code: str,
                       lock: bool = False) -> WorkBatch:
    code = code.strip()  # typed or scanned with a space around it (codes never have one)
    stmt = select(WorkBatch).where(WorkBatch.project_id == project_id, WorkBatch.code == code)
    if lock:
        stmt = stmt.with_for_update()
    batch = session.scalar(stmt)
    if batch is None:
        raise NotFoundError("workflow.batch_not_found", code=code)
    return batch


def borrow_batch_by_no(session: Session, project_id: int, no: int,
                       lock: bool = False) -> BorrowBatch:
    stmt = select(BorrowBatch).where(BorrowBatch.project_id == project_id, BorrowBatch.no == no)
    if lock:
        stmt = stmt.with_for_update()
    batch = session.scalar(stmt)
    if batch is None:
        raise NotFoundError("workflow.borrow_not_found", no=no)
    return batch


def volume_by_code(session: Session, project_id: int, code: str) -> Volume:
    code = code.strip()  # typed or scanned with a space around it (codes never have one)
    volume = session.scalar(select(Volume).where(Volume.project_id == project_id,
                                                 Volume.archive_code == code))
    if volume is None:
        raise NotFoundError("workflow.volume_not_found", code=code)
    return volume


def batch_volumes(session: Session, batch_id: int) -> list[Volume]:
    return list(session.scalars(select(Volume).where(Volume.work_batch_id == batch_id)
                                .order_by(Volume.id)))


def open_claim(session: Session, batch_id: int, role: str) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.work_batch_id == batch_id,
                                              Claim.role == role,
                                              Claim.released_at.is_(None)))


def open_rework_count(session: Session, batch_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Rework).where(
        Rework.work_batch_id == batch_id, Rework.status == "open")) or 0


def blocking_defects(session: Session, volume_ids: Sequence[int]) -> list[Defect]:
    if not volume_ids:
        return []
    return list(session.scalars(select(Defect).where(
        Defect.volume_id.in_(volume_ids), Defect.status.in_(BLOCKING_DEFECT),
        Defect.severity == "error").order_by(Defect.id)))


def responsible_for(session: Session, volume: Volume, stage: str) -> int | None:
    """Who signed off ``stage`` for this volume (the last such sign-off), else for its batch."""
    q = (select(StageEvent.worker_id)
         .where(StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage,
                StageEvent.volume_id == volume.id)
         .order_by(StageEvent.at.desc(), StageEvent.id.desc()).limit(1))
    found = session.scalar(q)
    if found is None and volume.work_batch_id is not None:
        found = session.scalar(
            select(StageEvent.worker_id)
            .where(StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage,
                   StageEvent.work_batch_id == volume.work_batch_id)
            .order_by(StageEvent.at.desc(), StageEvent.id.desc()).limit(1))
    return found
