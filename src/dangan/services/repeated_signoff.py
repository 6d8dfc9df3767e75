"""A sign-off asked again once the first went through (a form sent twice, a retry after a
lost answer, a volume named again): the reads that tell it apart and say who signed which
stage and when, instead of "not claimed" or "wrong stage". Read-only; the engine calls them
inside its sign-off transaction, the web before its role check.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.actors import Actor
from dangan.services.project import ProjectContext


def refuse_repeated_signoff(ctx: ProjectContext, batch_code: str, stage: str,
                            actor: Actor | None = None) -> None:
    """Before anything else of a sign-off naming ``stage`` (the web form sends the stage its
    page showed): ``workflow.already_signed`` when the batch was signed for it and moved on —
    a form sent again — whoever asks (the next stage may be another role's). ``stage`` empty
    (a request naming no stage): the same when the batch has just moved on from ``actor``'s
    own sign-off, as ``sign`` decides for a stage not named."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        refuse_repeated(session, ws.graph_for(ctx.config), batch, stage or batch.stage, actor,
                        explicit=bool(stage))


def refuse_repeated(session: Session, graph: wf.StageGraph, batch: WorkBatch, wanted: str,
                    actor: Actor | None, explicit: bool) -> None:
    """A sign-off asked again once the first went through (a form sent twice, a retry after a
    lost answer): the batch's stage is signed and it has moved on, so no claim is open for
    the stage asked. Say who signed which stage and when (``workflow.already_signed``), not
    that the next stage is unclaimed. ``explicit``: the stage was named; else the stage the
    batch left when the actor signed it last."""
    role = wf.STAGE_ROLE.get(wanted)
    claim = ws.open_claim(session, batch.id, role) if role else None
    if claim is not None and claim.stage == wanted:
        return  # claimed for this stage: an ordinary sign-off
    query = select(StageEvent).where(
        StageEvent.work_batch_id == batch.id, StageEvent.volume_id.is_(None),
        StageEvent.kind == wf.EVENT_SIGNOFF)
    if explicit:
        query = query.where(StageEvent.stage == wanted)
    last = session.scalars(query.order_by(StageEvent.at.desc(), StageEvent.id.desc())
                           .limit(1)).first()
    if last is None or not last.stage or last.stage == batch.stage:
        return
    if not explicit and (actor is None or last.worker_id != actor.worker_id
                         or last.stage not in graph
                         or graph.next(last.stage) != batch.stage):
        return  # not this actor's sign-off the batch just moved on from
    raise StateError("workflow.already_signed", code=batch.code, stage=t(f"stage.{last.stage}"),
                     person=last.person, at=f"{last.at:%Y-%m-%d %H:%M}",
                     current=t(f"stage.{batch.stage}"))


def volume_already_signed(session: Session, volume: Volume, stage: str) -> None:
    """A volume past ``stage`` named again for it: say so, with who signed it and when."""
    last = session.execute(select(StageEvent.person, StageEvent.at).where(
        StageEvent.volume_id == volume.id, StageEvent.stage == stage,
        StageEvent.kind == wf.EVENT_SIGNOFF).order_by(StageEvent.at.desc(),
                                                      StageEvent.id.desc()).limit(1)).first()
    person, at = (last[0], f"{last[1]:%Y-%m-%d %H:%M}") if last else ("-", "-")
    raise StateError("workflow.volume_already_signed", code=volume.archive_code,
                     stage=t(f"stage.{stage}"), person=person, at=at,
                     current=t(f"stage.{volume.stage}"))
