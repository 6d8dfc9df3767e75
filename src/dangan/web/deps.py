"""Typed dependencies: the project, the current account, and ``require_role`` — the one place
where every route's access is decided (authentication, CSRF for state-changing requests,
role), and where every refusal is written to the audit trail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy import Select, bindparam, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from dangan.db.models import WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, DanganError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import claims, repeated_signoff
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import SHEETS_NOT_REBUILT
from dangan.web import csrf
from dangan.web import security as sec
from dangan.web.errors import wants_json
from dangan.web.settings import WebSettings

SESSION_COOKIE = "dangan_session"
# Over HTTPS the session and the login form's CSRF cookies carry this prefix: the browser then
# keeps them only when set Secure, with Path=/ and no Domain, by this very host — another host
# of the domain (or a plain-HTTP page) cannot plant or shadow one.
HOST_PREFIX = "__Host-"
T = TypeVar("T")


# the largest value every database holds in an INTEGER column (PostgreSQL's is 32-bit, SQLite's
# 64-bit): no id or page number is beyond it
MAX_DB_INT = 2**31 - 1


def bounded_path_numbers(request: Request) -> None:
    """Every route: a number in the path beyond what the database can hold names nothing
    (404 ``web.not_found``), whatever the route does with it — the driver would refuse to
    bind it (SQLite ``OverflowError``, a bare 500; PostgreSQL out of range, a 503)."""
    for value in request.path_params.values():
        if not isinstance(value, str):
            continue
        digits = value[1:] if value.startswith(("-", "+")) else value
        if digits.isascii() and digits.isdigit() and (
                len(digits) > 19 or int(digits) > MAX_DB_INT):
            raise NotFoundError("web.not_found", path=request.url.path)


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_ctx(request: Request) -> ProjectContext:
    ctx: ProjectContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ProjectContext, Depends(get_ctx)]
Settings = Annotated[WebSettings, Depends(get_settings)]


def now(request: Request) -> datetime:
    return get_settings(request).clock()


def over_https(request: Request) -> bool:
    """Whether the browser reaches the site over HTTPS: the request came over https (behind
    the reverse proxy uvicorn takes the scheme from its ``X-Forwarded-Proto``), or the site
    says so (``DANGAN_WEB_SECURE_COOKIES=1``). Every cookie is then Secure."""
    return get_settings(request).secure_cookies or request.url.scheme == "https"


def session_cookie(request: Request) -> str:
    """The session cookie's name: ``__Host-dangan_session`` over HTTPS, ``dangan_session``
    over plain HTTP (a browser keeps no ``__Host-`` cookie there)."""
    return HOST_PREFIX + SESSION_COOKIE if over_https(request) else SESSION_COOKIE


def login_cookie(request: Request) -> tuple[str, str]:
    """The login form's CSRF cookie: (name, path). Over HTTPS ``__Host-dangan_login_csrf`` on
    the whole site (the prefix needs Path=/); over plain HTTP for the login page alone."""
    if over_https(request):
        return HOST_PREFIX + csrf.LOGIN_COOKIE, "/"
    return csrf.LOGIN_COOKIE, "/login"


def _authenticate(ctx: ProjectContext, cookie: str | None, bearer: str | None,
                  at: datetime, batch_code: str | None = None) -> tuple[sec.Account, str | None]:
    """The account, and (for ``batch_code``) the work batch's current stage, read in the
    same transaction: a claim or a sign-off then needs no second one for its role check."""
    idle = timedelta(minutes=ctx.config.web.idle_minutes)
    account: sec.Account | None = None
    stage: str | None = None
    with ctx.transaction() as session:  # commits an idle session's end, too
        if bearer:
            worker = sec.find_token(session, bearer, at)
            if worker is not None:
                account = sec.load_account(session, worker)
        elif cookie:
            account = sec.session_account(session, cookie, at, idle)
        if account is not None and batch_code is not None:
            stage = session.scalar(_stage_statement(), {"project_id": ctx.project_id,
                                                        "code": batch_code})
    if account is None:
        raise sec.NotAuthenticated("web.bad_token" if bearer else
                                   "web.session_ended" if cookie else None)
    return account, stage


def record_refusal(ctx: ProjectContext, account: sec.Account | None, path: str, reason: str,
                   at: datetime, params: dict[str, object] | None = None) -> None:
    """A refused request in the audit trail: the page, the reason (a message key, or
    ``role:…`` / ``stage:…`` / ``officers:…`` / ``csrf``) and, for a message key, its
    parameters (``reason_params``), so the trail can say it whole."""
    data: dict[str, object] = {"path": path[:300], "reason": reason}
    said = {k: v if isinstance(v, int | float | bool) or v is None else str(v)[:300]
            for k, v in (params or {}).items()}
    if said:
        data["reason_params"] = said
    with ctx.transaction() as session:
        sec.audit(session, ctx.project_id, sec.EVENT_REFUSED,
                  account.name if account else "", worker_id=account.worker_id if account else None,
                  at=at, data=data)


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_account(request: Request) -> sec.Account:
    """The signed-in account (session cookie or API token), cached on the request."""
    cached: sec.Account | None = getattr(request.state, "account", None)
    if cached is not None:
        return cached
    ctx = get_ctx(request)
    # a state-changing request on a work batch: its stage is read with the account
    code = request.path_params.get("code") if request.method in csrf.UNSAFE_METHODS else None
    account, stage = await run_in_threadpool(
        _authenticate, ctx, request.cookies.get(session_cookie(request)), _bearer(request),
        now(request), code if isinstance(code, str) else None)
    request.state.account = account
    request.state.nav = nav_for(request, account)  # the pages' menu (base.html)
    if isinstance(code, str):
        request.state.batch_stage = (code, stage)
    return account


async def refuse(request: Request, account: sec.Account | None, reason: str,
                 error: sec.AccessDenied) -> None:
    await run_in_threadpool(record_refusal, get_ctx(request), account, request.url.path,
                            reason, now(request), error.params)
    raise error


def role_names(roles: frozenset[str] | tuple[str, ...]) -> str:
    return "/".join(t("web.role.admin") if r == sec.ADMIN else t(f"role.{r}")
                    for r in sorted(roles))


class RoleRequirement:
    """The dependency ``require_role`` returns; its ``roles`` are read by the menu too."""

    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles

    async def __call__(self, request: Request) -> sec.Account:
        return await _require(request, self.roles)


def require_role(*roles: str) -> Callable[[Request], Awaitable[sec.Account]]:
    """A dependency: a signed-in account holding one of ``roles`` (any account when empty);
    for a state-changing request made with a session cookie, the CSRF token must match."""
    return RoleRequirement(frozenset(roles))


async def _require(request: Request, wanted: frozenset[str]) -> sec.Account:
    account = await current_account(request)
    if request.method in csrf.UNSAFE_METHODS and account.session_id:
        given = await csrf.submitted_token(request)
        if not csrf.tokens_match(account.csrf_token, given):
            await refuse(request, account, "csrf", sec.AccessDenied("web.csrf_failed"))
    from dangan.web.routes.audit import officer_check  # the three-officer rule (late: cycle)
    await officer_check(request, account)
    if wanted and not any(account.has(r) for r in wanted):
        await refuse(request, account, "role:" + ",".join(sorted(wanted)),
                     sec.AccessDenied("web.forbidden", roles=role_names(wanted)))
    return account


@cache
def _stage_statement() -> Select[str]:
    return select(WorkBatch.stage).where(WorkBatch.project_id == bindparam("project_id"),
                                         WorkBatch.code == bindparam("code"))


async def require_stage_role(request: Request, account: sec.Account, batch_code: str) -> str:
    """The batch's current stage, if the account holds a role that works it (else 403)."""
    ctx = get_ctx(request)

    def stage_of() -> str | None:
        with ctx.transaction() as session:
            found: str | None = session.scalar(_stage_statement(), {
                "project_id": ctx.project_id, "code": batch_code})
            return found

    read: tuple[str, str | None] | None = getattr(request.state, "batch_stage", None)
    stage = read[1] if read is not None and read[0] == batch_code \
        else await run_in_threadpool(stage_of)
    if stage is None:
        raise NotFoundError("workflow.batch_not_found", code=batch_code)
    allowed = wf.STAGE_ALLOWED_ROLES.get(stage, frozenset())
    if not allowed & account.roles:
        await refuse(request, account, f"stage:{stage}",
                     sec.AccessDenied("web.forbidden", roles=role_names(allowed or
                                                                        frozenset({sec.ADMIN}))))
    return stage


