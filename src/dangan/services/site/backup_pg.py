"""Restore a ``pg_dump`` archive of one schema into another database or schema.

``pg_restore`` cannot rename a schema, so the archive is turned into its SQL script and the
schema name rewritten on every statement line, never inside ``COPY`` data (a title that
happens to contain the schema's name stays as it was). The script runs in one transaction
with ``psql``: a failed restore leaves the target empty. The target must hold no project yet.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from dangan._exec import libpq, pg_restore, psql
from dangan.errors import ConflictError

_COPY_START = re.compile(r"^COPY .* FROM stdin;$")


def target_schema(url: str) -> str:
    return libpq.connection(url).schema or "public"


def _schema_exists(url: str, schema: str) -> bool:
    """Whether the target schema exists; refused when it already holds a project."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = :s AND table_name IN ('project', 'alembic_version')"),
                {"s": schema}).scalar_one()
            exists = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"),
                                  {"s": schema}).scalar_one()
    finally:
        engine.dispose()
    if found:
        raise ConflictError("site.restore.target_not_empty", schema=schema)
    return bool(exists)


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


def restore(archive: Path, source_schema: str, url: str) -> None:
    target = target_schema(url)
    exists = _schema_exists(url, target)
    with tempfile.TemporaryDirectory(prefix="dangan-restore-") as tmp:
        script = Path(tmp) / "dump.sql"
        pg_restore.to_sql(archive, script)
        with open(script, encoding="utf-8") as fh:
            lines = rewrite(fh.readlines(), source_schema, target, create=not exists)
        fixed = Path(tmp) / "restore.sql"
        fixed.write_text("".join(lines), "utf-8")
        psql.run_script(url, fixed)
