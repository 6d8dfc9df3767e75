"""用户与岗位: accounts and their roles; administrators only (``require_role("admin")``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.web import accounts
from dangan.web.deps import AdminAccount, Ctx
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


def _page(request: Request, ctx: Ctx, token: str | None = None) -> Response:
    return render(request, "users.html", users=accounts.list_accounts(ctx),
                  tokens=accounts.list_tokens(ctx), role_choices=ROLE_CHOICES, token=token)


@router.post("/users")
def add_user(ctx: Ctx, account: AdminAccount,
             login: Annotated[str, Form(max_length=100)],
             password: Annotated[str, Form(max_length=1000)],
             worker: Annotated[str, Form(max_length=100)] = "",
             roles: Annotated[list[str] | None, Form()] = None) -> Response:
    accounts.add_user(ctx, login.strip(), password, worker=worker.strip() or None,
                      roles=roles or [], by=account.name)
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
