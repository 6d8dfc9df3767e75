"""QC and rework commands: the sample, defects, the verdict, re-inspection, rework.

Thin like every CLI area: each command opens the project, calls one service and prints the
result (``--json`` on queries).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import (
    AsJson,
    Project,
    console,
    open_ctx,
    print_json,
    stage_option,
    worker_option,
)
from dangan.cli.workflow import dump, resolve_actor
from dangan.i18n import defect_label, join, t

qc_app = typer.Typer(help="cli.help.qc", no_args_is_help=True)
rework_app = typer.Typer(help="cli.help.rework", no_args_is_help=True)


@qc_app.command("sample")
def qc_sample(batch: str = typer.Argument(..., metavar="BATCH"),
              inspector: str = worker_option("cli.opt.qc_inspector"),
              seed: int = typer.Option(None, "--seed"),
              project: Path = Project, as_json: bool = AsJson) -> None:
    """先处理自动检查的问题，再按抽检方案抽样（种子记录在案，可复现）。"""
    from dangan.services.qc import draw_sample

    r = draw_sample(ctx := open_ctx(project), resolve_actor(ctx, inspector), batch, seed)
    if as_json:
        print_json(r.to_dict())
        return
    if r.voided is not None:
        console.print(escape(t("qc.sample_voided", id=r.voided, count=len(r.changed),
                               codes="、".join(r.changed[:10]))))
    if r.inspection_id is None:
        console.print(escape(t("qc.auto_rework", count=r.reworks)))
        if r.claim_released:
            console.print(escape(t("qc.claim_released", code=r.batch,
                                   stage=t(f"stage.{r.stage}"))))
        return
    console.print(escape(t("qc.sample_drawn", round=r.round, population=r.population,
                           size=len(r.units), seed=r.seed)))
    for u in r.units:
        console.print(escape(f"  {u['archive_code']}  " + t(f"qc.sample_unit.{u['unit']}", key=u['key'])),
                      highlight=False)


@qc_app.command("record")
def qc_record(code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
              defect: str = typer.Option(..., "--code", "-c"),
              inspector: str = worker_option("cli.opt.qc_inspector"),
              page: int = typer.Option(None, "--page"), item: int = typer.Option(None, "--item"),
              message: str = typer.Option("", "--message"),
              stage: str = stage_option(),
              warning: bool = typer.Option(False, "--warning"),
              cause: str = typer.Option("worker", "--cause", metavar="worker|original"),
              project: Path = Project, as_json: bool = AsJson) -> None:
    """记录一处问题（页或件），退回其产生环节的责任人。"""
    from dangan.services.qc import record_defect

    r = record_defect(ctx := open_ctx(project), resolve_actor(ctx, inspector), code, defect, page_no=page, item_seq=item,
                      message=message, stage=stage, severity="warning" if warning else "error",
                      cause=cause)
    if as_json:
        print_json(r.to_dict())
        return
    if cause == "original":
        console.print(escape(t("qc.original_recorded", id=r.id, code=defect_label(r.code))))
        return
    console.print(escape(t("qc.defect_recorded", id=r.id, code=defect_label(r.code),
                           stage=t(f"stage.{r.stage}"), person=r.responsible or "-")))
    if r.returned and r.rework_id is not None:  # 验收: found after the paper went back
        key = "qc.returned_reborrow" if r.needs_paper else "qc.returned_rework"
        console.print(escape(t(key, code=r.archive_code, rework=r.rework_id,
                               stage=t(f"stage.{r.stage}"), person=r.responsible or "-")))


@qc_app.command("decide")
def qc_decide(batch: str = typer.Argument(..., metavar="BATCH"),
              inspector: str = worker_option("cli.opt.qc_inspector"),
              remarks: str = typer.Option("", "--remarks"), project: Path = Project,
              as_json: bool = AsJson) -> None:
    """判定：合格率达标且无严重问题（档号、缺页）则签字通过，否则返工后再检。"""
    from dangan.services.qc import decide, inspected_words

    r = decide(ctx := open_ctx(project), resolve_actor(ctx, inspector), batch, remarks)
    if as_json:
        print_json(r.to_dict())
        return
    params = dict(rate=f"{r.rate:.1%}", inspected=inspected_words(r.sampled, r.outside, r.unit),
                  defective=r.defective,
                  critical=r.critical, reworks=r.reworks)
    console.print(escape(t("qc.passed" if r.passed else "qc.failed", **params)))
    _print_accepted(r.accepted, r.left_open)
    if r.passed and not r.batch_advanced:
        console.print(escape(t("qc.pending_rework", reworks=r.reworks)))
    if r.claim_released:
        console.print(escape(t("qc.claim_released", code=r.batch, stage=t(f"stage.{r.stage}"))))
    if r.batch_advanced:
        console.print(escape(t("workflow.advanced", batch=r.batch, stage=t(f"stage.{r.next_stage}"))))


@qc_app.command("verify")
def qc_verify(rework_id: int = typer.Argument(..., metavar="REWORK_ID"),
              inspector: str = worker_option("cli.opt.qc_inspector"),
              remarks: str = typer.Option("", "--remarks"),
              reject: bool = typer.Option(False, "--reject"), project: Path = Project) -> None:
    """复检一项已签字的返工（小批次已过质检后发现的问题）。"""
    from dangan.services.rework import reject_rework, verify_rework

    ctx = open_ctx(project)
    if reject:
        again = reject_rework(ctx, resolve_actor(ctx, inspector), rework_id, remarks)
        console.print(escape(t("rework.rejected", id=rework_id, again=again.id,
                               assignee=again.assignee or "-")))
        return
    verify_rework(ctx, resolve_actor(ctx, inspector), rework_id, remarks)
    console.print(escape(t("rework.verified", id=rework_id)))


@qc_app.command("waive")
def qc_waive(defect_id: int = typer.Argument(..., metavar="DEFECT_ID"),
             manager: str = worker_option("cli.opt.qc.waive.worker"),
             reason: str = typer.Option(..., "--reason", help="cli.opt.qc.waive.reason"),
             project: Path = Project, as_json: bool = AsJson) -> None:
    """项目经理撤销误记的问题（写明原因，留痕，不删除）。"""
    from dangan.services.defects import waive_defect

    r = waive_defect(ctx := open_ctx(project), resolve_actor(ctx, manager), defect_id, reason)
    if as_json:
        print_json(r.to_dict())
        return
    console.print(escape(t("qc.waived", id=r.id, code=r.archive_code, defect=defect_label(r.code),
                           reworks="、".join(f"#{i}" for i in r.reworks) or "-")))


@qc_app.command("redraw")
def qc_redraw(inspection: int = typer.Argument(..., metavar="INSPECTION"),
              project: Path = Project) -> None:
    """按记录的种子重新抽样（核对用），输出 JSON。"""
    from dangan.services.qc import redraw

    print_json(redraw(open_ctx(project, read_only=True), inspection))


# --- rework ------------------------------------------------------------------------------------

@rework_app.command("list")
def rework_list(assignee: str = worker_option("cli.opt.rework.list.worker", required=False),
                batch: str = typer.Option(None, "--batch"),
                all_: bool = typer.Option(False, "--all"),
                project: Path = Project, as_json: bool = AsJson) -> None:
    """列出返工（默认只列待处理的）。"""
    from dangan.services.rework import list_rework

    items = list_rework(open_ctx(project, read_only=True), assignee=assignee, batch=batch,
                        status=None if all_ else "open")
    if as_json:
        print_json(dump(items))
        return
    if not items:
        console.print(t("rework.none"))
        return
    table = Table("#", t("workflow.form.work_batch"), t("workflow.form.archive_code"),
                  t("workflow.form.stage"), t("history.person"), t("history.kind"),
                  t("intake.col.page_no"), t("workflow.progress.status"))
    for r in items:
        table.add_row(str(r.id), r.batch, r.archive_code, t(f"stage.{r.stage}"), r.assignee,
                      _defect_label(r.defect_code, r.reason),
                      str(r.page_no or ""), t(f"rework.status.{r.status}"))
    console.print(table)


def _defect_label(code: str, reason: str) -> str:
    from dangan.domain.workflow import DEFECT_STAGE

    if code in DEFECT_STAGE:
        label = defect_label(code)
        return t("i18n.with_detail", label=label, detail=reason) if reason and reason != code \
            else label
    return reason or code


def _print_accepted(accepted: list[dict[str, object]], left_open: int) -> None:
    """The warnings a passing verdict accepted, per volume and page; those left open."""
    by_volume: dict[str, list[str]] = {}
    for a in accepted:
        label = defect_label(str(a["code"]))
        by_volume.setdefault(str(a["archive_code"]), []).append(
            t("qc.warning_at_page", page=a["page_no"], label=label) if a["page_no"] is not None
            else t("qc.warning_at_volume", label=label))
    for code, lines in by_volume.items():
        console.print(escape(t("qc.warnings_accepted", count=len(lines), code=code, pages=join(lines))))
    if left_open:
        console.print(escape(t("qc.warnings_left_open", count=left_open)))


@rework_app.command("done")
def rework_done(rework_id: int = typer.Argument(..., metavar="REWORK_ID"),
                worker: str = worker_option("cli.opt.rework.done.worker"),
                remarks: str = typer.Option("", "--remarks"), project: Path = Project) -> None:
    """责任人完成返工并签字（之后由质检再检）。"""
    from dangan.services.rework import complete_rework

    complete_rework(ctx := open_ctx(project), resolve_actor(ctx, worker), rework_id, remarks)
    console.print(escape(t("rework.done", id=rework_id)))


# --- rebind ------------------------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    app.add_typer(qc_app, name="qc")
    app.add_typer(rework_app, name="rework")
