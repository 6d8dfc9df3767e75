"""Scan intake commands: check, renumber, ingest, fixity, watch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from dangan.cli.common import console, err_console, open_ctx, print_json
from dangan.errors import DefectsFound
from dangan.i18n import t


def _rules(archive_code_rule: str | None, folder_rule: str | None, page_rule: str | None) -> Any:
    from dangan.domain.naming import COURT_ARCHIVE_CODE, COURT_FOLDER, NamingRules

    if not (archive_code_rule or folder_rule or page_rule):
        return None
    return NamingRules.build(archive_code_rule or COURT_ARCHIVE_CODE, folder_rule or COURT_FOLDER,
                             page_rule or "{page_no:04d}")


def _print_report(report: Any) -> None:
    defects = report.defects
    if defects:
        table = Table(show_lines=False)
        for key in ("intake.col.path", "intake.col.code", "intake.col.severity",
                    "intake.col.message"):
            table.add_column(t(key))
        for d in defects:
            sev = t(f"intake.severity.{d.severity}")
            style = "red" if d.is_error else "yellow"
            table.add_row(d.path, d.code, f"[{style}]{sev}[/]", d.message)
        console.print(table)
    s = report.summary()
    console.print(t("intake.check.summary", volumes=s["volumes"], pages=s["pages"],
                    errors=s["errors"], warnings=s["warnings"]))


def check(
    scan_root: Path = typer.Argument(..., help="扫描目录（案卷文件夹所在目录，或一个案卷文件夹）"),
    project: Path = typer.Option(None, "--project", help="项目目录：使用其命名规则、扫描规格和案卷清单"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    names_only: bool = typer.Option(False, "--names-only", help="只检查名称，不读取图像"),
    archive_code_rule: str = typer.Option(None, "--archive-code-rule", help="档号规则（无 --project 时）"),
    folder_rule: str = typer.Option(None, "--folder-rule", help="文件夹命名规则（无 --project 时）"),
    page_rule: str = typer.Option(None, "--page-rule", help="页面文件命名规则（无 --project 时）"),
    workers: int = typer.Option(0, "--workers", help="并行进程数（0 = 每核一个）"),
) -> None:
    """检查扫描结果：缺页、重页、命名、图像损坏、分辨率、色彩、尺寸、空白页、页数。发现错误时退出码为 9。"""
    from dangan.services.intake import check_options, check_scan_root

    ctx = open_ctx(project) if project else None
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
    volume_dir: Path = typer.Argument(..., help="案卷文件夹"),
    files: list[Path] = typer.Argument(None, help="要插入的漏扫页面文件（按顺序）"),
    insert_before: str = typer.Option(None, "--insert-before", help="插在此页之前，如 0005"),
    insert_after: str = typer.Option(None, "--insert-after", help="插在此页之后（0 = 最前）"),
    remove: list[str] = typer.Option([], "--remove", help="移除的页（页号或文件名，可多次）"),
    close_gaps: bool = typer.Option(False, "--close-gaps", help="消除断号，从 0001 连续编号"),
    force: bool = typer.Option(False, "--force", help="案卷已入库时仍然修改（修改会被记录）"),
    project: Path = typer.Option(None, "--project", help="项目目录（命名规则；记录修改）"),
    worker: str = typer.Option("", "--worker", help="操作人"),
) -> None:
    """补扫插页、删除多扫、消除断号。有日志保护：中断后再次运行即可完成或回滚。"""
    from dangan.domain.naming import court_rules
    from dangan.services.intake import renumber_volume

    ctx = open_ctx(project) if project else None
    result = renumber_volume(volume_dir, rules=ctx.rules if ctx else court_rules(),
                             insert_before=insert_before, insert_after=insert_after,
                             files=files or [], remove=remove, close_gaps=close_gaps, force=force,
                             ctx=ctx, person=worker)
    if result.recovered:
        console.print(t(f"intake.renumber.{'recovered' if result.recovered == 'completed' else 'rolled_back'}",
                        state=result.recovered))
    if result.state in ("applied", "recovered"):
        console.print(t("intake.renumber.done", moves=result.moves, inserted=result.inserted,
                        removed=result.removed, pages=result.pages))
    else:
        console.print(t("intake.renumber.nothing"))


def ingest(
    home: Path = typer.Argument(..., help="项目目录"),
    scan_root: Path = typer.Argument(..., help="扫描目录"),
    worker: str = typer.Option(..., "--worker", help="扫描员姓名（签名）"),
    problem: list[str] = typer.Option([], "--problem", help="扫描中发现的纸质问题（可多次）"),
    problems_file: Path = typer.Option(None, "--problems-file", help="问题文件：每行一条"),
    workers: int = typer.Option(0, "--workers", help="并行进程数（0 = 每核一个）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检查后把案卷复制到“已扫描”区：逐文件 SHA-256 校验、登记页面、扫描环节签名、生成跟踪表。"""
    from dangan.services.intake import ingest as run_ingest
    from dangan.services.intake import read_problems

    ctx = open_ctx(home)
    problems = list(problem) + (read_problems(problems_file) if problems_file else [])
    result = run_ingest(ctx, scan_root, worker, problems, workers)
    if as_json:
        print_json({"volumes": [{"volume": v.volume, "state": v.state, "pages": v.pages,
                                 "bytes": v.bytes, "message": v.message,
                                 "defects": [d.to_dict() for d in v.defects]}
                                for v in result.volumes]})
    else:
        for v in result.volumes:
            out = console if v.state in ("ingested", "unchanged") else err_console
            out.print(v.message, highlight=False)
            for d in v.defects:
                err_console.print(f"  • {d.path} [{d.code}] {d.message}", highlight=False)
        console.print(t("intake.ingest.summary", ingested=result.count("ingested"),
                        unchanged=result.count("unchanged"),
                        refused=result.count("refused") + result.count("conflict")))
    if result.count("conflict"):
        from dangan.errors import ConflictError

        raise ConflictError("error.conflict")
    refused = [d for v in result.volumes if v.state == "refused" for d in v.defects if d.is_error]
    if result.count("refused"):
        raise DefectsFound("error.defects_found", count=len(refused) or result.count("refused"))


