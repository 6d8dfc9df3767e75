"""The project's defects as a list a person can work through: which volume, which page, what
(in words, as recorded), found by which check or inspector, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dangan.db.models import Defect, Rework, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext

OPEN = "open"


@dataclass(frozen=True)
class DefectRow:
    volume: str  # archive code ("" for a defect of no volume)
    page: int | None
    code: str
    severity: str  # error / warning
    source: str  # check / retouch / link / qc / borrow
    stage: str | None
    status: str  # open / fixed / verified / waived / noted
    message: str
    found_at: datetime
    id: int = 0  # the defect's number (``qc waive``, ``defect withdraw`` take it)


def _words(defect: Defect) -> str:
    """A retouch finding in the reader's language, from its code and recorded detail (also for
    one stored before findings were stored in words); any other as recorded."""
    detail = (defect.data or {}).get("detail")
    if defect.source == "retouch" and isinstance(detail, str):
        from dangan.services.retouch import defect_words

        return defect_words(defect.code, detail)
    return defect.message


def list_defects(ctx: ProjectContext, *, volume: str | None = None,
                 include_closed: bool = False) -> list[DefectRow]:
    """Defects of the project (of one volume when ``volume`` names its archive code), open
    ones only unless ``include_closed``, in volume and page order, errors before warnings."""
    with ctx.transaction() as session:
        query = (select(Defect, Volume.archive_code)
                 .outerjoin(Volume, Volume.id == Defect.volume_id)
                 .where(Defect.project_id == ctx.project_id))
        if volume is not None:
            found = session.scalar(select(Volume.id).where(
                Volume.project_id == ctx.project_id, Volume.archive_code == volume))
            if found is None:
                raise NotFoundError("workflow.volume_not_found", code=volume)
            query = query.where(Defect.volume_id == found)
        if not include_closed:
            query = query.where(Defect.status == OPEN)
        rows = [DefectRow(code or "", d.page_no, d.code, d.severity, d.source, d.stage,
                          d.status, _words(d), d.found_at, d.id)
                for d, code in session.execute(query).all()]
    return sorted(rows, key=lambda r: (r.volume, r.page if r.page is not None else -1,
                                       r.severity != "error", r.found_at))


# 撤销: a defect recorded in error, withdrawn by the project manager. The row stays (the status
# ``waived``, so the pay sheet's deductions skip it) with who, when and why in its data and in
# the volume's history; its reworks not yet verified close as ``waived``.
WITHDRAWABLE = ("open", "fixed", "verified")


@dataclass(frozen=True)
class WaivedDefect:
    id: int
    archive_code: str
    code: str
    reworks: list[int]

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def waive_defect(ctx: ProjectContext, actor: Actor, defect_id: int,
                 reason: str) -> WaivedDefect:
    """The project manager withdraws a defect recorded in error (撤销), with the reason: the
    defect is kept, marked waived, its pay deduction no longer counted; open or done reworks
    of it are closed as waived and the volume's and batch's rework status settled."""
    from dangan.services.rework import settle

    reason = reason.strip()
    if not reason:
        raise InputError("qc.waive_needs_reason", id=defect_id)
    if wf.PROJECT_MANAGER not in actor.roles:
        raise StateError("qc.waive_not_manager", name=actor.name,
                         role=t(f"role.{wf.PROJECT_MANAGER}"))
    with ctx.transaction() as session:
        defect = session.get(Defect, defect_id, with_for_update=True)
        if defect is None or defect.project_id != ctx.project_id:
            raise NotFoundError("qc.defect_not_found", id=defect_id)
        if defect.status not in WITHDRAWABLE or defect.cause == "original":
            raise StateError("qc.waive_not_open", id=defect_id,
                             status=t(f"qc.defect_status.{defect.status}"))
        at = ws.now()
        defect.status = "waived"
        defect.resolved_at = at
        defect.data = {**(defect.data or {}), "withdrawn": {
            "by": actor.name, "worker_id": actor.worker_id, "at": at.isoformat(),
            "reason": reason}}
        closed = list(session.scalars(select(Rework).where(
            Rework.defect_id == defect.id, Rework.status.in_(("open", "done")))))
        for rework in closed:
            rework.status = "waived"
            rework.verified_at = at
        volume = session.get(Volume, defect.volume_id) if defect.volume_id else None
        ws.add_event(session, ctx.project_id, wf.EVENT_QC_DECISION, actor.name,
                     stage=defect.stage, worker_id=actor.worker_id, volume_id=defect.volume_id,
                     work_batch_id=defect.work_batch_id, at=at,
                     remarks=t("qc.waived_remarks", id=defect.id, reason=reason),
                     data={"defect_id": defect.id, "decision": "waived", "reason": reason,
                           "reworks": [r.id for r in closed]})
        session.flush()
        for rework in closed:
            settle(session, rework)
        return WaivedDefect(defect.id, volume.archive_code if volume else "", defect.code,
                            [r.id for r in closed])
