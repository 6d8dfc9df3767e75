"""返工: every error goes back to whoever made it, is signed off by them and re-inspected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dangan.db.models import (
    Claim,
    Defect,
    Rework,
    StageEvent,
    StoredFile,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError, StateError
from dangan.i18n import catalogue, current_language, t
from dangan.services import engine, reborrow
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage import Area


@dataclass(frozen=True)
class ReworkInfo:
    id: int
    batch: str
    archive_code: str
    stage: str
    assignee: str
    defect_code: str
    page_no: int | None
    reason: str
    status: str
    created_at: datetime
    done_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def defect_text(defect: Defect) -> str:
    """A defect's text in the reader's language, rendered from its code and parameters.

    The stored ``message`` is only the fallback for rows recorded before parameters were kept
    (or with a key the catalogue does not know)."""
    data = defect.data or {}
    params = data.get("params")
    key = str(data.get("key") or f"defect.{defect.code}")
    if key.startswith("retouch.defect.") and data.get("detail"):
        # the page engine's finding: its machine detail ("sharpness=0.062") in words, as the
        # retouch run and the 修图台 say it
        from dangan.services.retouch import defect_words

        return defect_words(defect.code, str(data["detail"]))
    pair = catalogue().get(key)
    if params is None or pair is None:
        return defect.message
    text = (pair[1] if current_language() == "en" else pair[0]).format_map(_Blank(params))
    extra = str(data.get("detail") or params.get("note") or "")
    return f"{text} {extra}".strip() if extra and extra not in text else text


def open_rework_in_session(session: Session, project_id: int, defect: Defect,
                           person: str, at: datetime | None = None,
                           graph: wf.StageGraph | None = None, *,
                           again: Rework | None = None, note: str = "") -> Rework:
    """Send a defect back to the worker responsible for the stage where it arose.

    Defects recorded by the automatic checks may lack the stage, batch or responsible worker;
    they are filled in here from the code's area and the sign-offs. ``again``: a rework
    rejected at re-inspection — the new one goes to the same stage and the same worker who
    signed that one off, and its event names it; ``note``: the inspector's words, kept
    with the reason the worker reads.
    """
    volume = session.get(Volume, defect.volume_id) if defect.volume_id is not None else None
    if defect.work_batch_id is None and volume is not None:
        defect.work_batch_id = volume.work_batch_id
    if not defect.stage and graph is not None:
        defect.stage = wf.defect_stage(defect.code, graph)
    if defect.responsible_id is None and defect.stage and volume is not None:
        defect.responsible_id = ws.responsible_for(session, volume, defect.stage)
    rework = Rework(project_id=project_id, work_batch_id=defect.work_batch_id,
                    volume_id=defect.volume_id, defect_id=defect.id,
                    stage=(again.stage if again else defect.stage) or "",
                    assignee_id=again.assignee_id if again else defect.responsible_id,
                    reason=" ".join(filter(None, (defect_text(defect) or defect.code, note))),
                    created_at=at or ws.now())
    session.add(rework)
    session.flush()
    if volume is not None:
        volume.status = wf.IN_REWORK
    if defect.work_batch_id is not None:
        batch = session.get(WorkBatch, defect.work_batch_id)
        if batch is not None:
            batch.status = wf.IN_REWORK
    ws.add_event(session, project_id, wf.EVENT_REWORK_OPEN, person, stage=rework.stage,
                 worker_id=rework.assignee_id, volume_id=rework.volume_id,
                 work_batch_id=rework.work_batch_id, remarks=rework.reason,
                 data={"rework_id": rework.id, "defect_id": defect.id, "code": defect.code,
                       **({"rejected_rework_id": again.id} if again else {})},
                 at=at)
    return rework


# A rework re-inspected and found still wrong (复检不通过): closed with this status, its
# defect open again and a new rework of the same stage for the same worker.
REJECTED = "rejected"


def reject_in_session(session: Session, project_id: int, rework: Rework, actor: Actor,
                      remarks: str, at: datetime) -> Rework:
    """复检不通过: the re-inspected rework is closed as rejected (inspector and time recorded,
    the reason in the event), its defect is open again and goes back as a new rework to the
    same stage and worker. The defect is the same one: charged once, never twice."""
    rework.status = REJECTED
    rework.verified_at = at
    defect = session.get(Defect, rework.defect_id) if rework.defect_id else None
    if defect is None:  # every rework is opened from a defect
        raise NotFoundError("rework.not_found", id=rework.id)
    if defect.status == "fixed":
        defect.status = "open"
        defect.resolved_at = None
    ws.add_event(session, project_id, wf.EVENT_QC_DECISION, actor.name, stage=rework.stage,
                 worker_id=actor.worker_id, volume_id=rework.volume_id,
                 work_batch_id=rework.work_batch_id, remarks=remarks, at=at,
                 data={"rework_id": rework.id, "defect_id": rework.defect_id,
                       "decision": REJECTED})
    return open_rework_in_session(session, project_id, defect, actor.name, at, again=rework,
                                  note=t("rework.rejected_note", remarks=remarks))


def rework_unassigned_defects(session: Session, project_id: int, batch_id: int,
                              person: str, graph: wf.StageGraph) -> list[Rework]:
    """Open rework for every blocking defect of the batch (or its volumes) that has none yet."""
    has_open = select(Rework.defect_id).where(Rework.status == "open",
                                              Rework.defect_id.is_not(None))
    in_batch = select(Volume.id).where(Volume.work_batch_id == batch_id)
    defects = session.scalars(select(Defect).where(
        or_(Defect.work_batch_id == batch_id, Defect.volume_id.in_(in_batch)),
        Defect.status == "open", Defect.severity == "error",
        Defect.id.not_in(has_open)).order_by(Defect.id)).all()
    return [open_rework_in_session(session, project_id, d, person, graph=graph)
            for d in defects]


def complete_rework(ctx: ProjectContext, actor: Actor, rework_id: int,
                    remarks: str = "") -> ReworkInfo:
    """The responsible worker signs the rework off; QC then re-inspects."""
    with ctx.transaction() as session:
        rework = session.get(Rework, rework_id, with_for_update=True)
        if rework is None or rework.project_id != ctx.project_id:
            raise NotFoundError("rework.not_found", id=rework_id)
        if rework.status != "open":
            raise StateError("rework.not_open", id=rework_id,
                             status=t(f"rework.status.{rework.status}"))
        roles = wf.STAGE_ALLOWED_ROLES.get(rework.stage)
        if rework.assignee_id is None and roles:
            engine.require_any_role(actor, roles)
        if rework.assignee_id is not None and rework.assignee_id != actor.worker_id:
            raise ConflictError("rework.not_assignee", id=rework_id,
                                assignee=ws.worker_name(session, rework.assignee_id))
        _require_paper_out(session, rework)
        defect = session.get(Defect, rework.defect_id) if rework.defect_id else None
        _require_new_output(session, rework, defect)
        _require_current_package(ctx, session, rework)
        at = ws.now()
        rework.status = "done"
        rework.done_at = at
        if rework.assignee_id is None:
            rework.assignee_id = actor.worker_id
        if defect is not None and defect.status == "open":
            defect.status = "fixed"
            defect.resolved_at = at
        ws.add_event(session, ctx.project_id, wf.EVENT_REWORK_DONE, actor.name,
                     stage=rework.stage, worker_id=actor.worker_id, volume_id=rework.volume_id,
                     work_batch_id=rework.work_batch_id, remarks=remarks,
                     data={"rework_id": rework.id, "defect_id": rework.defect_id}, at=at)
        session.flush()
        settle(session, rework)
        return _info(session, rework)


def _require_paper_out(session: Session, rework: Rework) -> None:
    """A rework of a stage done on the paper (整理, 扫描, 装订) is signed off only while the
    volume is out of the archive room: one found at acceptance after the return waits until
    the volume is borrowed again (再借) and both sides signed the register
    (``rework.needs_paper_out``, naming the command)."""
    if rework.volume_id is None or rework.stage not in reborrow.paper_stages():
        return
    volume = session.get(Volume, rework.volume_id)
    if volume is not None and reborrow.paper_in_archive(volume):
        raise StateError("rework.needs_paper_out", id=rework.id, code=volume.archive_code,
                         stage=t(f"stage.{rework.stage}"),
                         current=t(f"stage.{volume.stage}"))


# What shows a stage's work on a volume was done again: the events recording new output of
# it and, where the stage leaves stored files, their area — a volume with none there signed
# the stage as a recorded waiver and has nothing to renew. Sorting and scanning are redone
# only in the stored masters (已扫描): a new ingest of the volume. A renumbering (``renumber``
# event) changes the scan station's folder, never the stored pages, and counts for nothing.
# Indexing is redone by a catalogue change (an import or a 著录台 save, never waived);
# packaging by building the delivery files again (the same request twice records nothing).
_REDONE: dict[str, tuple[tuple[str, ...], str | None]] = {
    wf.SORT: ((wf.EVENT_SCAN_RECORD,), Area.SCANNED.key),
    wf.SCAN: ((wf.EVENT_SCAN_RECORD,), Area.SCANNED.key),
    wf.RETOUCH: ((wf.EVENT_RETOUCH_RECORD,), Area.RETOUCHED.key),
    wf.INDEX: ((wf.EVENT_CATALOGUE,), None),
    wf.UPLOAD: ((wf.EVENT_PACKAGE,), Area.UPLOADED.key),
}


def _counts_as_new(data: dict[str, Any] | None) -> bool:
    """An event's output is new work: not a page looked at and accepted as it was, not a
    catalogue imported again exactly as recorded (``changed`` false)."""
    data = data or {}
    return "accepted_page" not in data and data.get("changed", True) is not False


def _require_new_output(session: Session, rework: Rework, defect: Defect | None) -> None:
    """A rework of a volume's sorting, scan, retouch, index or packaging is signed off only
    once that stage's work on the volume was recorded anew after the rework was opened
    (``_REDONE``): its pages ingested again, a retouch run or a hand-fixed page, a changed
    catalogue, a new package. Signed off with nothing changed, the delivered files and the
    pay would say work was done that was not (``rework.no_new_output.<stage>``). Stages with
    no record of their work (borrowing, rebinding, returning: done on the paper, checked by
    the re-inspection) are not held here."""
    redone = _REDONE.get(rework.stage)
    if redone is None or rework.volume_id is None or defect is None:
        return
    kinds, area = redone
    stored = select(StoredFile.id).where(StoredFile.volume_id == rework.volume_id,
                                         StoredFile.area == area)
    if area is not None and session.scalar(stored.limit(1)) is None:
        return  # the stage was signed without output of the volume (a recorded waiver)
    events = session.scalars(select(StageEvent.data).where(
        StageEvent.volume_id == rework.volume_id, StageEvent.kind.in_(kinds),
        StageEvent.at > rework.created_at)).all()
    if any(_counts_as_new(data) for data in events):
        return
    if area is not None and session.scalar(
            stored.where(StoredFile.recorded_at > rework.created_at).limit(1)) is not None:
        return
    volume = session.get(Volume, rework.volume_id)
    raise StateError(f"rework.no_new_output.{rework.stage}", id=rework.id,
                     code=volume.archive_code if volume else "",
                     folder=(volume.folder_name or volume.archive_code) if volume else "",
                     page=defect.page_no if defect.page_no is not None else "-",
                     defect=defect_text(defect) or defect.code,
                     at=rework.created_at.strftime("%Y-%m-%d %H:%M"))


def _require_current_package(ctx: ProjectContext, session: Session, rework: Rework) -> None:
    """A rework is signed off, and re-inspected, only once the volume's delivery package is
    no older than its retouched pages and catalogue (``readiness.stale_packages``): pages or a
    catalogue changed after the package was built are delivered only by packaging the volume
    again — while the rework is open, without a correction reason (``rework.stale_package``)."""
    from dangan.services.delivery.readiness import stale_volume

    code = stale_volume(ctx, session, rework.volume_id)
    if code is not None:
        raise StateError("rework.stale_package", id=rework.id, code=code)


def settle(session: Session, rework: Rework) -> None:
    """Lift the rework status from the volume and batch once nothing is open any more (back
    to finished for a volume or batch already returned: a defect found at acceptance)."""
    if rework.volume_id is not None:
        left = session.scalar(select(func.count()).select_from(Rework).where(
            Rework.volume_id == rework.volume_id, Rework.status == "open"))
        volume = session.get(Volume, rework.volume_id)
        if not left and volume is not None and volume.status == wf.IN_REWORK:
            volume.status = wf.FINISHED if volume.stage == wf.DONE else wf.WAITING
    if rework.work_batch_id is not None and not ws.open_rework_count(session,
                                                                    rework.work_batch_id):
        batch = session.get(WorkBatch, rework.work_batch_id)
        if batch is not None and batch.status == wf.IN_REWORK and batch.stage == wf.DONE:
            batch.status = wf.FINISHED
        elif batch is not None and batch.status == wf.IN_REWORK:
            held = session.scalar(select(func.count()).select_from(Claim).where(
                Claim.work_batch_id == batch.id, Claim.released_at.is_(None),
                Claim.stage == batch.stage))
            batch.status = wf.CLAIMED if held else wf.WAITING


def _reinspected(session: Session, project_id: int, actor: Actor, rework_id: int) -> Rework:
    """The rework a re-inspection (复检) decides on, after the checks both outcomes share: it
    is done and not yet decided, the actor is a QC inspector other than who reworked it, and
    — while its batch is at a QC level — holds that level's claim of the batch (the engine's
    ``require_claimant``: ``workflow.not_claimed`` / ``workflow.claimed_by_other``). A rework
    of a defect found after the batch passed QC has no claim to hold."""
    item = session.get(Rework, rework_id, with_for_update=True)
    if item is None or item.project_id != project_id:
        raise InputError("rework.not_found", id=rework_id)
    if item.status != "done":
        raise StateError("rework.not_done", id=rework_id,
                         status=t(f"rework.status.{item.status}"))
    engine.require_any_role(actor, frozenset({wf.QC_INSPECTOR}))
    if actor.worker_id == item.assignee_id:
        raise StateError("rework.self_verify", name=actor.name)
    batch = session.get(WorkBatch, item.work_batch_id) if item.work_batch_id else None
    if batch is not None and batch.stage in wf.QC_LEVELS:
        engine.require_claimant(session, batch, batch.stage, actor)
    return item


def verify_rework(ctx: ProjectContext, actor: Actor, rework_id: int,
                  remarks: str = "") -> None:
    """Re-inspect one reworked defect outside a sampling round (the batch had already passed
    QC when the defect was found, or the inspector holding the batch's QC claim looks at it
    before the next sample): the inspector confirms the correction (复检通过)."""
    with ctx.transaction() as session:
        item = _reinspected(session, ctx.project_id, actor, rework_id)
        _require_current_package(ctx, session, item)
        at = ws.now()
        item.status = "verified"
        item.verified_at = at
        defect = session.get(Defect, item.defect_id) if item.defect_id else None
        if defect is not None and defect.status == "fixed":
            defect.status = "verified"
        ws.add_event(session, ctx.project_id, wf.EVENT_QC_DECISION, actor.name,
                     stage=item.stage, worker_id=actor.worker_id, volume_id=item.volume_id,
                     work_batch_id=item.work_batch_id, remarks=remarks, at=at,
                     data={"rework_id": item.id, "defect_id": item.defect_id,
                           "decision": "verified"})


def reject_rework(ctx: ProjectContext, actor: Actor, rework_id: int,
                  remarks: str) -> ReworkInfo:
    """复检不通过: the page is still wrong. The same checks as ``verify_rework``; the reason is
    required (the worker reads it). The rework is closed as rejected with the inspector and
    time, its defect stays open and goes back as a new rework to the same stage and worker
    (``reject_in_session``). Returns the new rework."""
    if not remarks.strip():
        raise InputError("rework.reject_needs_reason", id=rework_id)
    with ctx.transaction() as session:
        item = _reinspected(session, ctx.project_id, actor, rework_id)
        again = reject_in_session(session, ctx.project_id, item, actor, remarks.strip(),
                                  ws.now())
        return _info(session, again)


def list_rework(ctx: ProjectContext, *, assignee: str | None = None, batch: str | None = None,
                status: str | None = "open") -> list[ReworkInfo]:
    with ctx.transaction() as session:
        stmt = select(Rework).where(Rework.project_id == ctx.project_id).order_by(Rework.id)
        if status:
            stmt = stmt.where(Rework.status == status)
        if assignee:
            stmt = stmt.join(Worker, Worker.id == Rework.assignee_id).where(Worker.name == assignee)
        if batch:
            wb = ws.work_batch_by_code(session, ctx.project_id, batch)
            stmt = stmt.where(Rework.work_batch_id == wb.id)
        return [_info(session, r) for r in session.scalars(stmt).all()]


def _info(session: Session, rework: Rework) -> ReworkInfo:
    batch = session.get(WorkBatch, rework.work_batch_id) if rework.work_batch_id else None
    volume = session.get(Volume, rework.volume_id) if rework.volume_id else None
    defect = session.get(Defect, rework.defect_id) if rework.defect_id else None
    return ReworkInfo(rework.id, batch.code if batch else "",
                      volume.archive_code if volume else "", rework.stage,
                      ws.worker_name(session, rework.assignee_id),
                      defect.code if defect else "", defect.page_no if defect else None,
                      defect_text(defect) if defect else rework.reason, rework.status,
                      rework.created_at, rework.done_at)
