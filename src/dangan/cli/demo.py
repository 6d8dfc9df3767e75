"""``dangan demo``: the main job on embedded defaults."""

from __future__ import annotations

from pathlib import Path

import typer

from dangan.cli.common import console


def demo(
    home: Path = typer.Option(Path("./demo-project"), "-p", "--project"),
    volumes: int = typer.Option(4, "--volumes", min=1, max=200),
    seed: int = typer.Option(2026, "--seed"),
) -> None:
    """演示：新建项目、生成样例扫描件，并把整条生产线从借卷跑到还卷。"""
    from dangan.cli.foundation import status
    from dangan.demo import run_demo

    summary = run_demo(home, volumes=volumes, seed=seed,
                       say=lambda line: console.print(line, highlight=False))
    status(home=summary.home, as_json=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
