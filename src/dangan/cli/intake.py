"""Scan intake commands: check, renumber, ingest, fixity, watch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import (
    AsJson,
    OptionalProject,
    Project,
    console,
    default_project,
    err_console,
    open_ctx,
    print_json,
    worker_option,
)
from dangan.errors import DanganError, DefectsFound, StorageError
from dangan.i18n import t


def _rules(archive_code_rule: str | None, folder_rule: str | None, page_rule: str | None) -> Any:
    from dangan.domain.naming import COURT_ARCHIVE_CODE, COURT_FOLDER, NamingRules

    if not (archive_code_rule or folder_rule or page_rule):
        return None
    from dangan.config import balanced_braces

    for option, rule in (("--archive-code-rule", archive_code_rule), ("--folder-rule", folder_rule),
                         ("--page-rule", page_rule)):
        try:
            balanced_braces(rule or "")
        except ValueError as exc:  # a usage error, like any bad option value (exit 2)
            raise typer.BadParameter(str(exc), param_hint=option) from None
    return NamingRules.build(archive_code_rule or COURT_ARCHIVE_CODE, folder_rule or COURT_FOLDER,
                             page_rule or "{page_no:04d}")


def _print_report(report: Any) -> None:
    defects = report.defects
    if defects:
        table = Table(show_lines=False)
        table.add_column(t("intake.col.path"), overflow="fold")  # a location is never cut
        table.add_column(t("intake.col.code"), overflow="fold")
        table.add_column(t("intake.col.severity"), no_wrap=True)
        table.add_column(t("intake.col.message"), overflow="fold")
        for d in defects:
            sev = t(f"intake.severity.{d.severity}")
            style = "red" if d.is_error else "yellow"
            table.add_row(d.path, d.code, f"[{style}]{sev}[/]", d.message)
        console.print(table)
    s = report.summary()
    console.print(escape(t("intake.check.summary", volumes=s["volumes"], pages=s["pages"],
                           errors=s["errors"], warnings=s["warnings"])))


def check(
    scan_root: Path = typer.Argument(..., metavar="SCAN_ROOT"),
    project: Path = OptionalProject,
    as_json: bool = AsJson,
    names_only: bool = typer.Option(False, "--names-only"),
    archive_code_rule: str = typer.Option(None, "--archive-code-rule"),
    folder_rule: str = typer.Option(None, "--folder-rule"),
    page_rule: str = typer.Option(None, "--page-rule"),
    workers: int = typer.Option(0, "--workers"),
) -> None:
    """检查扫描结果：缺页、重页、命名、图像损坏、分辨率、色彩、尺寸、空白页、页数。发现错误时退出码为 9。"""
    from dangan.services.intake import check_scan_root
    from dangan.services.scan_lookup import check_options

    home = project or default_project()
    ctx = open_ctx(home, read_only=True) if home else None
    if ctx is None:  # said, so a check meant for a project is not taken for one
        (err_console if as_json else console).print(escape(t("intake.check.no_project")))
    options = check_options(ctx, rules=_rules(archive_code_rule, folder_rule, page_rule),
                            content=not names_only, workers=workers)
    report = check_scan_root(scan_root, options)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    errors = report.summary()["errors"]
    if errors:
        raise DefectsFound("error.defects_found", count=errors)


def renumber(
    volume_dir: Path = typer.Argument(..., metavar="VOLUME_DIR"),
    files: list[Path] = typer.Argument(None, metavar="[FILES]"),
    insert_before: str = typer.Option(None, "--insert-before"),
    insert_after: str = typer.Option(None, "--insert-after"),
    remove: list[str] = typer.Option([], "--remove"),
    close_gaps: bool = typer.Option(False, "--close-gaps"),
    force: bool = typer.Option(False, "--force"),
    project: Path = OptionalProject,
    worker: str = worker_option("cli.opt.renumber.worker", required=False),
) -> None:
    """补扫插页、删除多扫、消除断号。有日志保护：中断后再次运行即可完成或回滚。"""
    from dangan.domain.naming import court_rules
    from dangan.services.engine import resolve_actor
    from dangan.services.renumber import renumber_volume

    ctx = open_ctx(project) if project else None
    result = renumber_volume(volume_dir, rules=ctx.rules if ctx else court_rules(),
                             insert_before=insert_before, insert_after=insert_after,
                             files=files or [], remove=remove, close_gaps=close_gaps, force=force,
                             ctx=ctx, actor=resolve_actor(ctx, worker) if ctx and worker else None)
    if result.recovered:
        console.print(escape(t(f"intake.renumber.{'recovered' if result.recovered == 'completed' else 'rolled_back'}",
                               state=result.recovered)))
    if result.state in ("applied", "recovered"):
        console.print(escape(t("intake.renumber.done", moves=result.moves, inserted=result.inserted,
                               removed=result.removed, pages=result.pages)))
    elif result.state == "already_applied":
        console.print(t("intake.renumber.already_applied"))
    else:
        console.print(t("intake.renumber.nothing"))


def ingest(
    scan_root: Path = typer.Argument(..., metavar="SCAN_ROOT"),
    worker: str = worker_option("cli.opt.scan_operator"),
    home: Path = Project,
    problem: list[str] = typer.Option([], "--problem"),
    problems_file: Path = typer.Option(None, "--problems-file"),
    workers: int = typer.Option(0, "--workers"),
    as_json: bool = AsJson,
) -> None:
    """检查后把案卷复制到“已扫描”区：逐文件 SHA-256 校验、登记页面、扫描环节签名、生成跟踪表。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.ingest_report import IngestReport
    from dangan.services.intake import ingest as run_ingest
    from dangan.services.intake import read_problems

    try:
        ctx = open_ctx(home)
    except StorageError as exc:  # the storage root unreachable: stopped before the first volume
        if exc.key in ROOT_UNREACHABLE and (first := _first_volume_folder(scan_root)):
            _print_ingest(IngestReport(stopped_at=first), as_json, exc)
        raise
    problems = list(problem) + (read_problems(problems_file) if problems_file else [])
    result = IngestReport()
    try:
        run_ingest(ctx, resolve_actor(ctx, worker), scan_root, problems, workers, into=result)
    except (DanganError, KeyboardInterrupt) as exc:
        if result.check is not None:  # it stopped among the volumes: say what it did first
            _print_ingest(result, as_json, exc)
        raise
    _print_ingest(result, as_json)
    if result.count("conflict"):
        from dangan.errors import ConflictError

        raise ConflictError("error.conflict")
    refused = [d for v in result.volumes if v.state == "refused" for d in v.defects if d.is_error]
    if result.count("refused"):
        raise DefectsFound("error.defects_found", count=len(refused) or result.count("refused"))


