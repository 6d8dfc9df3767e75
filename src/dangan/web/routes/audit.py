"""审计 and the three-officer separation (三员分立: 系统管理员 / 安全保密员 / 安全审计员).

With ``[web] three_officers = true`` in dangan.toml:

- the system administrator (the ``admin`` account flag) manages accounts and appoints the
  other two officers; the security officer (``security_officer``) sets the line roles of
  accounts and locks / unlocks them; the security auditor (``security_auditor``) reads the
  audit trail;
- an account holds at most one of the three (an account found holding two is refused
  everything until corrected);
- none of them changes production data: every state-changing request of an officer outside
  their own pages is refused with 403 and recorded (``officer_check``, called from
  ``require_role`` — the one place where access is decided).

Without the setting, administrators read the audit trail and the officer pages stay usable
for appointing; nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from dangan.db.models import StageEvent, Worker, WorkerRole
from dangan.db.web_models import WebAccount
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError
from dangan.i18n import catalogue, current_language, t
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext
from dangan.services.workers import parse_role
from dangan.web import security as sec
from dangan.web.accounts import keep_an_administrator
from dangan.web.deps import Ctx, get_ctx, refuse, require_role
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

SECURITY_OFFICER = "security_officer"
SECURITY_AUDITOR = "security_auditor"
OFFICERS = (sec.ADMIN, SECURITY_OFFICER, SECURITY_AUDITOR)
# the state-changing paths each officer may use (their own pages); sign-out and language
# are everyone's
OFFICER_PATHS: dict[str, tuple[str, ...]] = {
    sec.ADMIN: ("/admin/users", "/admin/tokens", "/officers/appoint"),
    SECURITY_OFFICER: ("/officers/roles", "/officers/lock", "/officers/unlock"),
    SECURITY_AUDITOR: (),
}
COMMON_PATHS = ("/logout", "/lang")
PAGE_SIZE = 200

router = APIRouter(include_in_schema=False)
Officer = Annotated[sec.Account, Depends(require_role(*OFFICERS))]


def officers_of(account: sec.Account) -> list[str]:
    return [r for r in OFFICERS if account.has(r)]


def _allowed(officer: str, path: str) -> bool:
    if officer == sec.ADMIN and path.startswith("/admin/users/") and path.endswith("/roles"):
        return False  # roles are the security officer's
    return any(path == p or path.startswith(p + "/")
               for p in OFFICER_PATHS[officer] + COMMON_PATHS)


async def officer_check(request: Request, account: sec.Account) -> None:
    """The three-officer rule for one request (nothing when the setting is off)."""
    if not get_ctx(request).config.web.three_officers:
        return
    held = officers_of(account)
    if len(held) > 1:
        await refuse(request, account, "officers:" + ",".join(held),
                     sec.AccessDenied("officers.conflict", roles=_names(held)))
    if held and request.method not in ("GET", "HEAD", "OPTIONS") \
            and not _allowed(held[0], request.url.path):
        await refuse(request, account, "officers:production",
                     sec.AccessDenied("officers.no_production", role=_names(held)))


def _names(roles: Iterable[str]) -> str:
    return "/".join(t("web.role.admin") if r == sec.ADMIN else t(f"role.{r}") for r in roles)


def _to(path: str, message: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    set_flash(response, message)
    return response


# --- the audit trail -----------------------------------------------------------------------

@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    kind: str
    person: str
    stage: str | None
    remarks: str
    data: dict[str, object]


def audit_rows(ctx: ProjectContext, person: str = "", kind: str = "",
               day_from: date | None = None, day_to: date | None = None,
               before_id: int | None = None) -> list[AuditRow]:
    """The trail, newest first, filtered by person (part of the name), kind and dates (UTC)."""
    stmt = select(StageEvent).where(StageEvent.project_id == ctx.project_id)
    if person.strip():
        stmt = stmt.where(StageEvent.person.contains(person.strip(), autoescape=True))
    if kind.strip():
        stmt = stmt.where(StageEvent.kind == kind.strip())
    if day_from:
        stmt = stmt.where(StageEvent.at >= datetime.combine(day_from, time(), UTC))
    if day_to:
        stmt = stmt.where(StageEvent.at < datetime.combine(day_to + timedelta(days=1), time(),
                                                            UTC))
    if before_id:
        stmt = stmt.where(StageEvent.id < before_id)
    with ctx.transaction() as session:
        return [AuditRow(e.id, e.at, e.kind, e.person, e.stage, e.remarks, dict(e.data or {}))
                for e in session.scalars(stmt.order_by(StageEvent.id.desc()).limit(PAGE_SIZE))]


def kind_label(kind: str) -> str:
    """An event kind in the reader's language: the line's (``workflow.event.*``) or the web
    edge's (``web_forms.event.*``); an unknown kind as it is."""
    for key in (f"workflow.event.{kind}", f"web_forms.event.{kind}"):
        if key in catalogue():
            return t(key)
    return kind