def fixity(
    home: Path = typer.Argument(..., help="项目目录"),
    area: str = typer.Option(None, "--area", help="只校验某个存储区（scanned/retouched/...）"),
) -> None:
    """重新计算每个已存文件的 SHA-256，与登记的校验值比对。不一致时退出码为 8。"""
    from dangan.services.intake import fixity as run_fixity

    report = run_fixity(open_ctx(home), area)
    console.print(t("intake.fixity.ok", count=report.checked))


def watch(
    home: Path = typer.Argument(..., help="项目目录"),
    scan_root: Path = typer.Argument(..., help="监视的扫描目录"),
    worker: str = typer.Option(..., "--worker", help="扫描员姓名（签名）"),
    marker: str = typer.Option(".dangan-complete", "--marker", help="表示案卷扫描完成的标记文件名"),
) -> None:
    """热文件夹：案卷文件夹中出现完成标记时自动检查并入库。Ctrl-C 停止。"""
    from dangan.intake.watch import REPORT
    from dangan.intake.watch import watch as run_watch
    from dangan.services.intake import ingest as run_ingest

    ctx = open_ctx(home)

    def handle(folder: str) -> dict[str, object]:
        result = run_ingest(ctx, Path(folder), worker)
        out: dict[str, object] = {"volumes": []}
        for v in result.volumes:
            key = "intake.watch.ingested" if v.state in ("ingested", "unchanged") else "intake.watch.refused"
            console.print(t(key, volume=v.volume, report=REPORT), highlight=False)
            out["volumes"].append({"volume": v.volume, "state": v.state,  # type: ignore[attr-defined]
                                   "message": v.message,
                                   "defects": [d.to_dict() for d in v.defects]})
        return out

    console.print(t("intake.watch.started", path=scan_root, marker=marker))
    run_watch(scan_root, marker, handle)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("renumber")(renumber)
    app.command("ingest")(ingest)
    app.command("fixity")(fixity)
    app.command("watch")(watch)
