"""领取: a worker claims a work batch for a stage, or hands it back.

One work batch is never held by two people of the same role (the seed's rule). The partial
unique index on claim (work_batch_id, role) WHERE released_at IS NULL decides races: of two
simultaneous claims exactly one commits, the other is refused with ConflictError. The
engine (``services.engine``) does the work; this module is the stage-area entry point.

A stage's work on a batch (ingest, retouch, packaging, the catalogue typed at the desk) is
recorded under the person doing it: never while another worker holds the batch at that
stage (``workflow.claimed_by_other``, naming the holder), and from a desk only by the holder
of the stage's claim (``require_work_claim``: ``workflow.not_claimed`` without one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, ClaimInfo, claim, hand_back, require_claimant
from dangan.services.project import ProjectContext

__all__ = ["ClaimInfo", "claim", "hand_back", "refuse_other_holder", "refuse_other_holders",
           "refuse_volume_other_holder", "require_batch_claim", "require_volume_claims",
           "require_work_claim"]


def refuse_other_holder(session: Session, batch: WorkBatch, stage: str, actor: Actor) -> None:
    """Refuse ``stage`` work on ``batch`` by ``actor`` while another worker holds its claim
    (the engine's ``workflow.claimed_by_other``, naming the holder)."""
    held = ws.open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if held is not None and held.stage == stage and held.worker_id != actor.worker_id:
        raise ConflictError("workflow.claimed_by_other", code=batch.code,
                            stage=t(f"stage.{stage}"),
                            holder=ws.worker_name(session, held.worker_id))


def require_work_claim(session: Session, batch: WorkBatch, stage: str, actor: Actor) -> None:
    """``actor`` may do ``stage`` work on ``batch`` only holding its claim at that stage: the
    batch at another stage ``workflow.work_wrong_stage``, else the engine's claimant check
    (``workflow.not_claimed`` / ``workflow.claimed_by_other``)."""
    if batch.stage != stage:
        raise StateError("workflow.work_wrong_stage", code=batch.code,
                         stage=t(f"stage.{stage}"), current=ws.stage_label(batch.stage))
    require_claimant(session, batch, stage, actor)


def require_batch_claim(ctx: ProjectContext, actor: Actor, batch_code: str, stage: str) -> None:
    """``require_work_claim`` for the batch named ``batch_code`` (an unknown code: 404)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        require_work_claim(session, batch, stage, actor)


def refuse_volume_other_holder(session: Session, volume: Volume, stage: str,
                               actor: Actor) -> None:
    """``refuse_other_holder`` for the batch of ``volume`` when the volume is at ``stage``."""
    if volume.stage != stage or volume.work_batch_id is None:
        return
    batch = session.get(WorkBatch, volume.work_batch_id)
    if batch is not None:
        refuse_other_holder(session, batch, stage, actor)


def require_volume_claims(ctx: ProjectContext, actor: Actor, archive_codes: Sequence[str],
                          stage: str) -> None:
    """Before a desk starts ``stage`` work on these volumes: ``actor`` holds the claim of each
    batch among them that is at ``stage`` (a volume not registered, or whose batch is at
    another stage, is left to the work itself, which refuses it with its own reason)."""
    with ctx.transaction() as session:
        batch_ids = set(session.scalars(select(Volume.work_batch_id).where(
            Volume.project_id == ctx.project_id, Volume.archive_code.in_(list(archive_codes)),
            Volume.work_batch_id.is_not(None))))
        for batch in session.scalars(select(WorkBatch).where(
                WorkBatch.id.in_(batch_ids), WorkBatch.stage == stage).order_by(WorkBatch.id)):
            require_work_claim(session, batch, stage, actor)


def refuse_other_holders(ctx: ProjectContext, actor: Actor, volume_ids: Iterable[int],
                         stage: str) -> None:
    """Before ``stage`` work is recorded for these volumes under ``actor``: refused when a
    batch of theirs at ``stage`` is held by another worker (whichever edge asks)."""
    with ctx.transaction() as session:
        for volume in session.scalars(select(Volume).where(Volume.id.in_(set(volume_ids)))
                                      .order_by(Volume.id)):
            refuse_volume_other_holder(session, volume, stage, actor)
