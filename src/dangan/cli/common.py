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
from rich.console import Console, ConsoleDimensions

if TYPE_CHECKING:
    from dangan.services.project import ProjectContext

# The width a table is laid out in when written to a file or a pipe with no COLUMNS given:
# wide enough that no cell is folded (tables take only the width their cells need).
UNWRAPPED_WIDTH = 1000


class _Console(Console):
    """Rich's console, except that written to a file or a pipe (not a terminal) no line is cut
    in two, so a log can be searched line by line: every message is printed on one line however
    long (soft wrap), and a table is laid out at its natural width unless ``COLUMNS`` gives
    one. Printed to a terminal, everything is as Rich does it (folded at the terminal's width).
    Decided at each print: the same console serves a terminal, a file, or a test's capture."""

    @property
    def soft_wrap(self) -> bool:
        return self._soft_wrap or not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._soft_wrap = value

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self.is_terminal or self._width is not None or "COLUMNS" in self._environ:
            return size
        return ConsoleDimensions(UNWRAPPED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


console = _Console()
err_console = _Console(stderr=True, soft_wrap=True)  # error lines are never cut in two

PROJECT_ENV = "DANGAN_PROJECT"

# ``-p/--project``: the project home, default "." (or DANGAN_PROJECT).
Project = typer.Option(Path("."), "-p", "--project", envvar=PROJECT_ENV, show_default=False,
                       show_envvar=False, help="cli.opt.project")
# ``-p/--project`` where a project is optional: given, the command works on the project;
# absent, on plain folders (so DANGAN_PROJECT does not apply).
OptionalProject = typer.Option(None, "-p", "--project", help="cli.opt.project_optional")
AsJson = typer.Option(False, "--json", help="cli.opt.json")


def default_project() -> Path | None:
    """The project a command with an optional ``-p`` works on when none is given, found as
    every command finds it: ``DANGAN_PROJECT``, else the current directory if it is a project
    home (holds ``dangan.toml``); None when there is none."""
    import os

    from dangan.config import CONFIG_FILE

    env = os.environ.get(PROJECT_ENV)
    if env:
        return Path(env)
    return Path(".") if Path(CONFIG_FILE).is_file() else None


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
