"""Indexing, packaging, link data and handover commands (thin: the rules live in services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from dangan.cli.common import ProjectDir, console, open_ctx, print_json
from dangan.errors import DefectsFound, InputError
from dangan.i18n import t

index_app = typer.Typer(help="标引：卷宗信息与卷内目录（导入、检查、一稿双录）", no_args_is_help=True)
link_app = typer.Typer(help="数据挂接：导出与挂接检查", no_args_is_help=True)


def _print_defects(defects: list[Any], as_json: bool, summary: str) -> None:
    if as_json:
        print_json([d.to_dict() for d in defects])
    else:
        if defects:
            table = Table()
            for col in ("档号", "路径", "代码", "说明"):
                table.add_column(col)
            for d in defects:
                style = "red" if d.is_error else "yellow"
                table.add_row(d.volume or "", d.path, f"[{style}]{d.code}[/]", d.message)
            console.print(table)
        console.print(summary)
    errors = sum(1 for d in defects if d.is_error)
    if errors:
        raise DefectsFound("error.defects_found", count=errors)


@index_app.command("template")
def index_template(
    project: Path = ProjectDir,
    out: Path = typer.Option(Path("卷内目录模板.xlsx"), "--out", "-o", help="模板文件"),
) -> None:
    """下载本项目的目录模板（卷宗信息 + 卷内目录 两个工作表，已列出登记的案卷）。"""
    from dangan.services.indexing import write_template

    path = write_template(open_ctx(project), out)
    console.print(t("index.template_written", path=path))


@index_app.command("import")
def index_import(
    project: Path = ProjectDir,
    files: list[Path] = typer.Argument(..., help="目录文件 .xlsx/.csv（可多个）"),
    replace: bool = typer.Option(False, "--replace", help="替换已导入的卷内目录"),
) -> None:
    """导入卷宗信息与卷内目录。有任何错误时整批不导入，并逐行列出错误。"""
    from dangan.services.indexing import import_catalogue

    result = import_catalogue(open_ctx(project), files, replace=replace)
    console.print(t("index.imported", volumes=result.volumes, items=result.items,
                    replaced=result.replaced, stored=", ".join(result.stored_as)))


@index_app.command("check")
def index_check(
    project: Path = ProjectDir,
    volume: str = typer.Option(None, "--volume", help="只检查此档号"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """检查卷内目录：缺漏、重叠、超出末页、顺序、必填项、日期、件数/页数。发现错误时退出码为 9。"""
    from dangan.services.indexing import check_index

    ctx = open_ctx(project)
    defects = check_index(ctx, volume)
    volumes = len({d.volume for d in defects})
    summary = t("index.check_ok", volumes=volume or "-") if not defects else \
        t("error.defects_found", count=len(defects)) + f" ({volumes})"
    _print_defects(defects, as_json, summary)


@index_app.command("compare")
def index_compare(
    project: Path = ProjectDir,
    first: Path = typer.Option(..., "--first", help="第一次录入（一录）"),
    second: Path = typer.Option(..., "--second", help="第二次录入（二录）"),
    typists: str = typer.Option("", "--typists", help="两位录入人，逗号分隔，如 张三,李四"),
    out: Path = typer.Option(None, "--out", "-o", help="差异表 .xlsx（交第三人核对）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
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
        console.print(t("index.compare_diffs", count=len(diffs)))
    else:
        console.print(t("index.compare_same", volumes=len({d.volume for d in diffs}) or "-"))


@index_app.command("resolve")
def index_resolve(
    project: Path = ProjectDir,
    final: Path = typer.Argument(..., help="第三人核对后的定稿 .xlsx/.csv"),
    by: str = typer.Option(..., "--by", help="核对人"),
) -> None:
    """记录一稿双录的核对结果（每处差异采用了哪一稿），并导入定稿。"""
    from dangan.services.indexing import resolve_keying

    result = resolve_keying(open_ctx(project), final, by)
    console.print(t("index.imported", volumes=result.volumes, items=result.items,
                    replaced=result.replaced, stored=", ".join(result.stored_as)))


def package(
    project: Path = ProjectDir,
    form: str = typer.Option(None, "--form", help="交付形式 pdf|jpg|tiff|zip（默认取项目配置）"),
    volume: str = typer.Option(None, "--volume", help="只打包此档号"),
    ocr: bool = typer.Option(False, "--ocr", help="PDF 加中文文字层（PDF/A，tesseract chi_sim）"),
    tiff_single: bool = typer.Option(False, "--tiff-single", help="TIFF 每页一个文件（默认每件一个多页 TIFF）"),
) -> None:
    """按卷内目录打包到 已上传：每件一个 PDF/ZIP/TIFF，或每页一个 JPG 加页面索引。"""
    from dangan.services.packaging import package as run

    ctx = open_ctx(project)
    chosen = form or ctx.config.delivery.forms[0]
    result = run(ctx, chosen, volume, ocr=ocr or (ctx.config.delivery.ocr and chosen == "pdf"),
                 tiff_single=tiff_single)
    for line in result.problems:
        console.print(f"[red]•[/] {line}")
    console.print(t("package.done", volumes=result.volumes, form=chosen, files=result.files,
                    pages=result.pages))
    if result.problems:
        raise DefectsFound("package.skipped", count=len(result.problems))


@link_app.command("export")
def link_export(
    project: Path = ProjectDir,
    fmt: str = typer.Option("xlsx", "--format", help="xlsx|csv|xml"),
    out: Path = typer.Option(None, "--out", "-o", help="输出文件（默认 挂接数据.<格式>）"),
    form: str = typer.Option(None, "--form", help="挂接哪种交付形式的文件（默认取项目配置）"),
) -> None:
    """导出数据挂接表：案卷 + 卷内目录 + 文件相对路径，供档案管理系统导入。"""
    from dangan.services.linking import export_link_data

    if fmt not in ("xlsx", "csv", "xml"):
        raise InputError("link.unknown_format", fmt=fmt)
    paths = export_link_data(open_ctx(project), out or Path(f"挂接数据.{fmt}"), fmt, form)
    console.print(t("link.exported", paths=", ".join(str(p) for p in paths)))


@link_app.command("check")
def link_check(
    project: Path = ProjectDir,
    volume: str = typer.Option(None, "--volume", help="只检查此档号"),
    form: list[str] = typer.Option(None, "--form", help="检查的交付形式（可多次；默认取项目配置）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """挂接检查：目录、图像、交付文件一一对应，页数一致，文件可打开且未被改动。发现错误时退出码为 9。"""
    from dangan.services.linking import check_links, summary_line

    ctx = open_ctx(project)
    defects = check_links(ctx, volume, form or None)
    _print_defects(defects, as_json, summary_line(defects, len({d.volume for d in defects})))


def handover(
    target: str = typer.Argument(..., help="项目目录；或 verify"),
    bag: Path = typer.Argument(..., help="移交包目录（OUT.bag）"),
    form: str = typer.Option(None, "--form", help="交付形式（默认取项目配置）"),
) -> None:
    """验收移交：dangan handover DIR OUT.bag 生成 BagIt 移交包；dangan handover verify OUT.bag 校验。"""
    from dangan.services.handover import build_handover, verify_handover

    if target == "verify" and not (Path(target) / "dangan.toml").exists():
        report = verify_handover(bag)
        console.print(t("handover.verified", path=bag, files=report.files))
        return
    result = build_handover(open_ctx(Path(target)), bag, form)
    console.print(t("handover.done", path=result.path, volumes=result.volumes, files=result.files))


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.add_typer(link_app, name="link")
    app.command("package")(package)
    app.command("handover")(handover)
