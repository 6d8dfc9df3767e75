"""Shared CLI helpers: consoles, the two options every command spells the same way, JSON output.

The convention (held by ``tests/cli/test_convention.py``):
- the project home is always ``-p/--project DIR`` (default: the current directory, or
  ``DANGAN_PROJECT``);
- the person of the line doing the work is always ``-w/--worker NAME``; where the archive
  room's side signs too, its person has its own clearly named option (``--archive-staff``,
  ``--archive-leader``).
Help texts are catalogue keys (``cli.help.*``, ``cli.opt.*``), rendered in the language of
``--lang`` / ``DANGAN_LANG`` by ``dangan.cli.localise``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from dangan.services.project import ProjectContext

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines are never cut in two

PROJECT_ENV = "DANGAN_PROJECT"

# ``-p/--project``: the project home, default "." (or DANGAN_PROJECT).
Project = typer.Option(Path("."), "-p", "--project", envvar=PROJECT_ENV, show_default=False,
                       show_envvar=False, help="cli.opt.project")
# ``-p/--project`` where a project is optional: given, the command works on the project;
# absent, on plain folders (so DANGAN_PROJECT does not apply).
OptionalProject = typer.Option(None, "-p", "--project", help="cli.opt.project_optional")
AsJson = typer.Option(False, "--json", help="cli.opt.json")


def worker_option(help_key: str = "cli.opt.worker", required: bool = True) -> Any:
    """``-w/--worker NAME``: a registered worker of the line (help says which role)."""
    return typer.Option(... if required else None, "-w", "--worker", help=help_key)


def _check_stage(value: str | None) -> str | None:
    """``--stage``: a stage name dangan knows, else a usage error (exit 2) listing them."""
    from dangan.domain.workflow import ALL_STAGES
    from dangan.i18n import t

    if value is None or value in ALL_STAGES:
        return value
    choices = ", ".join(t("cli.usage.stage_choice", name=s, label=t(f"stage.{s}"))
                        for s in ALL_STAGES)
    raise typer.BadParameter(t("cli.usage.bad_stage", value=value, choices=choices))


def stage_option(help_key: str = "cli.opt.stage") -> Any:
    """``--stage NAME``: one of the stage names (``scan``, ``retouch``, …), checked at once."""
    return typer.Option(None, "--stage", callback=_check_stage, help=help_key)


def print_json(data: Any) -> None:
    """Machine-readable output: UTF-8 JSON on stdout, Chinese kept as is."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def open_ctx(home: Path, *, read_only: bool = False) -> ProjectContext:
    """Open the project; ``read_only`` for commands that only look (they cannot write)."""
    from dangan.services.project import open_project

    return open_project(home, writable=not read_only)
