"""``psql``: run a SQL script in one transaction, stopping at the first error."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dangan._exec import libpq


def run_script(url: str, script: Path) -> None:
    conn = libpq.connection(url)
    args = [libpq.program("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
            "--set=ON_ERROR_STOP=1", f"--file={script}", f"--dbname={conn.dsn}"]
    libpq.run(args, conn, stdout=subprocess.DEVNULL)
