"""The web application's settings: built at the edge (``dangan serve``, a test) and passed in."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dangan.services import workflow_state as ws

PROJECT_ENV = "DANGAN_PROJECT"
SECURE_ENV = "DANGAN_WEB_SECURE_COOKIES"


@dataclass(frozen=True)
class WebSettings:
    """``project``: the project home. ``secure_cookies``: mark cookies Secure (behind HTTPS;
    a request that arrives over https gets them anyway). ``clock``: now, in UTC."""

    project: Path
    secure_cookies: bool = False
    clock: Callable[[], datetime] = field(default=ws.now)

    @classmethod
    def from_env(cls) -> WebSettings:
        """For ``uvicorn --factory`` worker processes, which get their settings by environment."""
        return cls(project=Path(os.environ.get(PROJECT_ENV, ".")),
                   secure_cookies=os.environ.get(SECURE_ENV, "") in ("1", "true", "yes"))
