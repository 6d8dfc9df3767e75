"""Tracking sheet commands: sheets rebuild."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json
from dangan.i18n import join, t

sheets_app = typer.Typer(help="cli.help.sheets", no_args_is_help=True)


@sheets_app.command("rebuild")
def rebuild(
    project: Path = Project,
    volumes: list[str] = typer.Option(None, "--volume", help="cli.opt.sheets.rebuild.volumes"),
    as_json: bool = AsJson,
) -> None:
    """从数据库重建签字后未能重建的跟踪表，逐卷报告结果。"""
    from dangan.errors import StorageError
    from dangan.services import sheet_rebuild as sr

    outcomes = sr.rebuild_sheets(open_ctx(project), volumes or [])
    if as_json:
        print_json([asdict(o) for o in outcomes])
    else:
        for o in outcomes:
            console.print(escape(t(f"sheets.{o.outcome}", code=o.archive_code, path=o.path,
                                   sha256=o.sha256, place=o.place, cause=o.cause)))
        count = {kind: sum(o.outcome == kind for o in outcomes)
                 for kind in (sr.REBUILT, sr.UP_TO_DATE, sr.FAILED)}
        console.print(escape(t("sheets.summary", total=len(outcomes), rebuilt=count[sr.REBUILT],
                               current=count[sr.UP_TO_DATE], failed=count[sr.FAILED])))
    failed = [o.archive_code for o in outcomes if o.outcome == sr.FAILED]
    if failed:
        shown = [*failed[:10], "…"] if len(failed) > 10 else failed
        raise StorageError("sheets.some_failed", count=len(failed), codes=join(shown))


def register(app: typer.Typer) -> None:
    app.add_typer(sheets_app, name="sheets")