ROOT_UNREACHABLE = ("storage.root_missing", "storage.root_empty")


def _first_volume_folder(scan_root: Path) -> str:
    """The first folder under ``scan_root`` (in name order, hidden ones aside) holding files:
    the volume a run refused at its start stopped at; "" when there is none."""
    import os

    if not scan_root.is_dir():
        return ""
    for top, dirs, files in os.walk(scan_root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if Path(top) != scan_root and any(not f.startswith(".") for f in files):
            return Path(top).name
    return ""


def _print_ingest(result: Any, as_json: bool,
                  stopped: DanganError | KeyboardInterrupt | None = None) -> None:
    """Each volume's outcome and the summary, or, when an error ``stopped`` the run, the
    volumes done before it and where it stopped (the error itself is printed at the edge)."""
    if as_json:
        data: dict[str, Any] = {"volumes": [
            {"volume": v.volume, "state": v.state, "pages": v.pages, "bytes": v.bytes,
             "message": v.message, "signed": v.signed, "finished": v.finished, "key": v.key,
             "defects": [d.to_dict() for d in v.defects]} for v in result.volumes],
            "warnings": [d.to_dict() for d in _tree_warnings(result)]}
        if stopped is not None:
            error = stopped.to_dict() if isinstance(stopped, DanganError) else {
                "error": "KeyboardInterrupt", "key": "error.interrupted",
                "message": t("error.interrupted"), "details": [], "exit_code": 130,
                "params": {}}
            data["stopped"] = {"volume": result.stopped_at, **error}
        print_json(data)
        return
    for v in result.volumes:
        out = console if v.state in ("ingested", "unchanged") else err_console
        out.print(v.message, highlight=False)
        for d in v.defects:
            err_console.print(escape(f"  • {d.path} [{d.code}] {d.message}"), highlight=False)
    for d in _tree_warnings(result):  # a volume of the batch with no folder here…
        err_console.print(escape(f"  • {d.path or d.volume} [{d.code}] {d.message}"),
                          highlight=False)
    if stopped is not None:
        err_console.print(escape(t(
            "intake.ingest.stopped", volume=result.stopped_at or "-",
            code=stopped.exit_code if isinstance(stopped, DanganError) else 130,
            ingested=result.count("ingested"), signed=sum(v.signed for v in result.volumes))),
            highlight=False)
        return
    console.print(escape(t("intake.ingest.summary", ingested=result.count("ingested"),
                           unchanged=result.count("unchanged"),
                           finished=sum(v.finished for v in result.volumes),
                           refused=result.count("refused") + result.count("conflict"),
                           signed=sum(v.signed for v in result.volumes))))


def _tree_warnings(result: Any) -> list[Any]:
    """The check's warnings outside any volume folder (errors are refused volumes already)."""
    check = getattr(result, "check", None)
    return [d for d in (check.other_defects if check is not None else []) if not d.is_error]


def _area_key(value: str | None) -> str | None:
    """``--area``: an area's key (scanned) or its folder name (已扫描); anything else is a usage
    error, never a check of zero files."""
    from dangan.storage import Area

    if value is None:
        return None
    for area in Area:
        if value.strip().lower() in (area.key, area.value):
            return area.key
    raise typer.BadParameter(t("cli.bad_area", value=value, choices=", ".join(
        f"{a.key}/{a.value}" for a in Area)))


def fixity(
    home: Path = Project,
    area: str = typer.Option(None, "--area", callback=_area_key),
) -> None:
    """重新计算每个已存文件的 SHA-256，与登记的校验值比对。不一致时退出码为 8。"""
    from dangan.services.fixity import fixity as run_fixity

    report = run_fixity(open_ctx(home, read_only=True), area)
    console.print(escape(t("intake.fixity.ok", count=report.checked)))


def watch(
    scan_root: Path = typer.Argument(..., metavar="SCAN_ROOT"),
    worker: str = worker_option("cli.opt.scan_operator"),
    home: Path = Project,
    marker: str = typer.Option(".dangan-complete", "--marker"),
) -> None:
    """热文件夹：案卷文件夹中出现完成标记时自动检查并入库。Ctrl-C 停止。"""
    from dangan.intake.watch import REPORT, plain_name, record_marker
    from dangan.intake.watch import watch as run_watch
    from dangan.services.engine import resolve_actor
    from dangan.services.intake import ingest as run_ingest

    if not plain_name(marker):  # a path never matches a file's name: a usage error (exit 2)
        raise typer.BadParameter(t("intake.watch.bad_marker", marker=marker),
                                 param_hint="'--marker'")
    ctx = open_ctx(home)
    actor = resolve_actor(ctx, worker)
    record_marker(ctx.home, marker)  # cleanup counts it as bookkeeping, like the default

    def handle(folder: str) -> dict[str, object]:
        result = run_ingest(ctx, actor, Path(folder))
        out: dict[str, object] = {"volumes": []}
        for v in result.volumes:
            key = "intake.watch.ingested" if v.state in ("ingested", "unchanged") else "intake.watch.refused"
            console.print(escape(t(key, volume=v.volume, report=REPORT)), highlight=False)
            out["volumes"].append({"volume": v.volume, "state": v.state,  # type: ignore[attr-defined]
                                   "message": v.message,
                                   "defects": [d.to_dict() for d in v.defects]})
        return out

    console.print(escape(t("intake.watch.started", path=scan_root, marker=marker)))
    run_watch(scan_root, marker, handle)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("renumber")(renumber)
    app.command("ingest")(ingest)
    app.command("fixity")(fixity)
    app.command("watch")(watch)
