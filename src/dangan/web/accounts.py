"""Web accounts: a worker with a login, a password hash and roles.

Used by ``dangan user …`` (the first administrator, scripts) and by the 用户与岗位 page.
Every change that touches what an account may do (password, roles, disable) ends the
account's sessions at once and is written to the audit trail with who did it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Worker, WorkerRole
from dangan.db.web_models import WebAccount, WebToken
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext
from dangan.services.workers import parse_role
from dangan.web import security as sec

LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class AccountRow:
    worker_id: int
    name: str
    login: str
    roles: tuple[str, ...]
    active: bool
    is_admin: bool

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def _check_password(password: str) -> None:
    if len(password) < sec.MIN_PASSWORD:
        raise InputError("web.account.weak_password", min=sec.MIN_PASSWORD)


def _split_roles(roles: Iterable[str]) -> tuple[list[str], bool]:
    line: list[str] = []
    admin = False
    for r in roles:
        if r.strip() == sec.ADMIN:
            admin = True
        elif r.strip():
            line.append(parse_role(r))
    return line, admin


def _by_login(session: Session, project_id: int, login: str) -> Worker:
    worker = session.scalar(select(Worker).where(Worker.project_id == project_id,
                                                 Worker.login == login))
    if worker is None:
        raise NotFoundError("web.account.unknown_login", login=login)
    return worker


def keep_an_administrator(session: Session, project_id: int, worker: Worker) -> None:
    """Refuse taking the administrator role away from (or disabling, or locking) the last
    active administrator with a login: nobody could administer the project any more."""
    extra = session.get(WebAccount, worker.id)
    if not (worker.active and extra is not None and extra.is_admin):
        return
    others = session.scalar(select(Worker.id).join(WebAccount, WebAccount.worker_id == Worker.id)
                            .where(Worker.project_id == project_id, Worker.id != worker.id,
                                   Worker.active.is_(True), Worker.login.is_not(None),
                                   WebAccount.is_admin.is_(True)).limit(1))
    if others is None:
        raise ConflictError("web.account.last_admin", login=worker.login or worker.name)


def add_user(ctx: ProjectContext, login: str, password: str, *, worker: str | None = None,
             roles: Iterable[str] = (), by: str = "cli") -> AccountRow:
    """Give a worker (made if absent, named ``worker`` or the login) a login and password."""
    if not LOGIN_RE.match(login):
        raise InputError("web.account.bad_login", login=login)
    _check_password(password)
    line_roles, admin = _split_roles(roles)
    name = (worker or login).strip()
    now = ws.now()
    with ctx.transaction() as session:
        taken = session.scalar(select(Worker.id).where(Worker.project_id == ctx.project_id,
                                                       Worker.login == login))
        if taken is not None:
            raise ConflictError("web.account.login_taken", login=login)
        row = session.scalar(select(Worker).where(Worker.project_id == ctx.project_id,
                                                  Worker.name == name))
        if row is None:
            row = Worker(project_id=ctx.project_id, name=name, active=True)
            session.add(row)
            session.flush()
        elif row.login:  # one login per worker: say whose it is, not that this one is taken
            raise ConflictError("web.account.worker_has_login", worker=name, login=row.login,
                                new=login)
        row.login, row.password_hash, row.active = login, sec.hash_password(password), True
        have = set(session.scalars(select(WorkerRole.role).where(WorkerRole.worker_id == row.id)))
        for role in line_roles:
            if role not in have:
                session.add(WorkerRole(worker_id=row.id, role=role))
        extra = session.get(WebAccount, row.id) or WebAccount(worker_id=row.id, lang="zh")
        extra.is_admin = admin or bool(extra.is_admin)
        session.add(extra)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "add", "login": login, "worker": name,
                        "roles": sorted(line_roles), "admin": extra.is_admin})
        session.flush()
        return _row(session, row)


def set_password(ctx: ProjectContext, login: str, password: str, by: str = "cli") -> bool:
    """Set the account's password (its sessions end). A disabled or locked account is enabled
    again: the way back for one nobody can unlock on the web. Returns whether it was."""
    _check_password(password)
    now = ws.now()
    with ctx.transaction() as session:
        worker = _by_login(session, ctx.project_id, login)
        worker.password_hash = sec.hash_password(password)
        enabled = not worker.active
        worker.active = True
        sec.revoke_sessions(session, worker.id, "password", now)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "password", "login": login, "enabled": enabled})
    return enabled


def disable_user(ctx: ProjectContext, login: str, by: str = "cli") -> None:
    now = ws.now()
    with ctx.transaction() as session:
        worker = _by_login(session, ctx.project_id, login)
        keep_an_administrator(session, ctx.project_id, worker)
        worker.active = False
        sec.revoke_sessions(session, worker.id, "disabled", now)
        for token in session.scalars(select(WebToken).where(WebToken.worker_id == worker.id,
                                                            WebToken.revoked_at.is_(None))):
            token.revoked_at = now
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "disable", "login": login})


def set_roles(ctx: ProjectContext, login: str, roles: Iterable[str], by: str = "cli") -> None:
    """Replace an account's roles (and admin flag); its sessions end."""
    line_roles, admin = _split_roles(roles)
    now = ws.now()
    with ctx.transaction() as session:
        worker = _by_login(session, ctx.project_id, login)
        if not admin:
            keep_an_administrator(session, ctx.project_id, worker)
        current = {r.role: r for r in session.scalars(select(WorkerRole).where(
            WorkerRole.worker_id == worker.id))}
        for role, row in current.items():
            if role not in line_roles:
                session.delete(row)
        for role in line_roles:
            if role not in current:
                session.add(WorkerRole(worker_id=worker.id, role=role))
        extra = session.get(WebAccount, worker.id) or WebAccount(worker_id=worker.id, lang="zh")
        extra.is_admin = admin
        session.add(extra)
        sec.revoke_sessions(session, worker.id, "roles", now)
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "roles", "login": login, "roles": sorted(line_roles),
                        "admin": admin})


