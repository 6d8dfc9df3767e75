"""``dangan serve --workers N``: worker processes get time to start on a busy machine, and a
worker uvicorn restarts is said in the user's language."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dangan.cli import web as cli_web
from dangan.i18n import t


def test_serve_gives_each_worker_a_generous_health_check(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from dangan.cli.main import app
    from dangan.services.project import init_project

    init_project(tmp_path / "p", name="p")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(kw, target=target))
    result = CliRunner().invoke(app, ["serve", "-p", str(tmp_path / "p"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert seen["target"] == "dangan.web.app:app_from_env" and seen["workers"] == 2
    # uvicorn's own 5 s is less than a worker takes to start on a loaded machine: it was
    # killed and restarted for ever, and nothing answered
    assert seen["timeout_worker_healthcheck"] >= 60
    logger = seen["log_config"]["loggers"]["uvicorn.error"]
    (name,) = logger["filters"]
    assert seen["log_config"]["filters"][name]["()"] == "dangan.cli.web.WorkerRestartLog"


def test_a_restarted_worker_is_said_in_the_users_language() -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1,
                               "Child process [6392] died", None, None)
    assert cli_web.WorkerRestartLog().filter(record)
    assert record.getMessage() == t("web.serve.worker_restarted", pid="6392",
                                    timeout=cli_web.WORKER_HEALTHCHECK_SECONDS)
    assert "6392" in record.getMessage() and record.levelno == logging.WARNING
    other = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1,
                              "Started parent process [%s]", (5990,), None)
    assert cli_web.WorkerRestartLog().filter(other)
    assert other.getMessage() == "Started parent process [5990]"
