"""``dangan serve`` (the web application under uvicorn) and ``dangan user add|passwd|disable``
(web accounts: the first administrator, scan-station accounts for scripts)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from dangan.cli.common import Project, console, open_ctx
from dangan.i18n import t

user_app = typer.Typer(help="cli.help.user", no_args_is_help=True)

Login = typer.Argument(..., metavar="LOGIN", help="cli.opt.web.login")
Password = typer.Option(None, "--password", help="cli.opt.web.password")


def _password(login: str, given: str | None) -> str:
    """``--password``, else asked twice at the terminal; with no terminal to ask at (a
    script, a service, stdin closed) a usage error saying to give ``--password``."""
    import sys

    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise typer.BadParameter(t("web.account.no_terminal", login=login),
                                 param_hint="--password")
    value: str = typer.prompt(t("web.account.password_prompt", login=login), hide_input=True,
                              confirmation_prompt=True)
    return value


def _by() -> str:
    """Who ran an account command, for its ``web_account`` event: ``cli:<OS login>`` (the
    account commands have no worker of their own: ``-w`` names the account's worker)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name known to the system (a bare container)
        return "cli"


# Seconds a worker process has to answer uvicorn's health check (uvicorn's own default: 5).
# A new worker answers only once its interpreter has started and imported dangan; on a busy
# machine that takes longer than 5 s, and uvicorn would kill and restart it for ever.
WORKER_HEALTHCHECK_SECONDS = 120
_WORKER_DIED = re.compile(r"Child process \[(\d+)\] died")


class WorkerRestartLog(logging.Filter):
    """uvicorn's "Child process [N] died" (a worker that exited, or did not answer its health
    check in time, killed and started again) said in the user's language, with what to
    look at when it repeats."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = _WORKER_DIED.fullmatch(record.getMessage())
        if found:
            record.msg = t("web.serve.worker_restarted", pid=found.group(1),
                           timeout=WORKER_HEALTHCHECK_SECONDS)
            record.args = ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def uvicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """What ``serve`` runs uvicorn with (besides the application)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config.setdefault("filters", {})["dangan_worker_restart"] = {
        "()": f"{__name__}.WorkerRestartLog"}
    log_config["loggers"]["uvicorn.error"]["filters"] = ["dangan_worker_restart"]
    # loop/http "auto": uvloop and httptools when installed, asyncio and h11 otherwise; each
    # worker process serves requests on at most dangan.web.app.THREADS threads, one pooled
    # database connection each
    return {"factory": True, "host": host, "port": port, "workers": workers,
            "proxy_headers": True, "log_level": "info", "loop": "auto", "http": "auto",
            "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
            "log_config": log_config}


def check_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` once and let go, as uvicorn will (``SO_REUSEADDR``): a port another
    process listens on, or one this user may not take, is refused at once, naming it —
    rather than after the application has started, in uvicorn's English."""
    import errno
    import socket

    from dangan.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError("web.serve.cannot_listen", address=f"{host}:{port}",
                          detail=exc.strerror or str(exc)) from exc
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            key = ("web.serve.port_in_use" if exc.errno == errno.EADDRINUSE
                   else "web.serve.cannot_listen")
            raise ConfigError(key, address=f"{host}:{port}",
                              detail=exc.strerror or str(exc)) from exc


def serve(project: Path = Project,
          host: str = typer.Option("127.0.0.1", "--host", help="cli.opt.serve.host"),
          port: int = typer.Option(8000, "--port", min=1, max=65535, help="cli.opt.serve.port"),
          workers: int = typer.Option(1, "--workers", min=1, help="cli.opt.serve.workers")) -> None:
    """Serve the project's web application; worker processes build it from the environment."""
    import secrets

    import uvicorn

    from dangan.web.settings import LOGIN_KEY_ENV, PROJECT_ENV

    ctx = open_ctx(project)  # refuses a missing or outdated project before listening
    check_port_free(host, port)
    os.environ[PROJECT_ENV] = str(ctx.home)
    # the key signing the login form's token, the same in every worker process
    os.environ.setdefault(LOGIN_KEY_ENV, secrets.token_hex(32))
    console.print(escape(t("web.serve.listening", host=host, port=port, project=ctx.config.project.name)))
    uvicorn.run("dangan.web.app:app_from_env", **uvicorn_options(host, port, workers))


@user_app.command("add", help="cli.help.user.add")
def user_add(login: str = Login, project: Path = Project,
             worker: str = typer.Option(None, "-w", "--worker", help="cli.opt.web.worker"),
             role: list[str] = typer.Option(None, "--role", help="cli.opt.web.role"),
             password: str = Password) -> None:
    from dangan.web.accounts import add_user

    ctx = open_ctx(project)
    row = add_user(ctx, login, _password(login, password), worker=worker, roles=role or [],
                   by=_by())
    console.print(escape(t("web.account.added", login=row.login, worker=row.name)))


@user_app.command("passwd", help="cli.help.user.passwd")
def user_passwd(login: str = Login, project: Path = Project, password: str = Password) -> None:
    from dangan.web.accounts import set_password

    ctx = open_ctx(project)
    enabled = set_password(ctx, login, _password(login, password), by=_by())
    console.print(escape(t("web.account.password_set_enabled" if enabled
                           else "web.account.password_set", login=login)))


@user_app.command("disable", help="cli.help.user.disable")
def user_disable(login: str = Login, project: Path = Project) -> None:
    from dangan.web.accounts import disable_user

    ctx = open_ctx(project)
    disable_user(ctx, login, by=_by())
    console.print(escape(t("web.account.disabled", login=login)))


def register(app: typer.Typer) -> None:
    app.command("serve", help="cli.help.serve")(serve)
    app.add_typer(user_app, name="user")
