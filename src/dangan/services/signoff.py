"""签字: finishing a stage is a sign-off by the claimant, with time and remarks.

Events are append-only; a correction is a new event pointing at the one it corrects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.errors import InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext


@dataclass(frozen=True)
class SignoffResult:
    batch: str
    stage: str
    person: str
    at: datetime
    volumes: int
    batch_advanced: bool
    next_stage: str

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def sign_off(ctx: ProjectContext, batch_code: str, worker: str, stage: str | None = None,
             remarks: str = "", archive_codes: Sequence[str] = (),
             at: datetime | None = None) -> SignoffResult:
    """Sign off ``stage`` for the whole batch, or for the listed volumes of it."""
    graph = ws.graph_for(ctx.config)
    at = at or ws.now()
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        wanted = stage or batch.stage
        if wanted in wf.QC_LEVELS:
            raise StateError("workflow.qc_signoff_via_decide", code=batch.code)
        if wanted not in graph:
            ws.refuse(graph.check_signoff(batch.stage, wanted))
        person = ws.worker_by_name(session, ctx.project_id, worker)
        ws.require_claimant(session, batch, wanted, person)
        if archive_codes:
            volumes = [ws.volume_by_code(session, ctx.project_id, c) for c in archive_codes]
            for v in volumes:
                if v.work_batch_id != batch.id:
                    raise StateError("workflow.volume_not_in_batch", code=v.archive_code,
                                     batch=batch.code)
        else:
            volumes = ws.absorb_external_signoffs(session, graph, batch, wanted)
        if not volumes and batch.stage == wanted:
            advanced = ws.advance_batch(session, ctx.project_id, graph, batch, wanted, person,
                                        remarks, at)
        else:
            advanced = ws.sign_off_volumes(session, ctx.project_id, graph, batch, volumes,
                                           wanted, person, remarks, at,
                                           all_at_stage=not archive_codes)
        return SignoffResult(batch.code, wanted, person.name, at, len(volumes), advanced,
                             graph.next(wanted))


def sign_off_volume(ctx: ProjectContext, archive_code: str, stage: str, worker: str,
                    remarks: str = "", auto_claim: bool = False) -> None:
    """One volume's sign-off (e.g. intake's scan sign-off), as its own transaction."""
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        ws.sign_off_volume_in_session(session, ctx.project_id, ctx.config, volume, stage,
                                      worker, remarks, auto_claim=auto_claim)


def correct_event(ctx: ProjectContext, event_id: int, person: str, remarks: str) -> int:
    """Record a correction of an earlier event (wrong remark, wrong time noted…)."""
    if not remarks.strip():
        raise InputError("workflow.correction_needs_remarks")
    with ctx.transaction() as session:
        original = session.get(StageEvent, event_id)
        if original is None or original.project_id != ctx.project_id:
            raise NotFoundError("workflow.event_not_found", id=event_id)
        worker = ws.worker_by_name(session, ctx.project_id, person)
        event = ws.add_event(session, ctx.project_id, wf.EVENT_CORRECTION, worker.name,
                             stage=original.stage, worker_id=worker.id,
                             volume_id=original.volume_id, work_batch_id=original.work_batch_id,
                             borrow_batch_id=original.borrow_batch_id, remarks=remarks,
                             corrects_id=original.id)
        session.flush()
        return event.id


def stage_label(stage: str) -> str:
    return t(f"stage.{stage}")