async def refuse_repeated_signoff(request: Request, account: sec.Account, batch_code: str,
                                  stage: str = "") -> None:
    """A sign-off sent again once the first went through (a double click, a browser's retry
    after a timeout, a second tab) is answered as the engine answers it: 409
    ``workflow.already_signed``, who signed which stage and when (recorded as a refusal).
    Called before ``require_stage_role``: the batch has moved on, and its next stage is
    usually another role's, so that check would refuse the signer as lacking the right.

    ``stage``: the stage the form showed; only for an account holding a role of that stage —
    one that truly lacks it is left to the role check (403). Empty (a request naming no
    stage): when the batch has just moved on from this account's own sign-off."""
    ctx = get_ctx(request)
    stage = stage.strip()
    if stage and not wf.STAGE_ALLOWED_ROLES.get(stage, frozenset()) & account.roles:
        return
    actor = None if stage else actor_of(ctx, account)
    try:
        await run_in_threadpool(repeated_signoff.refuse_repeated_signoff, ctx, batch_code,
                                stage, actor)
    except DanganError as exc:
        await run_in_threadpool(record_refusal, ctx, account, request.url.path, exc.key,
                                now(request), exc.params)
        raise


async def retried_signoff_page(request: Request, account: sec.Account, batch_code: str,
                               stage: str, page: Callable[[DanganError], Response]
                               ) -> Response | None:
    """``refuse_repeated_signoff`` for a form: the page shown again with the refusal (``page``
    renders it), or None when the sign-off is not a repeat; JSON clients get the error."""
    try:
        await refuse_repeated_signoff(request, account, batch_code, stage)
    except DanganError as exc:
        if wants_json(request):
            raise
        return page(exc)
    return None


