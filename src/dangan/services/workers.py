"""Workers and their roles: the people whose names go on every sign-off."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from dangan.db.models import Worker, WorkerRole
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import catalogue, t
from dangan.services.project import ProjectContext


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    name: str
    roles: tuple[str, ...]
    active: bool

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "roles": list(self.roles),
                "role_names": [t(f"role.{r}") for r in self.roles], "active": self.active}


def parse_role(text: str) -> str:
    """A role key (``scan_operator``) or its name in either language (扫描员, Scan operator)."""
    value = text.strip()
    if value in wf.ROLES:
        return value
    for role in wf.ROLES:
        zh, en = catalogue()[f"role.{role}"]
        if value in (zh, en) or value.lower() == en.lower():
            return role
    raise InputError("workflow.unknown_role", role=text,
                     choices=", ".join(f"{r}（{t('role.' + r)}）" for r in wf.ROLES))


def add_worker(ctx: ProjectContext, name: str, roles: Iterable[str]) -> WorkerInfo:
    """Register a worker, or add roles to an existing one (idempotent)."""
    name = name.strip()
    if not name:
        raise InputError("workflow.worker_name_empty")
    wanted = [parse_role(r) for r in roles]
    if not wanted:
        raise InputError("workflow.worker_needs_role")
    with ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.project_id == ctx.project_id,
                                                     Worker.name == name))
        if worker is None:
            worker = Worker(project_id=ctx.project_id, name=name)
            session.add(worker)
            session.flush()
        have = {r.role for r in worker.roles}
        for role in wanted:
            if role not in have:
                worker.roles.append(WorkerRole(role=role))
                have.add(role)
        session.flush()
        return _info(worker)


def list_workers(ctx: ProjectContext, role: str | None = None) -> list[WorkerInfo]:
    wanted = parse_role(role) if role else None
    with ctx.transaction() as session:
        workers = session.scalars(select(Worker).where(Worker.project_id == ctx.project_id)
                                  .order_by(Worker.id)).all()
        infos = [_info(w) for w in workers]
    return [i for i in infos if wanted is None or wanted in i.roles]


def _info(worker: Worker) -> WorkerInfo:
    order = {r: i for i, r in enumerate(wf.ROLES)}
    roles = tuple(sorted((r.role for r in worker.roles), key=lambda r: order.get(r, 99)))
    return WorkerInfo(worker.id, worker.name, roles, worker.active)
