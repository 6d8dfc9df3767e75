"""Shared CLI helpers: consoles, project option, JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from dangan.services.project import ProjectContext

console = Console()
err_console = Console(stderr=True)

ProjectDir = typer.Argument(Path("."), help="项目目录（含 dangan.toml）", show_default=False)


def print_json(data: Any) -> None:
    """Machine-readable output: UTF-8 JSON on stdout, Chinese kept as is."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def open_ctx(home: Path) -> ProjectContext:
    from dangan.services.project import open_project

    return open_project(home)
