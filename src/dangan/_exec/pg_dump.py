"""``pg_dump``: one schema of a PostgreSQL database in the custom archive format.

Given ``snapshot`` (from ``pg_export_snapshot()`` in a transaction the caller keeps open),
the dump sees exactly what that transaction sees, so what the caller read there (the stored
files' manifest) and the dump agree row for row.
"""

from __future__ import annotations

from pathlib import Path

from dangan._exec import libpq


def dump(url: str, schema: str, out: Path, snapshot: str | None = None) -> None:
    conn = libpq.connection(url)
    args = [libpq.program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
            f"--schema={schema}", f"--file={out}", f"--dbname={conn.dsn}"]
    if snapshot:
        args.append(f"--snapshot={snapshot}")
    libpq.run(args, conn)
