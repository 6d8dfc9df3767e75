"""The web application's settings: built at the edge (``dangan serve``, a test) and passed in."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dangan.services import workflow_state as ws

PROJECT_ENV = "DANGAN_PROJECT"
SECURE_ENV = "DANGAN_WEB_SECURE_COOKIES"
LOGIN_KEY_ENV = "DANGAN_WEB_LOGIN_KEY"  # hex; ``dangan serve`` sets one its workers share


@dataclass(frozen=True)
class WebSettings:
    """``project``: the project home. ``secure_cookies``: mark cookies Secure (behind HTTPS;
    a request that arrives over https gets them anyway). ``clock``: now, in UTC.
    ``login_key``: signs the login form's CSRF token; every process serving the project must
    have the same one (random when not given: one process)."""

    project: Path
    secure_cookies: bool = False
    clock: Callable[[], datetime] = field(default=ws.now)
    login_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def from_env(cls) -> WebSettings:
        """For ``uvicorn --factory`` worker processes, which get their settings by environment."""
        key = os.environ.get(LOGIN_KEY_ENV, "")
        return cls(project=Path(os.environ.get(PROJECT_ENV, ".")),
                   secure_cookies=os.environ.get(SECURE_ENV, "") in ("1", "true", "yes"),
                   login_key=key.encode("utf-8") if key else secrets.token_bytes(32))