def set_language(ctx: ProjectContext, worker_id: int, lang: str) -> None:
    with ctx.transaction() as session:
        extra = session.get(WebAccount, worker_id) or WebAccount(worker_id=worker_id,
                                                                 is_admin=False)
        extra.lang = "en" if lang == "en" else "zh"
        session.add(extra)


def new_token(ctx: ProjectContext, login: str, name: str, by: str = "cli") -> str:
    """A new API token for the account; the secret is returned once and stored hashed."""
    secret = sec.new_secret()
    now = ws.now()
    with ctx.transaction() as session:
        worker = _by_login(session, ctx.project_id, login)
        session.add(WebToken(worker_id=worker.id, name=name[:100] or "api",
                             token_hash=sec.digest(secret), created_at=now))
        sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                  data={"action": "token", "login": login, "name": name[:100]})
    return secret


@dataclass(frozen=True)
class TokenRow:
    id: int
    login: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def list_tokens(ctx: ProjectContext) -> list[TokenRow]:
    """Every API token (never its secret): whose, for what, last used, revoked."""
    with ctx.transaction() as session:
        rows = session.execute(select(WebToken, Worker.login)
                               .join(Worker, Worker.id == WebToken.worker_id)
                               .where(Worker.project_id == ctx.project_id)
                               .order_by(WebToken.id)).all()
        return [TokenRow(tok.id, login or "", tok.name, tok.created_at, tok.last_used_at,
                         tok.revoked_at) for tok, login in rows]


def revoke_token(ctx: ProjectContext, token_id: int, by: str = "cli") -> None:
    now = ws.now()
    with ctx.transaction() as session:
        row = session.execute(select(WebToken, Worker.login)
                              .join(Worker, Worker.id == WebToken.worker_id)
                              .where(Worker.project_id == ctx.project_id,
                                     WebToken.id == token_id)).first()
        if row is None:
            raise NotFoundError("web.account.unknown_token", id=token_id)
        token, login = row
        if token.revoked_at is None:
            token.revoked_at = now
            sec.audit(session, ctx.project_id, sec.EVENT_ACCOUNT, by, at=now,
                      data={"action": "revoke_token", "login": login, "name": token.name})


def list_accounts(ctx: ProjectContext) -> list[AccountRow]:
    with ctx.transaction() as session:
        workers = session.scalars(select(Worker).where(Worker.project_id == ctx.project_id)
                                  .order_by(Worker.id)).all()
        return [_row(session, w) for w in workers]


def _row(session: Session, worker: Worker) -> AccountRow:
    order = {r: i for i, r in enumerate(wf.ROLES)}
    roles = sorted(session.scalars(select(WorkerRole.role).where(
        WorkerRole.worker_id == worker.id)), key=lambda r: order.get(r, 99))
    extra = session.get(WebAccount, worker.id)
    return AccountRow(worker.id, worker.name, worker.login or "", tuple(roles), worker.active,
                      bool(extra and extra.is_admin))
