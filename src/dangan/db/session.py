"""Engines, sessions and one-transaction-per-call scopes.

Nothing here runs at import time: engines are built at the edge from a URL and passed down.
SQLite gets WAL, foreign keys and a busy timeout so that a few local processes (CLI, watch
folder, web) can share one project file; PostgreSQL is used as it is. A SQLite file is opened
only if it exists (SQLite's ``mode=rw``): a mistyped path is refused, never made into an
empty database; only creating a project makes the file, through ``create_sqlite_file``.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dangan.errors import DanganError, StorageError
from dangan.i18n import t

READ_ONLY = "dangan_read_only"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (absolute); None for another database, an
    in-memory one, or a URL that is already a SQLite URI (``uri=true``: taken as written)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or parsed.query.get("uri") in ("true", "1") \
            or parsed.query.get("mode") == "memory":
        return None
    return Path(database).absolute()


def _existing_only_uri(path: str) -> str:
    """The SQLite URI opening ``path`` read-write without ever creating it."""
    return f"file:{quote(path)}?mode=rw"


def create_sqlite_file(url: str) -> None:
    """Make the (empty) SQLite database file of ``url`` if it is not there: creating a
    project or making a database on purpose. Another database: nothing to do."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return
    sqlite3.connect(f"file:{quote(str(path))}?mode=rwc", uri=True).close()


def make_engine(url: str, *, create: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url``. A SQLite file is opened only when it exists; ``create`` makes
    it first (a new project), else a missing file fails to connect (never made empty)."""
    if url.startswith("sqlite"):
        if create:
            create_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        if sqlite_file(url) is not None:
            @event.listens_for(engine, "do_connect")
            def _existing_file_only(_dialect: Any, _record: Any, cargs: list[Any],
                                    cparams: dict[str, Any]) -> None:
                cargs[0] = _existing_only_uri(str(cargs[0]))
                cparams["uri"] = True

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            read_only = bool(conn.get_execution_options().get(READ_ONLY))
            info = conn.connection.info
            if info.get("query_only", False) != read_only:
                conn.exec_driver_sql(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                info["query_only"] = read_only
            # Take the write lock at the start: two concurrent read-then-write
            # transactions then serialise instead of failing with "database is locked".
            # A read-only transaction takes no lock and cannot write (query_only).
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "begin")
    def _read_only_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine (one pool) whose transactions cannot write."""
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def driver_message(exc: SQLAlchemyError) -> str:
    """The first line of what the database said, without SQLAlchemy's wrapping (the driver's
    class name in brackets, the statement, a link to its error pages)."""
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def safe_url(url: str | URL) -> str:
    """A database URL without its password, for messages; a SQLite file as its path."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)


def db_error(exc: SQLAlchemyError | sqlite3.Error, url: str | URL | None) -> StorageError:
    """The one error for a database that failed while in use (connection lost, server shut
    down, disk full): ``project.db_error`` (exit 11) naming the database — its URL without
    the password — and the first line of what the database said."""
    said = driver_message(exc) if isinstance(exc, SQLAlchemyError) else \
        (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if url is not None and isinstance(exc, OperationalError) and exc.statement is None:
        unreachable = server_unreachable(url)  # failed to connect: is a server there at all?
        if unreachable is not None:
            return StorageError("project.db_unreachable", url=safe_url(url),
                                address=unreachable, details=[said])
    return StorageError("project.db_error",
                        detail=f"{safe_url(url)}: {said}" if url is not None else said)


def server_unreachable(url: str | URL, timeout: float = 3.0) -> str | None:
    """For a PostgreSQL URL over TCP whose connection failed: its ``host:port`` when nothing
    accepts a connection there (refused, no route, no answer in ``timeout`` seconds), else
    None (the server answered: a wrong database, user or password is the server's to say)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    host = parsed.host or ""
    if not host or host.startswith("/"):
        return None  # a Unix socket: the driver's text says which file
    port = int(parsed.port or 5432)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError:
        return f"{host}:{port}"


@contextmanager
def db_errors(url: str | URL, *, rerun: str | None = None) -> Iterator[None]:
    """Database errors of the block as ``db_error`` naming ``url``; ``rerun``: the command
    (``backup``…) that, stopped by one, left nothing half done: its message says so."""
    try:
        yield
    except StorageError as exc:
        if rerun and exc.key in ("project.db_error", "project.db_unreachable"):
            exc.details.append(t("project.db_error_rerun", command=rerun))
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        error = db_error(exc, url)
        if rerun:
            error.details.append(t("project.db_error_rerun", command=rerun))
        raise error from exc


def _bound_url(factory: sessionmaker[Session]) -> URL | None:
    bind = factory.kw.get("bind")
    url = getattr(bind, "url", None)
    return url if isinstance(url, URL) else None


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close. A database
    error is ``db_error``, naming the database."""
    session = factory()
    try:
        yield session
        session.commit()
    except DanganError:
        session.rollback()
        raise
    except SQLAlchemyError as exc:
        _rollback_quietly(session)
        raise db_error(exc, _bound_url(factory)) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_quietly(session: Session) -> None:
    """Roll back after a database error; a connection already lost cannot, and that second
    error would hide the first."""
    with suppress(SQLAlchemyError):
        session.rollback()
