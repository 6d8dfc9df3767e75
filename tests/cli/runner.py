"""Run ``dangan`` as a user does: a real process, no DANGAN_* settings from the caller."""

from __future__ import annotations

import os
import subprocess
import sys


def dangan(*args: str, env: dict[str, str] | None = None,
           timeout: int = 120) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout)
