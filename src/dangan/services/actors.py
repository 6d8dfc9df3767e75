"""Who acts on the line: the ``Actor`` (a registered, active worker resolved at the edge —
the CLI's ``--worker``, the web session — never a free-text name), the archive room's person
signing its own side, and the role checks every stage's work makes before it records.

Claiming and signing stay in ``services.engine``; this module only says who may act.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Worker, WorkerRole
from dangan.domain import workflow as wf
from dangan.errors import NotFoundError, StateError
from dangan.i18n import t
from dangan.services.project import ProjectContext


@dataclass(frozen=True)
class Actor:
    """A registered, active worker acting on the line."""

    worker_id: int
    name: str
    roles: frozenset[str]

    def may(self, stage: str) -> bool:
        return bool(wf.STAGE_ALLOWED_ROLES.get(stage, frozenset()) & self.roles)


def actor_in_session(session: Session, project_id: int, name: str) -> Actor:
    """The worker called ``name``; an unknown or disabled name is refused."""
    worker = session.scalar(select(Worker).where(Worker.project_id == project_id,
                                                 Worker.name == name.strip()))
    if worker is None:
        raise NotFoundError("workflow.worker_unknown", name=name)
    if not worker.active:
        raise StateError("workflow.worker_inactive", name=name)
    roles = frozenset(session.scalars(select(WorkerRole.role).where(
        WorkerRole.worker_id == worker.id)))
    return Actor(worker.id, worker.name, roles)


def resolve_actor(ctx: ProjectContext, name: str) -> Actor:
    """Resolve a person named at the edge (CLI option, web session) to an ``Actor``."""
    with ctx.transaction() as session:
        return actor_in_session(session, ctx.project_id, name)


def archive_side(session: Session, project_id: int, name: str, *,
                 other_side: Actor | None = None, no: int | None = None,
                 stage: str = wf.BORROW) -> str:
    """The archive room's person signing a borrow, a return or the binding method.

    A name not registered on the line is taken as written (the archive room's own people are
    usually not dangan workers); a registered worker must be active and hold the archive-room
    role, so a sorter or scanner cannot sign the archive room's side. Where the line's person
    signs the other side (``other_side``: the borrow clerk of borrow batch ``no`` at
    ``stage``), the archive room's person is someone else: an account holding both roles
    never signs both sides of one register (``borrow.same_person_both_sides``)."""
    name = name.strip()
    worker = session.scalar(select(Worker).where(Worker.project_id == project_id,
                                                 Worker.name == name))
    if other_side is not None and (name == other_side.name.strip() or (
            worker is not None and worker.id == other_side.worker_id)):
        raise StateError("borrow.same_person_both_sides", name=name, no=no or "-",
                         stage=t(f"stage.{stage}"))
    if worker is None:
        return name
    roles = set(session.scalars(select(WorkerRole.role).where(WorkerRole.worker_id == worker.id)))
    if wf.ARCHIVE_STAFF not in roles or not worker.active:
        held = "/".join(t(f"role.{r}") for r in sorted(roles)) or "-"
        raise StateError("workflow.archive_side_wrong_role", name=name, roles=held,
                         role=t(f"role.{wf.ARCHIVE_STAFF}"))
    return name


def still_active(session: Session, actor: Actor) -> None:
    """The actor is still registered and active (checked again inside a transaction)."""
    active = session.scalar(select(Worker.active).where(Worker.id == actor.worker_id))
    if active is None:
        raise NotFoundError("workflow.worker_unknown", name=actor.name)
    if not active:
        raise StateError("workflow.worker_inactive", name=actor.name)


def require_role(actor: Actor, stage: str) -> None:
    if not actor.may(stage):
        raise StateError("workflow.worker_lacks_role", name=actor.name,
                         role="/".join(t(f"role.{r}")
                                       for r in sorted(wf.STAGE_ALLOWED_ROLES[stage])))


def require_any_role(actor: Actor, roles: frozenset[str]) -> None:
    if not roles & actor.roles:
        raise StateError("workflow.worker_lacks_role", name=actor.name,
                         role="/".join(t(f"role.{r}") for r in sorted(roles)))

