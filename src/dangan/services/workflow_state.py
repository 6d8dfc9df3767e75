"""Shared building blocks of the workflow use cases (session level, no transaction of their own).

The public use cases in ``services.claims``, ``services.signoff``, ``services.qc`` … each open
one transaction and call these. Other areas (intake, retouch, indexing) may call the
``*_in_session`` functions inside their own transaction, so their sign-off is written the same
way (see ``sign_off_volume_in_session``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
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
from dangan.errors import ConfigError, ConflictError, NotFoundError, StateError
from dangan.i18n import t

BLOCKING_DEFECT = ("open", "fixed")  # not yet verified by QC


def now() -> datetime:
    return datetime.now(UTC)


def graph_for(config: ProjectConfig) -> wf.StageGraph:
    """The project's stage graph; a bad ``[workflow] stages`` is a ConfigError with reasons."""
    try:
        return wf.StageGraph.build(config.workflow.stages, config.qc.rounds)
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
            k: t(f"stage.{v}") if k in ("stage", "current") else v
            for k, v in refusal.params.items()
        }
        raise StateError(refusal.key, **params)


def add_event(session: Session, project_id: int, kind: str, person: str, *,
              stage: str | None = None, worker_id: int | None = None,
              volume_id: int | None = None, work_batch_id: int | None = None,
              borrow_batch_id: int | None = None, remarks: str = "",
              data: dict[str, Any] | None = None, at: datetime | None = None,
              corrects_id: int | None = None) -> StageEvent:
    event = StageEvent(
        project_id=project_id, kind=kind, stage=stage, worker_id=worker_id, person=person,
        volume_id=volume_id, work_batch_id=work_batch_id, borrow_batch_id=borrow_batch_id,
        remarks=remarks or "", data=data or {}, at=at or now(), corrects_id=corrects_id,
    )
    session.add(event)
    return event


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


def require_claimant(session: Session, batch: WorkBatch, stage: str, worker: Worker) -> Claim:
    """The worker must hold the open claim of this batch for this stage (责任到人)."""
    claim = open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if claim is None or claim.stage != stage:
        raise StateError("workflow.not_claimed", code=batch.code, stage=t(f"stage.{stage}"))
    if claim.worker_id != worker.id:
        raise ConflictError("workflow.claimed_by_other", code=batch.code,
                            stage=t(f"stage.{stage}"), holder=worker_name(session,
                                                                          claim.worker_id))
    return claim


def release_claim(session: Session, project_id: int, claim: Claim, reason: str,
                  person: str, at: datetime | None = None, remarks: str = "") -> None:
    claim.released_at = at or now()
    claim.release_reason = reason
    add_event(session, project_id, wf.EVENT_RELEASE, person, stage=claim.stage,
              worker_id=claim.worker_id, work_batch_id=claim.work_batch_id, remarks=remarks,
              data={"claim_id": claim.id, "reason": reason}, at=at)


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


# --- stage guards: extra conditions a stage adds before its sign-off -------------------------

Guard = Callable[[Session, int, WorkBatch | None, Sequence[Volume]], None]
GUARDS: dict[str, Guard] = {}


