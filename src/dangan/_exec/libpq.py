"""A SQLAlchemy PostgreSQL URL as what libpq's programs take: a connection string and the schema.

``postgresql+psycopg://user:pw@host:5432/db?options=-csearch_path%3Dx`` becomes
``host=… port=… user=… dbname=…`` with the password in ``PGPASSWORD`` (never on a command
line, where ``ps`` would show it) and the schema ``x`` named apart, for ``--schema``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from dangan.errors import ExternalToolError

PASSED_ON = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout",
             "application_name")
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


@dataclass(frozen=True)
class Connection:
    """Where a libpq program connects, and the environment that carries the password."""

    dsn: str
    schema: str | None
    env: dict[str, str]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def connection(url: str) -> Connection:
    u = make_url(url)
    parts = {"host": u.host, "port": str(u.port) if u.port else None, "user": u.username,
             "dbname": u.database}
    for key in PASSED_ON:  # TLS and timeouts as the URL gives them
        value = u.query.get(key)
        if isinstance(value, str):
            parts[key] = value
    dsn = " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v)
    options = u.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    match = _SEARCH_PATH.search(text)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return Connection(dsn, match.group(1).strip('"') if match else None, env)


def program(name: str) -> str:
    """The full path of a PostgreSQL client program; missing, say which package brings it."""
    path = shutil.which(name)
    if path is None:
        raise ExternalToolError("site.tool_missing", tool=name, package="postgresql-client")
    return path


def run(args: list[str], conn: Connection, *, stdin: int | None = None,
        stdout: int | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a client program; a failure carries its last error line."""
    result = subprocess.run(args, env=conn.env, stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExternalToolError("site.tool_failed", tool=os.path.basename(args[0]),
                                code=result.returncode, detail=lines[-1] if lines else "")
    return result
