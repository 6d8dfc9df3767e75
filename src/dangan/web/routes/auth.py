"""登录 / 退出 / 语言: sign in (throttled, audited), sign out, switch the page language."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dangan.db.models import Worker
from dangan.errors import DanganError
from dangan.i18n import LANGUAGES, set_language, t
from dangan.services.project import ProjectContext
from dangan.web import csrf
from dangan.web import security as sec
from dangan.web.deps import (
    Ctx,
    CurrentAccount,
    Settings,
    login_cookie,
    now,
    over_https,
    session_cookie,
)
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
LANG_COOKIE = "dangan_lang"


def set_flash(response: Response, message: str) -> None:
    response.set_cookie("dangan_flash", quote(message), httponly=True, samesite="lax", path="/")


def back_with_flash(url: str, message: str) -> Response:
    """303 to ``url`` with ``message`` shown once there (after a form's POST)."""
    response = RedirectResponse(url, status_code=303)
    set_flash(response, message)
    return response


def safe_next(value: str | None) -> str:
    """Only a path of this server (never //host or a scheme) is followed after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/tasks"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/tasks", status_code=303)


@router.get("/login")
def login_form(request: Request, settings: Settings, next: str = "/tasks",
               lang: str = "") -> Response:
    """The sign-in form; ``?lang=en|zh`` switches its language before anyone is signed in."""
    if lang in LANGUAGES:
        set_language(lang)
    cookie, path = login_cookie(request)
    token = request.cookies.get(cookie, "")
    if not csrf.login_token_valid(settings.login_key, token, now(request)):
        token = csrf.new_login_token(settings.login_key, now(request))
    response = render(request, "login.html", next=safe_next(next), login_csrf=token)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax", path="/")
    response.set_cookie(cookie, token, httponly=True, samesite="lax", path=path,
                        secure=over_https(request))
    return response


def _attempt(ctx: ProjectContext, login: str, password: str, request: Request) -> (
        tuple[str, str, str] | DanganError):
    """Check throttle and password and record the outcome: returns (cookie secret, CSRF
    token, language), or the refusal — returned, not raised, so the failure's audit row is
    committed with it. The password is checked between two short transactions, so no
    database connection waits on the hashing."""
    at = now(request)
    web = ctx.config.web
    client = request.client.host if request.client else ""
    with ctx.transaction() as session:
        failures, last = sec.recent_failures(session, ctx.project_id, login,
                                             at - timedelta(minutes=web.lock_minutes))
        wait, locked = sec.throttle_wait(failures, last, at, web.lock_after, web.lock_minutes)
        if wait:
            sec.audit(session, ctx.project_id, sec.EVENT_LOGIN_LOCKED if locked else
                      sec.EVENT_REFUSED, login, at=at,
                      data={"login": login, "reason": "throttled", "wait": wait})
            if locked:
                return sec.LoginThrottled("web.login.locked", login=login,
                                          minutes=web.lock_minutes, count=failures)
            return sec.LoginThrottled("web.login.throttled", seconds=wait)
        found = session.execute(select(Worker.id, Worker.password_hash, Worker.active).where(
            Worker.project_id == ctx.project_id, Worker.login == login)).first()
    stored = found.password_hash if found is not None else None
    ok = sec.verify_password(stored, password)
    rehash = sec.hash_password(password) if ok and stored and sec.needs_rehash(stored) \
        else None
    with ctx.transaction() as session:
        worker = session.get(Worker, found.id) if found is not None else None
        # the account as it is now: disabled or given a new password while we hashed
        if not ok or worker is None or not worker.active or worker.password_hash != stored:
            sec.audit(session, ctx.project_id, sec.EVENT_LOGIN_FAILED, login, at=at,
                      worker_id=worker.id if worker else None,
                      data={"login": login, "client": client})
            return sec.AccessDenied("web.login.failed")
        if rehash is not None:
            worker.password_hash = rehash
        secret, token = sec.open_session(session, worker.id, at)
        account = sec.load_account(session, worker)
        sec.audit(session, ctx.project_id, sec.EVENT_LOGIN, worker.name, worker_id=worker.id,
                  at=at, data={"login": login, "client": client})
        return secret, token, account.lang


@router.post("/login")
async def login(request: Request, ctx: Ctx, settings: Settings,
                login: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=1000)],
                csrf_token: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/tasks") -> Response:
    cookie, path = login_cookie(request)
    if not csrf.login_tokens_match(settings.login_key, request.cookies.get(cookie, ""),
                                   csrf_token, now(request)):
        raise sec.AccessDenied("web.csrf_failed")
    outcome = await run_in_threadpool(_attempt, ctx, login.strip(), password, request)
    if isinstance(outcome, DanganError):
        if isinstance(outcome, sec.LoginThrottled | sec.AccessDenied) and \
                "application/json" not in request.headers.get("accept", ""):
            status = 429 if isinstance(outcome, sec.LoginThrottled) else 401
            return render(request, "login.html", status_code=status, next=safe_next(next),
                          login_csrf=csrf_token, error=outcome.message, login=login)
        raise outcome
    secret, _token, lang = outcome
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(session_cookie(request), secret, httponly=True, samesite="lax",
                        path="/", secure=over_https(request))
    response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="lax", path="/")
    response.delete_cookie(cookie, path=path, secure=over_https(request))
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx, account: CurrentAccount) -> Response:
    at = now(request)
    with ctx.transaction() as session:
        sec.revoke_sessions(session, account.worker_id, "logout", at, account.session_id)
        sec.audit(session, ctx.project_id, sec.EVENT_LOGOUT, account.name,
                  worker_id=account.worker_id, at=at, data={"login": account.login})
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie(request), path="/", secure=over_https(request))
    set_flash(response, t("web.logged_out"))
    return response


@router.post("/lang")
def switch_language(request: Request, ctx: Ctx, account: CurrentAccount,
                    lang: Annotated[str, Form()] = "zh",
                    back: Annotated[str, Form()] = "/tasks") -> Response:
    from dangan.web.accounts import set_language

    chosen = "en" if lang == "en" else "zh"
    set_language(ctx, account.worker_id, chosen)
    response = RedirectResponse(safe_next(back), status_code=303)
    response.set_cookie(LANG_COOKIE, chosen, httponly=True, samesite="lax", path="/")
    return response
