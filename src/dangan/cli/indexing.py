"""Indexing, packaging, link data and handover commands (thin: the rules live in services)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.errors import DefectsFound, InputError
from dangan.i18n import join, t

index_app = typer.Typer(help="cli.help.index", no_args_is_help=True)
link_app = typer.Typer(help="cli.help.link", no_args_is_help=True)
handover_app = typer.Typer(help="cli.help.handover", no_args_is_help=True)


def _print_defects(defects: list[Any], as_json: bool, summary: str) -> None:
    if as_json:
        print_json([d.to_dict() for d in defects])
    else:
        if defects:
            table = Table()
            table.add_column(t("index.col_volume"), no_wrap=True)
            table.add_column(t("index.col_path"), overflow="fold")  # a location is never cut
            table.add_column(t("index.col_code"), no_wrap=True)
            table.add_column(t("index.col_message"), overflow="fold")
            for d in defects:
                style = "red" if d.is_error else "yellow"
                table.add_row(d.volume or "", d.path, f"[{style}]{d.code}[/]", d.message)
            console.print(table)
        console.print(escape(summary))
    errors = sum(1 for d in defects if d.is_error)
    if errors:
        raise DefectsFound("error.defects_found", count=errors)


@index_app.command("template")
def index_template(
    project: Path = Project,
    out: Path = typer.Option(Path("卷内目录模板.xlsx"), "--out", "-o"),
) -> None:
    """下载本项目的目录模板（卷宗信息 + 卷内目录 两个工作表，已列出登记的案卷）。"""
    from dangan.services.indexing import write_template

    path = write_template(open_ctx(project), out)
    console.print(escape(t("index.template_written", path=path)))


@index_app.command("import")
def index_import(
    files: list[Path] = typer.Argument(..., metavar="FILES"),
    project: Path = Project,
    replace: bool = typer.Option(False, "--replace"),
    worker: str = worker_option("cli.opt.indexer"),
    correction: str = typer.Option("", "--correction", help="cli.opt.index.import.correction"),
) -> None:
    """导入卷宗信息与卷内目录。有任何错误时整批不导入，并逐行列出错误。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.indexing import import_catalogue

    ctx = open_ctx(project)
    actor = resolve_actor(ctx, worker)
    result = import_catalogue(ctx, actor, files, replace=replace, correction=correction)
    for note in result.notes:
        console.print(f"  • {escape(note)}", highlight=False)
    if result.volumes or not (result.unchanged or result.skipped):
        console.print(escape(t("index.imported", volumes=result.volumes, items=result.items,
                               replaced=result.replaced, stored=", ".join(result.stored_as))))
    for key, codes in (("index.unchanged", result.unchanged), ("index.unfilled_skipped", result.skipped),
                       ("index.blank_kept", result.kept_blank)):
        if codes:
            console.print(escape(t(key, count=len(codes),
                                   codes=join(codes[:10]) + ("…" if len(codes) > 10 else ""))))
    _print_signed(actor.name, "index", result.signed, result.unsigned)


def _print_signed(worker: str, stage: str, codes: list[str],
                  unsigned: Sequence[str] = ()) -> None:
    """Say which volumes the work signed, and for whom (as every stage's command does), and
    why the others recorded were not signed (the batch not claimed by this worker, …)."""
    if codes:
        console.print(escape(t("stage.signed_volumes", worker=worker, stage=t(f"stage.{stage}"),
                               count=len(codes), codes=join(codes))))
    for line in dict.fromkeys(unsigned):
        console.print(f"[yellow]•[/] {escape(line)}")


@index_app.command("check")
def index_check(
    project: Path = Project,
    volume: str = typer.Option(None, "--volume"),
    as_json: bool = AsJson,
) -> None:
    """检查卷内目录：缺漏、重叠、超出末页、顺序、必填项、日期、件数/页数。发现错误时退出码为 9。"""
    from dangan.services.indexing import check_index_counted

    ctx = open_ctx(project, read_only=True)
    defects, checked = check_index_counted(ctx, volume)
    errors = sum(1 for d in defects if d.is_error)
    summary = t("index.check_ok", volumes=checked) if not defects else \
        t("index.check_found", volumes=checked, errors=errors, warnings=len(defects) - errors,
          with_defects=len({d.volume for d in defects}))
    _print_defects(defects, as_json, summary)


@index_app.command("compare")
def index_compare(
    project: Path = Project,
    first: Path = typer.Option(..., "--first"),
    second: Path = typer.Option(..., "--second"),
    typists: str = typer.Option("", "--typists"),
    out: Path = typer.Option(None, "--out", "-o"),
    as_json: bool = AsJson,
) -> None:
    """一稿双录：逐字段、逐字比对两次录入，列出差异供第三人核对。"""
    from dangan.services.indexing import compare_keyings

    names = [*typists.split(","), "", ""][:2] if typists else ["", ""]
    diffs = compare_keyings(open_ctx(project), first, second, (names[0].strip(), names[1].strip()))
    rows = [[d.volume, t("index.record") if d.where == "record" else t("index.entry", seq=d.seq),
             d.field, d.first, d.second, d.marked()] for d in diffs]
    headers = [t(k) for k in ("index.col_volume", "index.col_where", "index.col_field",
                              "index.col_first", "index.col_second", "index.col_diff")]
    if out:
        from dangan.export.catalogue_xlsx import write_differences

        with out.open("wb") as fh:
            write_differences(fh, rows, headers)
    if as_json:
        print_json([d.to_dict() for d in diffs])
        return
    if diffs:
        table = Table(*headers)
        for row in rows:
            table.add_row(*(str(c) for c in row))
        console.print(table)
        console.print(escape(t("index.compare_diffs", count=len(diffs))))
    else:
        console.print(escape(t("index.compare_same", volumes=len({d.volume for d in diffs}) or "-")))


