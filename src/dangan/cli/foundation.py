"""Project home commands: init, db upgrade, volumes import, status."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.i18n import catalogue, join, t
from dangan.storage import Area

db_app = typer.Typer(help="cli.help.db", no_args_is_help=True)
volumes_app = typer.Typer(help="cli.help.volumes", no_args_is_help=True)


def init(
    home: Path = Project,
    template: str = typer.Option("court", "--template"),
    name: str = typer.Option(None, "--name"),
    client: str = typer.Option("", "--client"),
    database_url: str = typer.Option("", "--database-url"),
    storage_url: str = typer.Option("", "--storage-url"),
) -> None:
    """新建项目：写入 dangan.toml，建立数据库和存储区（已扫描/已修图/制作目录/已上传）。"""
    from dangan.services.project import _safe_url, init_project

    ctx = init_project(home, template, name=name, client=client, database=database_url,
                       storage=storage_url)
    console.print(escape(t("project.created", name=ctx.config.project.name, path=ctx.home)))
    if database_url:
        console.print(escape(t("project.created_database", url=_safe_url(ctx.config.database.url))))
    if storage_url:
        console.print(escape(t("project.created_storage", url=ctx.config.storage.url)))


@db_app.command("upgrade")
def db_upgrade(home: Path = Project) -> None:
    """把数据库升级到最新结构。"""
    from dangan.services.project import _safe_url, open_project

    ctx = open_project(home, upgrade=True)
    console.print(escape(t("project.db_upgraded", url=_safe_url(ctx.database_url))))


@volumes_app.command("import")
def volumes_import(
    file: Path = typer.Argument(..., metavar="FILE"),
    home: Path = Project,
    update: bool = typer.Option(False, "--update"),
    worker: str = worker_option("cli.opt.volume_updater", required=False),
) -> None:
    """导入委托方的案卷清单（档号、题名、年度、存放位置、页数）。整表要么全部导入，要么不导入。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.volumes import import_volumes

    ctx = open_ctx(home)
    summary = import_volumes(ctx, file, update=update,
                             actor=resolve_actor(ctx, worker) if worker else None)
    for line in summary.changes:
        console.print(f"  • {escape(str(line))}", highlight=False)
    console.print(escape(summary.message()))


def status(
    home: Path = Project,
    as_json: bool = AsJson,
) -> None:
    """项目状态：各环节案卷数、各存储区文件数、未处理问题。"""
    from dangan.services.volumes import project_status

    st = project_status(open_ctx(home, read_only=True))
    if as_json:
        print_json(asdict(st))
        return
    console.print(f"[bold]{escape(t('status.title', name=st.name))}[/]")
    sep = t("status.sep")  # "：" in Chinese, ": " in English
    console.print(f"{t('status.database')}{sep}{escape(st.database)}", highlight=False)
    console.print(f"{t('status.storage')}{sep}{escape(st.storage)}", highlight=False)
    console.print(f"{t('status.volumes')}{sep}{st.volumes}    {t('status.pages_expected')}{sep}"
                  f"{st.pages_expected}    {t('status.open_defects')}{sep}{st.open_defects}")
    stages = Table(t("status.stage"), t("status.count"))
    for stage, count in sorted(st.by_stage.items()):
        stages.add_row(t(f"stage.{stage}"), str(count))
    console.print(stages)
    areas = Table(t("status.area"), t("status.files"))
    for area, count in sorted(st.files_by_area.items()):
        label = Area[area.upper()].value if area.upper() in Area.__members__ else area
        areas.add_row(label, str(count))
    console.print(areas)
    if st.page_differs:  # registered ≠ scanned pages: to settle with the client
        console.print(f"[yellow]{escape(t('volumes.page_differs', count=len(st.page_differs), volumes=chr(10).join(st.page_differs)))}[/]",
                      highlight=False)
    if st.unfinished:
        console.print(f"[yellow]{escape(t('faults.status_unfinished', count=len(st.unfinished), codes=join(st.unfinished[:20])))}[/]",
                      highlight=False)


SHOWN_DEFECTS = 200  # rows printed; --json gives them all


def _label(prefix: str, value: str | None) -> str:
    """A value in words where the catalogue has them, else as recorded."""
    if not value:
        return ""
    return t(prefix + value) if prefix + value in catalogue() else value


def defects(
    home: Path = Project,
    volume: str = typer.Option(None, "--volume"),
    all_: bool = typer.Option(False, "--all"),
    as_json: bool = AsJson,
) -> None:
    """未处理的问题逐条列出：卷、页、问题、来源、环节（只读）。"""
    from dangan.services.defects import list_defects

    rows = list_defects(open_ctx(home, read_only=True), volume=volume, include_closed=all_)
    if as_json:
        print_json([{**asdict(r), "found_at": r.found_at.isoformat()} for r in rows])
        return
    if not rows:
        console.print(escape(t("defects.none_ever" if all_ else "defects.none")))
        return
    table = Table()
    table.add_column(t("defects.volume"), no_wrap=True)  # an archive code is never folded
    table.add_column(t("defects.page"), no_wrap=True, justify="right")
    table.add_column(t("defects.level"), no_wrap=True)
    table.add_column(t("defects.what"), ratio=1, overflow="fold")
    for key in ("defects.source", "defects.stage", "defects.status"):
        table.add_column(t(key))
    for r in rows[:SHOWN_DEFECTS]:
        table.add_row(escape(r.volume), "" if r.page is None else str(r.page),
                      t(f"retouch.level.{r.severity}"),
                      escape(t("defects.numbered", id=r.id, what=r.message or r.code)),
                      _label("defects.source_", r.source), _label("stage.", r.stage),
                      _label("defects.status_", r.status))
    console.print(table)
    errors = sum(r.severity == "error" for r in rows)
    console.print(escape(t("defects.count", count=len(rows), errors=errors)))
    if len(rows) > SHOWN_DEFECTS:
        console.print(escape(t("defects.more", count=len(rows) - SHOWN_DEFECTS)))


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)
    app.command("defects")(defects)
    app.add_typer(db_app, name="db")
    app.add_typer(volumes_app, name="volumes")
