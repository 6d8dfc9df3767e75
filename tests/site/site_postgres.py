"""The deploy folder's PostgreSQL scripts run as a site administrator would run them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

DEPLOY = Path(__file__).parent.parent.parent / "deploy"


def psql(url: str, script: Path, **variables: str) -> None:
    u = make_url(url)
    args = ["psql", "-X", "-q", "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432),
            "-U", u.username or "postgres", "-d", u.database or "postgres", "-f", str(script)]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    subprocess.run(args, check=True, capture_output=True)
