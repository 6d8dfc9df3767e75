"""用户与岗位: accounts and their roles, and teams (班组: a name and a leader, a worker in at
most one team); administrators only (``require_role("admin")``). Team changes go through
``dangan.services.workers`` and are written to the audit trail (``web_account``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, DanganError, InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import workers
from dangan.services.project import ProjectContext
from dangan.web import accounts
from dangan.web import security as sec
from dangan.web.deps import AdminAccount, Ctx
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False, prefix="/admin")
ROLE_CHOICES = (*wf.ROLES, "admin")


def _back(message: str) -> Response:
    response = RedirectResponse("/admin/users", status_code=303)
    set_flash(response, message)
    return response


@router.get("/users")
def users_page(request: Request, ctx: Ctx, account: AdminAccount) -> Response:
    return _page(request, ctx)


def _page(request: Request, ctx: Ctx, token: str | None = None, status_code: int = 200,
          error: DanganError | None = None, typed: dict[str, Any] | None = None) -> Response:
    teams = workers.list_teams(ctx)
    team_of = {m: x.name for x in teams for m in x.members}
    return render(request, "users.html", status_code=status_code,
                  users=accounts.list_accounts(ctx), tokens=accounts.list_tokens(ctx),
                  role_choices=ROLE_CHOICES, token=token, teams=teams, team_of=team_of,
                  error=error, typed=typed or {})


@router.post("/users")
def add_user(request: Request, ctx: Ctx, account: AdminAccount,
             login: Annotated[str, Form(max_length=100)],
             password: Annotated[str, Form(max_length=1000)],
             worker: Annotated[str, Form(max_length=100)] = "",
             roles: Annotated[list[str] | None, Form()] = None) -> Response:
    """Add an account; refused (a login taken, a weak password…): the page again with the
    refusal and what was typed (never the password)."""
    try:
        accounts.add_user(ctx, login.strip(), password, worker=worker.strip() or None,
                          roles=roles or [], by=account.name)
    except (InputError, ConflictError, NotFoundError, StateError) as exc:
        if wants_json(request):
            raise
        return _page(request, ctx, status_code=exc.http_status, error=exc,
                     typed={"login": login, "worker": worker, "roles": roles or []})
    return _back(t("web.users.added", login=login.strip()))


@router.post("/users/{login}/roles")
def set_roles(ctx: Ctx, account: AdminAccount, login: str,
              roles: Annotated[list[str] | None, Form()] = None) -> Response:
    accounts.set_roles(ctx, login, roles or [], by=account.name)
    return _back(t("web.users.roles_saved", login=login))


@router.post("/users/{login}/disable")
def disable(ctx: Ctx, account: AdminAccount, login: str) -> Response:
    accounts.disable_user(ctx, login, by=account.name)
    return _back(t("web.users.disabled", login=login))


@router.post("/users/{login}/token")
def new_token(request: Request, ctx: Ctx, account: AdminAccount, login: str,
              name: Annotated[str, Form(max_length=100)] = "api") -> Response:
    secret = accounts.new_token(ctx, login, name, by=account.name)
    # shown once, on this response only (never in a URL or a cookie)
    return _page(request, ctx, secret)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(ctx: Ctx, account: AdminAccount, token_id: int) -> Response:
    accounts.revoke_token(ctx, token_id, by=account.name)
    return _back(t("web.users.token_revoked_done", id=token_id))


# --- teams -----------------------------------------------------------------------------------

Name = Annotated[str, Form(max_length=100)]


def _team_change(ctx: ProjectContext, by: str, action: str, change: Callable[[], object],
                 **data: str) -> None:
    """Make the change through the service, then record who made it."""
    change()
    with ctx.transaction() as session:
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=datetime.now(UTC),
                  data={"action": action, **data})


@router.post("/teams")
def add_team(ctx: Ctx, account: AdminAccount, team: Name, leader: Name) -> Response:
    _team_change(ctx, account.name, "team_add",
                 lambda: workers.add_team(ctx, team, leader), team=team, leader=leader)
    return _back(t("teams.added", name=team.strip(), leader=leader))


@router.post("/teams/join")
def join_team(ctx: Ctx, account: AdminAccount, worker: Name, team: Name = "") -> Response:
    """Put a worker in a team, or (no team chosen) take them out of theirs."""
    _team_change(ctx, account.name, "team_join" if team else "team_leave",
                 lambda: workers.join_team(ctx, worker, team or None), team=team,
                 worker=worker)
    return _back(t("teams.joined", worker=worker, team=team) if team
                 else t("teams.left", worker=worker))


@router.post("/teams/leader")
def set_leader(ctx: Ctx, account: AdminAccount, team: Name, worker: Name) -> Response:
    _team_change(ctx, account.name, "team_leader",
                 lambda: workers.set_leader(ctx, team, worker), team=team, worker=worker)
    return _back(t("teams.leader_set", name=team, leader=worker))


@router.post("/teams/remove")
def remove_team(ctx: Ctx, account: AdminAccount, team: Name) -> Response:
    _team_change(ctx, account.name, "team_remove", lambda: workers.remove_team(ctx, team),
                 team=team)
    return _back(t("teams.removed", name=team))
