"""What to tell a person whose recorded work could not be signed because they do not hold
the batch's claim for the stage: only advice that will work.

``dangan claim BATCH -w NAME`` is advised only when that claim would be taken; when another
person holds the stage's work, that person is named (they sign or hand it back); when the
person's roles do not allow the stage, the people who may claim it are named instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import WorkBatch, Worker, WorkerRole
from dangan.domain import workflow as wf
from dangan.i18n import join, t
from dangan.services import workflow_state as ws

if TYPE_CHECKING:
    from dangan.services.engine import Actor

SHOWN_NAMES = 10  # people named as those who may claim; the rest are "…"


def not_held_advice(session: Session, project_id: int, batch: WorkBatch, stage: str,
                    actor: Actor, code: str) -> tuple[str, dict[str, Any]]:
    """The catalogue key and its parameters saying why ``code`` (recorded by ``actor``) is
    not signed for ``stage`` of ``batch``, and what to do that will not be refused."""
    params: dict[str, Any] = {"code": code, "batch": batch.code, "stage": t(f"stage.{stage}"),
                              "worker": actor.name, "current": ws.stage_label(batch.stage)}
    if batch.stage != stage:  # a volume of the batch is still at an earlier stage
        return "workflow.recorded_batch_behind", params
    held = ws.open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if held is not None and held.worker_id != actor.worker_id:
        return "workflow.recorded_held_by_other", {
            **params, "holder": ws.worker_name(session, held.worker_id)}
    if held is not None and held.stage != stage:
        return "workflow.recorded_yours_other_stage", {
            **params, "held_stage": t(f"stage.{held.stage}")}
    if not actor.may(stage):
        allowed = wf.STAGE_ALLOWED_ROLES.get(stage, frozenset())
        names = may_claim(session, project_id, allowed)
        roles = "/".join(t(f"role.{r}") for r in sorted(allowed))
        if not names:
            return "workflow.recorded_role_nobody", {**params, "roles": roles}
        shown = [*names[:SHOWN_NAMES], "…"] if len(names) > SHOWN_NAMES else names
        return "workflow.recorded_role_cannot_claim", {
            **params, "roles": roles, "names": join(shown), "first": names[0]}
    return "workflow.recorded_not_signed", params


def may_claim(session: Session, project_id: int, roles: frozenset[str]) -> list[str]:
    """The active workers of the project with one of ``roles``, by name."""
    return list(session.scalars(
        select(Worker.name).join(WorkerRole, WorkerRole.worker_id == Worker.id)
        .where(Worker.project_id == project_id, Worker.active.is_(True),
               WorkerRole.role.in_(sorted(roles)))
        .distinct().order_by(Worker.name)))