def _said(value: object, params: dict[str, object] | None = None) -> str:
    """A recorded value for the reader: a message key (a refusal's reason) in their language,
    with its recorded ``params`` (the places of those not recorded shown as …), a list
    joined, anything else as text."""
    if isinstance(value, str):
        pair = catalogue().get(value)
        if pair is not None:
            text = pair[1] if current_language() == "en" else pair[0]
            given = {k: "" if v is None else str(v) for k, v in (params or {}).items()}
            return re.sub(r"\{([^{}]*)\}", lambda m: given.get(m[1], "…"), text)
        return value
    if isinstance(value, bool):
        return t("web_forms.yes") if value else t("web_forms.no")
    if isinstance(value, list | tuple):
        return "、".join(_said(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{_data_label(k)}：{_said(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _data_label(name: object) -> str:
    key = f"web_forms.data.{name}"
    return t(key) if key in catalogue() else str(name)


def _roles(names: str) -> str:
    return "/".join(t("web.role.admin") if r == sec.ADMIN else t(f"role.{r}")
                    if f"role.{r}" in catalogue() else r for r in names.split(",") if r)


def _value(name: str, value: object, data: dict[str, object]) -> str:
    """A recorded value in words: a refusal's reason (a message key with its recorded
    parameters, or ``role:…`` / ``stage:…`` / ``officers:…``), a word of the few keys whose
    values are codes (``web_forms.value.<key>.<value>``), else as ``_said`` gives it."""
    if name == "reason" and isinstance(value, str):
        kind, _, rest = value.partition(":")
        params = data.get("reason_params")
        if kind == "role" and rest:
            return t("web_forms.value.reason.role", roles=_roles(rest))
        if kind == "stage" and rest:
            return t("web_forms.value.reason.stage", stage=ws.stage_label(rest))
        if kind == "officers" and rest:
            return t("web_forms.value.reason.officers_production") if rest == "production" \
                else t("web_forms.value.reason.officers", roles=_roles(rest))
        if value in catalogue():
            return _said(value, params if isinstance(params, dict) else None)
    if isinstance(value, str) and f"web_forms.value.{name}.{value}" in catalogue():
        return t(f"web_forms.value.{name}.{value}")
    return _said(value)


def details(data: dict[str, object]) -> list[tuple[str, str]]:
    """An event's recorded data as (label, value) lines in the reader's language (a
    refusal's ``reason_params`` go into its reason)."""
    return [(_data_label(k), _value(str(k), v, data)) for k, v in data.items()
            if k != "reason_params"]


def audit_kinds(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as session:
        return sorted(session.scalars(select(StageEvent.kind).where(
            StageEvent.project_id == ctx.project_id).distinct()))


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError("officers.bad_date", value=text) from exc


@router.get("/audit")
async def audit_page(request: Request, ctx: Ctx, account: Officer, person: str = "",
                     kind: str = "", day_from: str = "", day_to: str = "",
                     before: int | None = None) -> Response:
    """The auditor's page (an administrator's too, without the three-officer setting)."""
    three = ctx.config.web.three_officers
    if not account.has(SECURITY_AUDITOR) and (three or not account.is_admin):
        await refuse(request, account, "role:security_auditor", sec.AccessDenied(
            "web.forbidden", roles=_names([SECURITY_AUDITOR])))
    rows = audit_rows(ctx, person[:100], kind[:30], _day(day_from), _day(day_to), before)
    return render(request, "audit/trail.html", rows=rows, kinds=audit_kinds(ctx),
                  kind_label=kind_label, said=_said, details=details,
                  person=person, kind=kind, day_from=day_from, day_to=day_to,
                  more=rows[-1].id if len(rows) == PAGE_SIZE else None)


# --- the officers' pages -------------------------------------------------------------------

@dataclass(frozen=True)
class OfficerRow:
    login: str
    name: str
    active: bool
    roles: tuple[str, ...]
    officers: tuple[str, ...]


def officer_rows(ctx: ProjectContext) -> list[OfficerRow]:
    with ctx.transaction() as session:
        out: list[OfficerRow] = []
        for w in session.scalars(select(Worker).where(Worker.project_id == ctx.project_id,
                                                      Worker.login.is_not(None))
                                 .order_by(Worker.id)):
            roles = set(session.scalars(select(WorkerRole.role).where(
                WorkerRole.worker_id == w.id)))
            extra = session.get(WebAccount, w.id)
            held = ([sec.ADMIN] if extra and extra.is_admin else []) + \
                [r for r in (SECURITY_OFFICER, SECURITY_AUDITOR) if r in roles]
            out.append(OfficerRow(w.login or "", w.name, w.active,
                                  tuple(r for r in wf.ROLES if r in roles), tuple(held)))
        return out


@router.get("/officers")
async def officers_page(request: Request, ctx: Ctx, account: Officer) -> Response:
    return render(request, "audit/officers.html", rows=officer_rows(ctx),
                  line_roles=wf.ROLES, officer_roles=(SECURITY_OFFICER, SECURITY_AUDITOR),
                  three=ctx.config.web.three_officers,
                  is_admin=account.is_admin, is_security=account.has(SECURITY_OFFICER))


def _worker(session: Session, ctx: ProjectContext, login: str) -> Worker:
    worker = session.scalar(select(Worker).where(Worker.project_id == ctx.project_id,
                                                 Worker.login == login))
    if worker is None:
        raise NotFoundError("web.account.unknown_login", login=login)
    return worker


def appoint(ctx: ProjectContext, login: str, officer: str, by: str) -> None:
    """Make an account the security officer or auditor (or neither: ``officer`` empty);
    refused when it would hold two of the three. Its sessions end."""
    if officer not in ("", SECURITY_OFFICER, SECURITY_AUDITOR):
        raise InputError("officers.bad_role", role=officer)
    now = ws.now()
    with ctx.transaction() as session:
        worker = _worker(session, ctx, login)
        extra = session.get(WebAccount, worker.id)
        if officer and extra is not None and extra.is_admin:
            raise InputError("officers.one_only", login=login)
        line = sorted(set(session.scalars(select(WorkerRole.role).where(
            WorkerRole.worker_id == worker.id))) & set(wf.ROLES))
        if officer and line and ctx.config.web.three_officers:  # an officer has no line role
            raise InputError("officers.has_line_roles", login=login,
                             roles="、".join(t(f"role.{r}") for r in line))
        session.execute(delete(WorkerRole).where(
            WorkerRole.worker_id == worker.id,
            WorkerRole.role.in_([SECURITY_OFFICER, SECURITY_AUDITOR])))
        if officer:
            session.add(WorkerRole(worker_id=worker.id, role=officer))
        sec.revoke_sessions(session, worker.id, "roles", now)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "officer", "login": login, "officer": officer})


def set_line_roles(ctx: ProjectContext, login: str, roles: Iterable[str], by: str) -> None:
    """The security officer's change of an account's line roles (officer roles and the
    administrator flag untouched); an officer is given no line role under three officers."""
    wanted = sorted({parse_role(r) for r in roles if r.strip()})
    now = ws.now()
    with ctx.transaction() as session:
        worker = _worker(session, ctx, login)
        current = set(session.scalars(select(WorkerRole.role).where(
            WorkerRole.worker_id == worker.id)))
        extra = session.get(WebAccount, worker.id)
        is_officer = bool(current & {SECURITY_OFFICER, SECURITY_AUDITOR}) or \
            bool(extra and extra.is_admin)
        if wanted and is_officer and ctx.config.web.three_officers:
            raise InputError("officers.no_line_roles", login=login)
        session.execute(delete(WorkerRole).where(
            WorkerRole.worker_id == worker.id, WorkerRole.role.in_(
                [r for r in current if r in wf.ROLES and r not in wanted])))
        for role in wanted:
            if role not in current:
                session.add(WorkerRole(worker_id=worker.id, role=role))
        sec.revoke_sessions(session, worker.id, "roles", now)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "roles", "login": login, "roles": wanted})


def set_locked(ctx: ProjectContext, login: str, locked: bool, by: str,
               by_id: int | None = None) -> None:
    """Lock (or unlock) an account; never one's own (``by_id``: the officer's worker) nor the
    last active administrator, as disabling (nobody could unlock or administer)."""
    now = ws.now()
    with ctx.transaction() as session:
        worker = _worker(session, ctx, login)
        if locked and by_id is not None and worker.id == by_id:
            raise ConflictError("officers.lock_self", login=login)
        if locked:
            keep_an_administrator(session, ctx.project_id, worker)
        worker.active = not locked
        if locked:
            sec.revoke_sessions(session, worker.id, "disabled", now)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "lock" if locked else "unlock", "login": login})


