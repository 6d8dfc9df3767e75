"""Passwords, sessions, API tokens, login throttling and the audit of the web edge.

Passwords are Argon2id hashes (argon2-cffi). A session or token secret is 32 random bytes
given to the client once; the database keeps only its SHA-256, so reading the database opens
nothing. Every login, failed login, lock, logout and refused action is a ``stage_event`` row
(kinds below): the audit trail is append-only and already guarded by the database.

Throttling is counted from the audit trail itself, per login name (known or not, so the
answer tells nobody which logins exist): after ``SLOW_AFTER`` failures within
``web.lock_minutes`` each further attempt must wait 2^(n-SLOW_AFTER) seconds (at most
``MAX_DELAY``) after the last failure; after ``web.lock_after`` failures the login is locked
until ``web.lock_minutes`` have passed since the last failure.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from dangan.db.models import StageEvent, Worker, WorkerRole
from dangan.db.web_models import WebAccount, WebSession, WebToken
from dangan.errors import DanganError

# audit trail kinds written by the web edge
EVENT_LOGIN = "web_login"
EVENT_LOGIN_FAILED = "web_login_failed"
EVENT_LOGIN_LOCKED = "web_login_locked"
EVENT_LOGOUT = "web_logout"
EVENT_REFUSED = "web_refused"
EVENT_ACCOUNT = "web_account"

ADMIN = "admin"  # the administrator "role" (web_account.is_admin), beside the line's roles
SLOW_AFTER = 3
MAX_DELAY = 60
MIN_PASSWORD = 8

# Argon2id at OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1): about 30 ms of
# one core per check, so 50 people signing in at once do not stall the line; a hash made
# with other parameters still verifies and is replaced at the next successful sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("dangan-timing-equaliser")
# At most this many password checks at once per process: the rest queue here, holding no
# database connection, while pages go on being served.
_HASHING = threading.BoundedSemaphore(2)


class NotAuthenticated(DanganError):
    """No valid session or token: a page redirects to the login form, the API answers 401."""

    exit_code = 7
    http_status = 401
    default_key = "web.not_authenticated"


class AccessDenied(DanganError):
    """The account lacks the role, or the CSRF token is missing or wrong."""

    exit_code = 7
    http_status = 403
    default_key = "web.forbidden"


class LoginThrottled(DanganError):
    exit_code = 7
    http_status = 429
    default_key = "web.login.throttled"


# --- secrets --------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    with _HASHING:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (a dummy hash is checked instead).
    Call it outside any database transaction: it takes tens of milliseconds of CPU."""
    try:
        with _HASHING:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Was this hash made with other parameters than the current ones?"""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- the current account ---------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """The signed-in worker as the web sees it (``session_id`` empty for API tokens)."""

    worker_id: int
    name: str
    login: str
    roles: frozenset[str]
    is_admin: bool
    lang: str
    session_id: str = ""
    csrf_token: str = ""

    def has(self, role: str) -> bool:
        return self.is_admin if role == ADMIN else role in self.roles


def load_account(session: Session, worker: Worker, session_id: str = "",
                 csrf_token: str = "") -> Account:
    roles = frozenset(session.scalars(select(WorkerRole.role).where(
        WorkerRole.worker_id == worker.id)))
    extra = session.get(WebAccount, worker.id)
    return Account(worker.id, worker.name, worker.login or "", roles,
                   bool(extra and extra.is_admin), extra.lang if extra else "zh",
                   session_id, csrf_token)


# --- audit -----------------------------------------------------------------------------------

def audit(session: Session, project_id: int, kind: str, person: str, *,
          worker_id: int | None = None, at: datetime, remarks: str = "",
          data: dict[str, Any] | None = None) -> None:
    session.add(StageEvent(project_id=project_id, kind=kind, person=person[:100],
                           worker_id=worker_id, at=at, remarks=remarks, data=data or {}))


# --- throttling ----------------------------------------------------------------------------

def recent_failures(session: Session, project_id: int, login: str,
                    since: datetime) -> tuple[int, datetime | None]:
    """Failed attempts for ``login`` since ``since`` and since its last success."""
    last_ok = session.scalar(select(func.max(StageEvent.at)).where(
        StageEvent.project_id == project_id, StageEvent.kind == EVENT_LOGIN,
        StageEvent.data["login"].as_string() == login))
    start = max(since, _aware(last_ok)) if last_ok else since
    count, last = session.execute(select(func.count(StageEvent.id), func.max(StageEvent.at))
                                  .where(StageEvent.project_id == project_id,
                                         StageEvent.kind == EVENT_LOGIN_FAILED,
                                         StageEvent.person == login[:100],
                                         StageEvent.at > start)).one()
    return int(count or 0), _aware(last) if last else None


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def throttle_wait(failures: int, last: datetime | None, now: datetime, lock_after: int,
                  lock_minutes: int) -> tuple[int, bool]:
    """(seconds still to wait, locked) for a login with ``failures`` recent failures."""
    if last is None or failures < SLOW_AFTER:
        return 0, False
    if failures >= lock_after:
        until = last + timedelta(minutes=lock_minutes)
        return max(0, int((until - now).total_seconds()) + 1), until > now
    delay = min(MAX_DELAY, 2 ** (failures - SLOW_AFTER))
    left = (last + timedelta(seconds=delay) - now).total_seconds()
    return (max(0, int(left) + 1) if left > 0 else 0), False


# --- sessions and tokens -----------------------------------------------------------------------

def open_session(session: Session, worker_id: int, now: datetime) -> tuple[str, str]:
    """A new session row; returns (cookie secret, CSRF token)."""
    secret, csrf = new_secret(), new_secret()
    session.add(WebSession(id=digest(secret), worker_id=worker_id, csrf_token=csrf,
                           created_at=now, last_seen_at=now))
    return secret, csrf


def revoke_sessions(session: Session, worker_id: int, reason: str, now: datetime,
                    session_id: str | None = None) -> None:
    """End one session, or every open session of a worker (disable, role or password change)."""
    stmt = update(WebSession).where(WebSession.worker_id == worker_id,
                                    WebSession.revoked_at.is_(None))
    if session_id is not None:
        stmt = stmt.where(WebSession.id == session_id)
    session.execute(stmt.values(revoked_at=now, revoke_reason=reason))


@cache
def _session_statement() -> Any:
    """Built once: every request runs it (building a select costs more than running it)."""
    return (select(WebSession.csrf_token, WebSession.last_seen_at, WebSession.revoked_at,
                   Worker.id, Worker.name, Worker.login, Worker.active,
                   func.coalesce(Worker.password_hash, "") != "", WebAccount.is_admin,
                   WebAccount.lang, WorkerRole.role)
            .join(Worker, Worker.id == WebSession.worker_id)
            .outerjoin(WebAccount, WebAccount.worker_id == Worker.id)
            .outerjoin(WorkerRole, WorkerRole.worker_id == Worker.id)
            .where(WebSession.id == bindparam("session_id")))


def session_account(session: Session, secret: str, now: datetime,
                    idle: timedelta) -> Account | None:
    """The live session for a cookie, as the signed-in account, in one statement (every page
    asks): the session, its worker, the account's settings and the worker's roles (one row
    per role). None when revoked, idle too long (the session is then ended), or its worker
    disabled or without a password. ``last_seen_at`` is written at most every 30 seconds."""
    session_id = digest(secret)
    rows = session.execute(_session_statement(), {"session_id": session_id}).all()
    if not rows:
        return None
    csrf, last_seen, revoked, worker_id, name, login, active, has_password, admin, lang, _r = \
        rows[0]
    if revoked is not None:
        return None
    seen = now - _aware(last_seen)
    if seen > idle:
        session.execute(update(WebSession).where(WebSession.id == session_id)
                        .values(revoked_at=now, revoke_reason="idle"))
        return None
    if not active or not has_password:
        return None
    if seen.total_seconds() > 30:  # fewer writes per page
        session.execute(update(WebSession).where(WebSession.id == session_id)
                        .values(last_seen_at=now))
    roles = frozenset(row[-1] for row in rows if row[-1] is not None)
    return Account(worker_id, name, login or "", roles, bool(admin), lang or "zh",
                   session_id, csrf)


def find_token(session: Session, secret: str, now: datetime) -> Worker | None:
    row = session.scalar(select(WebToken).where(WebToken.token_hash == digest(secret)))
    if row is None or row.revoked_at is not None:
        return None
    worker = session.get(Worker, row.worker_id)
    if worker is None or not worker.active:
        return None
    row.last_used_at = now
    return worker
