"""Tables of the web application: accounts' settings, server-side sessions, API tokens, and
the long runs started from the browser.

A web account *is* a worker (``worker.login`` / ``worker.password_hash`` / ``worker.active``);
these tables only add what the browser needs. Sessions and tokens are stored as SHA-256
digests of the secret the client holds, so a copy of the database opens no session.
Logins, refusals and account changes are written to the audit trail (``stage_event``), not
here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dangan.db.models import Base, Timestamp, utcnow


class WebAccount(Base):
    """What a worker's login adds: the administrator flag and the language of the pages."""

    __tablename__ = "web_account"
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class WebSession(Base):
    """A signed-in browser. Ends at logout, on disable or role change, or when idle."""

    __tablename__ = "web_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class WebToken(Base):
    """A per-account token for scan stations and scripts (``Authorization: Bearer``)."""

    __tablename__ = "web_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (Index("uq_web_token_hash", "token_hash", unique=True),)


class WebRun(Base):
    """A long run started from the browser (a batch's retouch, an ingest): its progress and
    outcome, kept so that a closed browser or a restarted server does not lose them. ``owner``
    is the process that runs it (host, process id, boot token), ``updated_at`` its heartbeat."""

    __tablename__ = "web_run"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    kind: Mapped[str] = mapped_column(String(20))  # retouch / ingest
    subject: Mapped[str] = mapped_column(String(300))  # the work batch's code, the scan root
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    person: Mapped[str] = mapped_column(String(100))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="running")  # running / done / failed
    message: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (Index("ix_web_run_subject", "project_id", "kind", "subject"),)