@index_app.command("resolve")
def index_resolve(
    final: Path = typer.Argument(..., metavar="FINAL"),
    by: str = worker_option("cli.opt.index.resolve.worker"),
    project: Path = Project,
) -> None:
    """记录一稿双录的核对结果（每处差异采用了哪一稿），并导入定稿。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.indexing import resolve_keying

    ctx = open_ctx(project)
    actor = resolve_actor(ctx, by)
    result = resolve_keying(ctx, actor, final)
    console.print(escape(t("index.imported", volumes=result.volumes, items=result.items,
                           replaced=result.replaced, stored=", ".join(result.stored_as))))
    _print_signed(actor.name, "index", result.signed, result.unsigned)


def package(
    project: Path = Project,
    form: str = typer.Option(None, "--form"),
    volume: str = typer.Option(None, "--volume"),
    ocr: bool = typer.Option(False, "--ocr"),
    tiff_single: bool = typer.Option(False, "--tiff-single"),
    worker: str = worker_option("cli.opt.packager"),
    correction: str = typer.Option("", "--correction", help="cli.opt.package.correction"),
) -> None:
    """按卷内目录打包到 已上传：不带 --form 时做 [delivery] forms 的每一种交付格式。"""
    from dangan.services.delivery.packaging import package_forms
    from dangan.services.engine import resolve_actor

    ctx = open_ctx(project)
    actor = resolve_actor(ctx, worker)
    results = package_forms(ctx, actor, [form] if form else None, volume,
                            ocr=ocr, tiff_single=tiff_single, correction=correction)
    problems = list(dict.fromkeys(line for r in results for line in r.problems))
    for line in problems:
        console.print(f"[red]•[/] {escape(line)}")
    for result in results:
        console.print(escape(t("package.done", volumes=result.volumes, form=result.form,
                               files=result.files, pages=result.pages)))
        if result.already:
            console.print(escape(t("package.already", count=len(result.already), form=result.form,
                                   codes=join(result.already[:10]))))
    if results:  # the last run knows which forms each volume still lacks
        for code, lacking in results[-1].waiting.items():
            console.print(escape(t("package.waiting_forms", code=code, forms=", ".join(lacking))))
    _print_signed(actor.name, "upload", list(dict.fromkeys(c for r in results for c in r.signed)),
                  [line for r in results for line in r.unsigned])
    if problems:
        # each form's run meets the same volumes: the largest count is the volumes skipped
        raise DefectsFound("package.skipped", count=max(len(r.problems) for r in results))


@link_app.command("export")
def link_export(
    project: Path = Project,
    fmt: str = typer.Option("xlsx", "--format"),
    out: Path = typer.Option(None, "--out", "-o"),
    form: str = typer.Option(None, "--form"),
) -> None:
    """导出数据挂接表：案卷 + 卷内目录 + 文件相对路径，供档案管理系统导入。"""
    from dangan.services.delivery.linking import export_link_data

    if fmt not in ("xlsx", "csv", "xml"):
        raise InputError("link.unknown_format", fmt=fmt)
    paths = export_link_data(open_ctx(project, read_only=True), out or Path(f"挂接数据.{fmt}"), fmt, form)
    console.print(escape(t("link.exported", paths=", ".join(str(p) for p in paths))))


@link_app.command("check")
def link_check(
    project: Path = Project,
    volume: str = typer.Option(None, "--volume"),
    form: list[str] = typer.Option(None, "--form"),
    as_json: bool = AsJson,
) -> None:
    """挂接检查：目录、图像、交付文件一一对应，页数一致，文件可打开且未被改动。发现错误时退出码为 9。"""
    from dangan.services.delivery.linking import check_links_counted, checked_line

    ctx = open_ctx(project, read_only=True)
    check = check_links_counted(ctx, volume, form or None)
    _print_defects(check.defects, as_json, checked_line(check))


@handover_app.command("build")
def handover_build(
    bag: Path = typer.Argument(..., metavar="OUT.bag"),
    project: Path = Project,
    form: str = typer.Option(None, "--form"),
) -> None:
    """验收移交：生成 BagIt 移交包（交付文件、目录、过程记录、校验清单）。"""
    from dangan.services.delivery.handover import build_handover

    result = build_handover(open_ctx(project), bag, form)
    done = "handover.already" if result.already else "handover.done"
    console.print(escape(t(done, path=result.path, volumes=result.volumes, files=result.files)))
    console.print(escape(t("handover.forms", forms=join(result.forms),
                           folders=join(f"data/files/{f}/" for f in result.forms))))


@handover_app.command("verify")
def handover_verify(bag: Path = typer.Argument(..., metavar="OUT.bag")) -> None:
    """校验移交包：逐文件核对 SHA-256 与清单。"""
    from dangan.services.delivery.handover import verify_handover

    report = verify_handover(bag)
    console.print(escape(t("handover.verified", path=bag, files=report.files)))


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.add_typer(link_app, name="link")
    app.command("package")(package)
    app.add_typer(handover_app, name="handover")