def guard(stage: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        GUARDS[stage] = fn
        return fn
    return register


def _load_guards() -> None:
    import dangan.services.rebind  # noqa: F401  (registers the sort and rebind guards)


# --- sign-off and advancing ---------------------------------------------------------------------

def sign_off_volumes(session: Session, project_id: int, graph: wf.StageGraph,
                     batch: WorkBatch, volumes: Sequence[Volume], stage: str, worker: Worker,
                     remarks: str = "", at: datetime | None = None,
                     data: dict[str, Any] | None = None, run_guard: bool = True,
                     all_at_stage: bool = False) -> bool:
    """Sign off ``stage`` for volumes of ``batch``; advance the batch when none is left behind.

    ``all_at_stage``: the caller passes every volume of the batch still at ``stage`` (saves
    counting them again). Returns True when the batch itself moved on. The caller checked
    the claim.
    """
    at = at or now()
    for volume in volumes:
        refuse(graph.check_signoff(volume.stage, stage))
        if volume.status == wf.IN_REWORK:
            raise StateError("workflow.volume_in_rework", code=volume.archive_code)
    if run_guard:
        _load_guards()
        if stage in GUARDS:
            GUARDS[stage](session, project_id, batch, volumes)
    following = graph.next(stage)
    if volumes:
        # one multi-row INSERT and one UPDATE, whatever the batch size
        session.execute(insert(StageEvent), [
            {"project_id": project_id, "kind": wf.EVENT_SIGNOFF, "stage": stage,
             "worker_id": worker.id, "person": worker.name, "volume_id": v.id,
             "work_batch_id": batch.id, "remarks": remarks or "", "data": data or {}, "at": at}
            for v in volumes])
        session.execute(update(Volume).where(Volume.id.in_([v.id for v in volumes]))
                        .values(stage=following, status=wf.WAITING, updated_at=at),
                        execution_options={"synchronize_session": False})
        for v in volumes:  # the UPDATE ran in SQL; the loaded objects are now stale
            session.expire(v, ["stage", "status", "updated_at"])
    return advance_batch(session, project_id, graph, batch, stage, worker, remarks, at, data,
                         check_left=not all_at_stage)


def advance_batch(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                  stage: str, worker: Worker, remarks: str = "", at: datetime | None = None,
                  data: dict[str, Any] | None = None, check_left: bool = True) -> bool:
    """The batch-level sign-off once no volume of the batch is left at ``stage``."""
    at = at or now()
    if check_left and session.scalar(select(func.count()).select_from(Volume).where(
            Volume.work_batch_id == batch.id, Volume.stage == stage)):
        return False
    add_event(session, project_id, wf.EVENT_SIGNOFF, worker.name, stage=stage,
              worker_id=worker.id, work_batch_id=batch.id, remarks=remarks, at=at, data=data)
    claim = open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if claim is not None and claim.stage == stage:
        claim.released_at = at
        claim.release_reason = "signed_off"
    batch.stage = graph.next(stage)
    batch.status = wf.WAITING
    return True


def sign_off_volume_in_session(session: Session, project_id: int, config: ProjectConfig,
                               volume: Volume, stage: str, worker_name_: str,
                               remarks: str = "", at: datetime | None = None,
                               auto_claim: bool = True) -> None:
    """One volume's sign-off, for other areas inside their own transaction (intake's scan).

    A volume not yet on the line (no work batch) gets only the event, so standalone use of a
    tool still leaves its signature. On the line, the signer must hold (or, with
    ``auto_claim``, is given, when nobody holds it) the batch's claim for the stage.
    """
    graph = graph_for(config)
    worker = worker_by_name(session, project_id, worker_name_, wf.STAGE_ALLOWED_ROLES[stage])
    if volume.work_batch_id is None:
        add_event(session, project_id, wf.EVENT_SIGNOFF, worker.name, stage=stage,
                  worker_id=worker.id, volume_id=volume.id, remarks=remarks, at=at,
                  data={"off_line": True})
        return
    batch = session.get(WorkBatch, volume.work_batch_id)
    assert batch is not None
    if auto_claim and open_claim(session, batch.id, wf.STAGE_ROLE[stage]) is None:
        claim_in_session(session, project_id, graph, batch, stage, worker, at=at)
    require_claimant(session, batch, stage, worker)
    sign_off_volumes(session, project_id, graph, batch, [volume], stage, worker, remarks, at)


def absorb_external_signoffs(session: Session, graph: wf.StageGraph, batch: WorkBatch,
                             stage: str, at_stage: Sequence[Volume] | None = None) -> list[Volume]:
    """Volumes another area signed off itself (intake's ingest writes its own scan sign-off
    and leaves the volume at ``stage`` with status ``done``) move on like ours did.

    ``at_stage``: the batch's volumes at ``stage``, when the caller loaded them already.
    Returns the volumes still to be signed.
    """
    if at_stage is None:
        at_stage = session.scalars(select(Volume).where(
            Volume.work_batch_id == batch.id, Volume.stage == stage).order_by(Volume.id)).all()
    candidates = [v for v in at_stage if v.status == wf.FINISHED]
    if not candidates:
        return list(at_stage)
    signed = set(session.scalars(select(StageEvent.volume_id).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage,
        StageEvent.volume_id.in_([v.id for v in candidates]))))
    for volume in candidates:
        if volume.id in signed:
            volume.stage = graph.next(stage)
            volume.status = wf.WAITING
    session.flush()
    return [v for v in at_stage if v.id not in signed]


def claim_in_session(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                     stage: str, worker: Worker, at: datetime | None = None,
                     remarks: str = "") -> Claim:
    if stage in wf.BORROW_BATCH_STAGES:
        raise StateError("workflow.not_a_work_stage", stage=t(f"stage.{stage}"))
    refuse(graph.check_signoff(batch.stage, stage))
    role = wf.STAGE_ROLE[stage]
    if not wf.STAGE_ALLOWED_ROLES[stage] & {r.role for r in worker.roles}:
        raise StateError("workflow.worker_lacks_role", name=worker.name, role=t(f"role.{role}"))
    held = open_claim(session, batch.id, role)
    if held is not None:
        raise ConflictError("workflow.already_claimed", code=batch.code,
                            role=t(f"role.{role}"), holder=worker_name(session, held.worker_id))
    if batch.status == wf.IN_REWORK:
        raise StateError("workflow.batch_in_rework", code=batch.code)
    if stage in wf.QC_LEVELS[1:]:
        # 二检/终检 by another inspector than the earlier levels of this batch
        earlier = set(session.scalars(select(StageEvent.worker_id).where(
            StageEvent.work_batch_id == batch.id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.volume_id.is_(None), StageEvent.stage.in_(wf.QC_LEVELS))))
        if worker.id in earlier:
            raise StateError("workflow.same_inspector", name=worker.name, code=batch.code)
    claim = Claim(work_batch_id=batch.id, stage=stage, role=role, worker_id=worker.id,
                  claimed_at=at or now())
    session.add(claim)
    session.flush()  # the partial unique index decides a race here
    batch.status = wf.CLAIMED
    add_event(session, project_id, wf.EVENT_CLAIM, worker.name, stage=stage,
              worker_id=worker.id, work_batch_id=batch.id, remarks=remarks,
              data={"claim_id": claim.id}, at=at)
    return claim
