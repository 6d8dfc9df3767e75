"""签字: finishing a stage is a sign-off by the claimant, with time and remarks.

The engine (``services.engine.sign``) signs; QC levels are signed by the inspector's verdict
(``services.qc.decide``). Events are append-only; a correction is a new event pointing at the
one it corrects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.errors import InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, SignoffResult
from dangan.services.project import ProjectContext

__all__ = ["SignoffResult", "correct_event", "sign_off", "stage_label"]


def sign_off(ctx: ProjectContext, actor: Actor, batch_code: str, stage: str | None = None,
             remarks: str = "", archive_codes: Sequence[str] = (),
             at: datetime | None = None, without_work: str = "",
             redone: bool = False) -> SignoffResult:
    """Sign off ``stage`` for the whole batch, or for the listed volumes of it.

    ``without_work``: the reason for signing volumes whose stage work is not recorded (a
    volume refused at intake whose problems went to QC, delivery files made elsewhere); the
    decision is recorded for each such volume. Without it such volumes are refused.
    ``redone``: the signer redid the work another worker recorded on the volumes and left
    unsigned (a hand-back); without it such volumes are refused (``workflow.others_work``)."""
    if stage in wf.QC_LEVELS:
        raise StateError("workflow.qc_signoff_via_decide", code=batch_code)
    if stage is None:
        with ctx.transaction() as session:
            current = ws.work_batch_by_code(session, ctx.project_id, batch_code).stage
        if current in wf.QC_LEVELS:
            raise StateError("workflow.qc_signoff_via_decide", code=batch_code)
    return engine.sign(ctx, actor, batch_code, stage, remarks, archive_codes, at,
                       waive_reason=without_work, redone=redone)


def correct_event(ctx: ProjectContext, actor: Actor, event_id: int, remarks: str) -> int:
    """Record a correction of an earlier event (wrong remark, wrong time noted…)."""
    if not remarks.strip():
        raise InputError("workflow.correction_needs_remarks")
    with ctx.transaction() as session:
        original = session.get(StageEvent, event_id)
        if original is None or original.project_id != ctx.project_id:
            raise NotFoundError("workflow.event_not_found", id=event_id)
        event = ws.add_event(session, ctx.project_id, wf.EVENT_CORRECTION, actor.name,
                             stage=original.stage, worker_id=actor.worker_id,
                             volume_id=original.volume_id, work_batch_id=original.work_batch_id,
                             borrow_batch_id=original.borrow_batch_id, remarks=remarks,
                             corrects_id=original.id)
        session.flush()
        return event.id


def stage_label(stage: str) -> str:
    return t(f"stage.{stage}")
