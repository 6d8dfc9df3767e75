"""``pg_restore``: a custom-format archive as plain SQL, for ``psql`` to run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dangan._exec import libpq


def to_sql(archive: Path, out: Path) -> None:
    """Write the archive's SQL script to ``out`` (no owners, no grants: the target's own)."""
    conn = libpq.connection("postgresql://localhost/")
    args = [libpq.program("pg_restore"), "--no-owner", "--no-privileges", f"--file={out}",
            str(archive)]
    libpq.run(args, conn, stdout=subprocess.DEVNULL)
