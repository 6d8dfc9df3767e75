"""Restore a ``pg_dump`` archive of one schema into another database or schema.

``pg_restore`` cannot rename a schema, so the archive is turned into its SQL script and the
schema name rewritten on every statement line, never inside ``COPY`` data (a title that
happens to contain the schema's name stays as it was). The script runs in one transaction
with ``psql``: a failed restore leaves the target empty. The target schema must hold no table
yet (``check_target``, called before a restore writes anything).

The same transaction makes the table ``dangan_restore_unfinished`` holding the restore's
token; the restore drops it (``finish``) only when the new home is ready. A restore killed
after the load committed leaves it: a rerun into the same home recognises its own schema by
that token and empties it (``drop_unfinished``) — a schema without it is never touched.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from dangan._exec import libpq, pg_restore, psql
from dangan.errors import ConflictError, InputError, StorageError

_COPY_START = re.compile(r"^COPY .* FROM stdin;$")
UNFINISHED = "dangan_restore_unfinished"


def target_schema(url: str) -> str:
    return libpq.connection(url).schema or "public"


def check_target(url: str) -> bool:
    """Before a restore writes anything: the database answers, the target schema holds no
    table, and a missing schema can be created by this role. Returns whether it exists."""
    from sqlalchemy.exc import DatabaseError

    schema = target_schema(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"),
                {"s": schema}).scalars().all()
            exists = bool(conn.execute(text(
                "SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            ).scalar_one())
            can_create = bool(conn.execute(text(
                "SELECT has_database_privilege(current_database(), 'CREATE')")).scalar_one())
            database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    except DatabaseError as exc:
        raise StorageError("site.restore.db_unreachable", url=_safe(url),
                           detail=str(exc.orig or exc).splitlines()[0]) from exc
    finally:
        engine.dispose()
    if {"project", "alembic_version"} & set(tables):
        raise ConflictError("site.restore.target_not_empty", schema=schema)
    if tables:
        raise ConflictError("site.restore.schema_not_empty", schema=schema, count=len(tables))
    if not exists and not can_create:
        raise InputError("site.restore.schema_missing", schema=schema, database=database)
    return exists


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def rewrite(lines: list[str], source: str, target: str, create: bool = True) -> list[str]:
    """The script with schema ``source`` renamed ``target`` outside COPY data.

    ``create``: make the target schema (an existing one is used as it is: creating it, even
    ``IF NOT EXISTS``, needs a right on the database a schema owner need not have)."""
    name = re.compile(r'(?<![\w"$])"?' + re.escape(source) + r'"?\.')
    create_line = re.compile(r'^CREATE SCHEMA "?' + re.escape(source) + r'"?;$')
    out = [f'CREATE SCHEMA "{target}";\n'] if create else []
    in_copy = False
    for line in lines:
        bare = line.rstrip("\n")
        if in_copy:
            in_copy = bare != "\\."
            out.append(line)
            continue
        if create_line.match(bare):
            continue
        if _COPY_START.match(bare):
            in_copy = True
        out.append(name.sub(f'"{target}".', line))
    return out


def restore(archive: Path, source_schema: str, url: str, token: str = "") -> None:
    """Load the archive into the target schema in one transaction, with the unfinished
    marker table holding ``token`` (``finish`` drops it)."""
    target = target_schema(url)
    exists = check_target(url)
    if not re.fullmatch(r"[0-9a-f]*", token):
        raise ValueError(token)
    with tempfile.TemporaryDirectory(prefix="dangan-restore-") as tmp:
        script = Path(tmp) / "dump.sql"
        pg_restore.to_sql(archive, script)
        with open(script, encoding="utf-8") as fh:
            lines = rewrite(fh.readlines(), source_schema, target, create=not exists)
        if token:
            lines.append(f'CREATE TABLE "{target}".{UNFINISHED} (token text NOT NULL,'
                         f' created boolean NOT NULL);\n'
                         f"INSERT INTO \"{target}\".{UNFINISHED} VALUES ('{token}',"
                         f" {'false' if exists else 'true'});\n")
        fixed = Path(tmp) / "restore.sql"
        fixed.write_text("".join(lines), "utf-8")
        psql.run_script(url, fixed)


def finish(url: str) -> None:
    """The restore is complete: its unfinished marker table goes."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP TABLE IF EXISTS "{target_schema(url)}".{UNFINISHED}'))
    finally:
        engine.dispose()


def drop_unfinished(url: str, token: str) -> bool:
    """Empty the target schema when it holds this restore's marker table with ``token`` (a
    load that committed, of a restore that then stopped); the schema goes too when that
    restore created it. Returns whether it did; any other schema is left as it is."""
    from sqlalchemy.exc import DatabaseError

    schema = target_schema(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            has = conn.execute(text(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :s AND c.relname = :t"), {"s": schema, "t": UNFINISHED}
            ).first()
            if not has or not token:
                return False
            row = conn.execute(text(f'SELECT token, created FROM "{schema}".{UNFINISHED}')).first()
            if row is None or row[0] != token:
                return False
            if row[1]:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                return True
            for kind, sql in (("r", "TABLE"), ("v", "VIEW"), ("m", "MATERIALIZED VIEW"),
                              ("S", "SEQUENCE")):
                names = conn.execute(text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = :s AND c.relkind = :k"), {"s": schema, "k": kind}
                ).scalars().all()
                for name in names:
                    conn.execute(text(f'DROP {sql} IF EXISTS "{schema}"."{name}" CASCADE'))
            types = conn.execute(text(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                " WHERE n.nspname = :s AND t.typtype IN ('e', 'd') "), {"s": schema}).scalars().all()
            for name in types:
                conn.execute(text(f'DROP TYPE IF EXISTS "{schema}"."{name}" CASCADE'))
            functions = conn.execute(text(  # the trigger functions of the dump
                "SELECT p.oid::regprocedure::text FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s"),
                {"s": schema}).scalars().all()
            for signature in functions:
                conn.execute(text(f"DROP FUNCTION IF EXISTS {signature} CASCADE"))
            return True
    except DatabaseError as exc:
        raise StorageError("site.restore.db_unreachable", url=_safe(url),
                           detail=str(exc.orig or exc).splitlines()[0]) from exc
    finally:
        engine.dispose()