async def claimed_or_page(request: Request, account: sec.Account, batch_code: str, stage: str,
                          page: Callable[[DanganError], Response]) -> Response | None:
    """A desk starts ``stage`` work on a batch only for the holder of its claim
    (``services.claims.require_batch_claim``): the page shown again with the refusal
    (``page`` renders it), or None when the account holds it; JSON clients get the error."""
    ctx = get_ctx(request)
    try:
        await act(request, account,
                  lambda actor: claims.require_batch_claim(ctx, actor, batch_code, stage))
    except (StateError, ConflictError) as exc:
        if wants_json(request):
            raise
        return page(exc)
    return None


async def act(request: Request, account: sec.Account, work: Callable[[Actor], T]) -> T:
    """Run a state-changing service call as the signed-in account's worker; a refusal by
    the engine (claimed by another, wrong stage, guard failed…) is recorded, then answered.
    A sign-off recorded whose tracking sheets could not be rebuilt is no refusal: answered,
    not recorded as one."""
    ctx = get_ctx(request)
    try:
        return await run_in_threadpool(lambda: work(actor_of(ctx, account)))
    except DanganError as exc:
        if exc.key != SHEETS_NOT_REBUILT:
            await run_in_threadpool(record_refusal, ctx, account, request.url.path,
                                    exc.key, now(request), exc.params)
        raise


def actor_of(ctx: ProjectContext, account: sec.Account) -> Actor:
    """The engine's Actor for the signed-in account: the signer is always this worker. The
    account was read this request (active, its line roles); the engine checks again that
    the worker is active inside its own transaction."""
    return Actor(account.worker_id, account.name, account.roles)


CurrentAccount = Annotated[sec.Account, Depends(require_role())]
AdminAccount = Annotated[sec.Account, Depends(require_role(sec.ADMIN))]


# --- the menu --------------------------------------------------------------------------------
# (page, label key, open it without htmx). Who sees an item is decided by the roles its page's
# route requires (``require_role``, read from the route itself): the menu and the route never
# disagree. Pages that check more inside (the audit trail, the three-officer pages) say so in
# ``_PAGE_RULES``.
NAV: tuple[tuple[str, str, bool], ...] = (
    ("/tasks", "web.nav.tasks", False), ("/progress", "web.nav.progress", False),
    ("/dashboard", "dashboard.nav", True), ("/volumes", "web.nav.volumes", False),
    ("/borrow", "desk.nav.borrow", False), ("/records/binding", "desk.nav.records", False),
    ("/officers", "officers.title", False), ("/audit", "desk.nav.audit", False),
    ("/scan-station", "web_images.nav.scan", False), ("/retouch", "web_images.nav.retouch", False),
    ("/index", "web_images.nav.index", False), ("/qc", "web_images.nav.qc", False),
    ("/package", "web_package.nav", False), ("/rework", "web_images.nav.rework", False),
    ("/admin/users", "web.nav.users", False),
)
_PAGE_RULES: dict[str, Callable[[ProjectContext, sec.Account], bool]] = {
    # the officers' page is the three-officer setting's; without it nothing is there to do
    "/officers": lambda ctx, a: ctx.config.web.three_officers,
    # the auditor's trail; an administrator's too without the three-officer setting
    "/audit": lambda ctx, a: a.has("security_auditor")
    or (a.is_admin and not ctx.config.web.three_officers),
}


def _requirements(dependant: Any) -> list[frozenset[str]]:
    found: list[frozenset[str]] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, RoleRequirement):
            found.append(dep.call.roles)
        found.extend(_requirements(dep))
    return found


def page_roles(app: Any, path: str) -> list[frozenset[str]] | None:
    """The role sets (each: one of them needed) the GET route of ``path`` requires; None when
    no such route."""
    table: dict[str, list[frozenset[str]]] | None = getattr(app.state, "page_roles", None)
    if table is None:
        from dangan.web.app import ROUTERS  # late: the app imports the routes, these deps

        table = {}
        for router, prefix in ROUTERS:
            for route in router.routes:
                if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
                    table.setdefault(prefix + route.path, _requirements(route.dependant))
        app.state.page_roles = table
    return table.get(path)


def may_open(request: Request, account: sec.Account, path: str) -> bool:
    """Whether the account may open the page ``path`` (the route's own role rule)."""
    needed = page_roles(request.app, path)
    if needed is None:
        return False
    if not all(not roles or any(account.has(r) for r in roles) for roles in needed):
        return False
    rule = _PAGE_RULES.get(path)
    return rule is None or rule(get_ctx(request), account)


def nav_for(request: Request, account: sec.Account) -> list[tuple[str, str, bool]]:
    """The menu items the account may open."""
    return [item for item in NAV if may_open(request, account, item[0])]
