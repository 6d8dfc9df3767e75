"""Workers and their roles: the people whose names go on every sign-off; teams (班组): a
name and a leader, a worker in at most one team."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.db.models import Worker, WorkerRole
from dangan.db.team_models import Team, TeamMember
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError
from dangan.i18n import catalogue, t
from dangan.services.project import ProjectContext

NAME_MAX = Worker.__table__.c.name.type.length  # type: ignore[attr-defined]


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
                     choices=", ".join(t("cli.usage.stage_choice", name=r, label=t(f"role.{r}"))
                                     for r in wf.ROLES))


def add_worker(ctx: ProjectContext, name: str, roles: Iterable[str]) -> WorkerInfo:
    """Register a worker, or add roles to an existing one (idempotent)."""
    name = name.strip()
    if not name:
        raise InputError("workflow.worker_name_empty")
    if len(name) > NAME_MAX or not name.replace("\u3000", " ").isprintable():  # as signed
        raise InputError("workflow.worker_name_invalid", name=name[:NAME_MAX], most=NAME_MAX)
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


# --- teams (班组) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    leader: str
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "leader": self.leader,
                "members": list(self.members)}


def _worker(session: Session, ctx: ProjectContext, name: str) -> Worker:
    worker = session.scalar(select(Worker).where(Worker.project_id == ctx.project_id,
                                                 Worker.name == name.strip()))
    if worker is None:
        raise NotFoundError("workflow.worker_not_found", name=name)
    return worker


def _team(session: Session, ctx: ProjectContext, name: str, lock: bool = False) -> Team:
    stmt = select(Team).where(Team.project_id == ctx.project_id, Team.name == name.strip())
    team = session.scalar(stmt.with_for_update() if lock else stmt)
    if team is None:
        raise NotFoundError("teams.not_found", name=name)
    return team


def _membership(session: Session, worker_id: int) -> TeamMember | None:
    return session.get(TeamMember, worker_id)


def add_team(ctx: ProjectContext, name: str, leader: str) -> TeamInfo:
    """A new team led by ``leader``, who becomes its first member (a worker already in
    another team is refused: a worker belongs to at most one team)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("teams.bad_name", name=name)
    with ctx.transaction() as session:
        head = _worker(session, ctx, leader)
        if session.scalar(select(Team.id).where(Team.project_id == ctx.project_id,
                                                Team.name == name)) is not None:
            raise ConflictError("teams.exists", name=name)
        _refuse_other_team(session, head, None)
        team = Team(project_id=ctx.project_id, name=name, leader_id=head.id)
        session.add(team)
        session.flush()
        if _membership(session, head.id) is None:
            session.add(TeamMember(worker_id=head.id, team_id=team.id))
        session.flush()
        return _team_info(session, team)


def _refuse_other_team(session: Session, worker: Worker, team_id: int | None) -> None:
    row = _membership(session, worker.id)
    if row is not None and row.team_id != team_id:
        other = session.get(Team, row.team_id)
        raise ConflictError("teams.in_other_team", worker=worker.name,
                            team=other.name if other else "?")


def set_leader(ctx: ProjectContext, team: str, leader: str) -> TeamInfo:
    """Make ``leader`` (a member of the team, or of none — then they join) lead it."""
    with ctx.transaction() as session:
        row = _team(session, ctx, team, lock=True)
        head = _worker(session, ctx, leader)
        _refuse_other_team(session, head, row.id)
        if _membership(session, head.id) is None:
            session.add(TeamMember(worker_id=head.id, team_id=row.id))
        row.leader_id = head.id
        session.flush()
        return _team_info(session, row)


def join_team(ctx: ProjectContext, worker: str, team: str | None) -> TeamInfo | None:
    """Put ``worker`` in ``team`` (leaving any other), or take them out of theirs (None).
    The leader of a team cannot leave it: give the team another leader first."""
    with ctx.transaction() as session:
        person = _worker(session, ctx, worker)
        target = _team(session, ctx, team, lock=True) if team is not None else None
        row = _membership(session, person.id)
        if row is not None and (target is None or row.team_id != target.id):
            current = session.get(Team, row.team_id)
            if current is not None and current.leader_id == person.id:
                raise ConflictError("teams.leader_leaves", worker=person.name,
                                    team=current.name)
            session.delete(row)
            session.flush()
            row = None
        if target is not None and row is None:
            session.add(TeamMember(worker_id=person.id, team_id=target.id))
        session.flush()
        return _team_info(session, target) if target is not None else None


def remove_team(ctx: ProjectContext, team: str) -> None:
    """Dissolve a team: its members belong to no team afterwards (their work stays theirs)."""
    with ctx.transaction() as session:
        row = _team(session, ctx, team, lock=True)
        session.execute(delete(TeamMember).where(TeamMember.team_id == row.id))
        session.delete(row)


def list_teams(ctx: ProjectContext) -> list[TeamInfo]:
    with ctx.transaction() as session:
        teams = session.scalars(select(Team).where(Team.project_id == ctx.project_id)
                                .order_by(Team.name)).all()
        return [_team_info(session, t_) for t_ in teams]


def team_of_workers(ctx: ProjectContext) -> dict[int, str]:
    """Worker id -> the name of their team (workers in no team are absent)."""
    with ctx.transaction() as session:
        return dict(session.execute(
            select(TeamMember.worker_id, Team.name).join(Team, Team.id == TeamMember.team_id)
            .where(Team.project_id == ctx.project_id)).all())


def _team_info(session: Session, team: Team) -> TeamInfo:
    members = session.scalars(
        select(Worker.name).join(TeamMember, TeamMember.worker_id == Worker.id)
        .where(TeamMember.team_id == team.id).order_by(Worker.id)).all()
    leader = session.get(Worker, team.leader_id) if team.leader_id is not None else None
    return TeamInfo(team.id, team.name, leader.name if leader else "", tuple(members))