Admin = Annotated[sec.Account, Depends(require_role(sec.ADMIN))]
Security = Annotated[sec.Account, Depends(require_role(SECURITY_OFFICER))]


@router.post("/officers/appoint/{login}")
def appoint_route(ctx: Ctx, account: Admin, login: str,
                  officer: Annotated[str, Form(max_length=40)] = "") -> Response:
    appoint(ctx, login, officer, account.name)
    return _to("/officers", t("officers.appointed", login=login,
                              role=_names([officer]) if officer else t("web.empty")))


@router.post("/officers/roles/{login}")
def roles_route(ctx: Ctx, account: Security, login: str,
                roles: Annotated[list[str] | None, Form()] = None) -> Response:
    set_line_roles(ctx, login, roles or [], account.name)
    return _to("/officers", t("web.users.roles_saved", login=login))


@router.post("/officers/lock/{login}")
def lock_route(ctx: Ctx, account: Security, login: str) -> Response:
    set_locked(ctx, login, True, account.name, account.worker_id)
    return _to("/officers", t("officers.locked", login=login))


@router.post("/officers/unlock/{login}")
def unlock_route(ctx: Ctx, account: Security, login: str) -> Response:
    set_locked(ctx, login, False, account.name)
    return _to("/officers", t("officers.unlocked", login=login))
