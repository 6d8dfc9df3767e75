"""Workflow commands: workers, borrow, batches, claims, sign-offs, history, progress (the sort
record, rebind and return in ``cli.paper``; QC and rework in ``cli.qc``).

Thin: every command opens the project, calls one service and prints the result (``--json``
on queries). The project home is ``-p/--project`` (default: the current directory).
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Column, Table

from dangan.cli.common import (
    AsJson,
    Project,
    console,
    open_ctx,
    print_json,
    stage_option,
    worker_option,
)
from dangan.i18n import join, t

if TYPE_CHECKING:
    from dangan.domain.records import BorrowBatchInfo
    from dangan.services.engine import Actor
    from dangan.services.project import ProjectContext


def resolve_actor(ctx: ProjectContext, name: str) -> Actor:
    """The person named by ``-w/--worker``: a registered, active worker (else refused)."""
    from dangan.services.engine import resolve_actor as resolve

    return resolve(ctx, name)

ArchiveStaff = typer.Option(..., "--archive-staff", help="cli.opt.archive_staff")
ArchiveLeader = typer.Option(..., "--archive-leader", help="cli.opt.archive_leader")

worker_app = typer.Typer(help="cli.help.worker", no_args_is_help=True)
borrow_app = typer.Typer(help="cli.help.borrow", no_args_is_help=True)
batch_app = typer.Typer(help="cli.help.batch", no_args_is_help=True)


def dump(obj: Any) -> Any:
    if isinstance(obj, list):
        return [dump(o) for o in obj]
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return obj


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


# --- workers --------------------------------------------------------------------------------

@worker_app.command("add")
def worker_add(name: str = typer.Argument(..., metavar="NAME"),
               role: list[str] = typer.Option(..., "--role", "-r"),
               project: Path = Project) -> None:
    """登记人员及其岗位（已登记则补充岗位）。"""
    from dangan.services.workers import add_worker

    info = add_worker(open_ctx(project), name, role)
    console.print(escape(t("workflow.worker_added", name=info.name,
                           roles="、".join(t(f"role.{r}") for r in info.roles))))


@worker_app.command("list")
def worker_list(role: str = typer.Option(None, "--role"),
                project: Path = Project, as_json: bool = AsJson) -> None:
    """列出人员。"""
    from dangan.services.workers import list_workers

    infos = list_workers(open_ctx(project, read_only=True), role)
    if as_json:
        print_json([i.to_dict() for i in infos])
        return
    from dangan.cli.teams import workers_table

    console.print(workers_table(infos))


# --- borrow -----------------------------------------------------------------------------------

@borrow_app.command("create")
def borrow_create(code: list[str] = typer.Option(None, "--code"),
                  file: Path = typer.Option(None, "--file"),
                  next_count: int = typer.Option(None, "--next"),
                  remarks: str = typer.Option("", "--remarks"),
                  worker: str = worker_option("cli.opt.borrow_planner"),
                  project: Path = Project) -> None:
    """登记一个借卷批次（大批次），列出每卷的档号与存放位置。"""
    from dangan.services.borrow import create_borrow_batch

    codes = list(code or [])
    if file is not None:
        codes += [ln.strip() for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    info = create_borrow_batch(ctx := open_ctx(project), resolve_actor(ctx, worker), codes,
                               next_count=next_count if not codes else None, remarks=remarks)
    console.print(escape(t("borrow.created", no=info.no, count=info.volume_count)))


@borrow_app.command("confirm")
def borrow_confirm(no: int = typer.Argument(..., metavar="NO"),
                   clerk: str = worker_option("cli.opt.borrow_clerk"),
                   archive_staff: str = ArchiveStaff,
                   remarks: str = typer.Option("", "--remarks"),
                   project: Path = Project) -> None:
    """双方在借卷详情登记表上签字确认，案卷出库。"""
    from dangan.services.borrow import confirm_borrow

    info = confirm_borrow(ctx := open_ctx(project), resolve_actor(ctx, clerk), no, archive_staff, remarks=remarks)
    console.print(escape(t("borrow.confirmed", no=info.no, clerk=info.clerk, staff=info.archive_staff,
                           at=_time(info.borrowed_at), due=_time(info.due_at))))


@borrow_app.command("remove")
def borrow_remove(no: int = typer.Argument(..., metavar="NO"),
                  code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
                  reason: str = typer.Option(..., "--reason"),
                  worker: str = worker_option("cli.opt.borrow_planner"),
                  project: Path = Project) -> None:
    """从尚未出库的借卷批次撤下一卷（须写明原因），该卷恢复为未借出。"""
    from dangan.services.borrow import remove_from_borrow

    remove_from_borrow(ctx := open_ctx(project), resolve_actor(ctx, worker), no, code, reason)
    console.print(escape(t("borrow.removed", no=no, code=code.strip(), reason=reason.strip())))


@borrow_app.command("cancel")
def borrow_cancel(no: int = typer.Argument(..., metavar="NO"),
                  reason: str = typer.Option(..., "--reason"),
                  worker: str = worker_option("cli.opt.borrow_planner"),
                  project: Path = Project) -> None:
    """取消尚未出库的借卷批次（须写明原因），批次中的案卷恢复为未借出。"""
    from dangan.services.borrow import cancel_borrow_batch

    count = cancel_borrow_batch(ctx := open_ctx(project), resolve_actor(ctx, worker), no, reason)
    console.print(escape(t("borrow.cancelled", no=no, reason=reason.strip(), count=count)))


@borrow_app.command("problem")
def borrow_problem(no: int = typer.Argument(..., metavar="NO"),
                   code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
                   problem: str = typer.Argument(..., metavar="PROBLEM"),
                   by: str = worker_option("cli.opt.borrow.problem.worker"),
                   project: Path = Project) -> None:
    """借卷时发现的问题，第一时间记录。"""
    from dangan.domain.borrow_notes import later_notes
    from dangan.export.borrow_register import fmt_time
    from dangan.services.borrow import note_problem

    row = note_problem(ctx := open_ctx(project), resolve_actor(ctx, by), no, code, problem)
    notes = later_notes(row)
    if notes and notes[-1].text == problem.strip():  # both sides had signed: kept apart
        console.print(escape(t("borrow.problem_noted_later", code=row.archive_code,
                               text=notes[-1].text, at=fmt_time(notes[-1].at),
                               person=notes[-1].person)))
        return
    console.print(escape(t("borrow.problem_noted", code=row.archive_code, condition=row.condition)))


@borrow_app.command("show")
def borrow_show(no: int = typer.Argument(..., metavar="NO"), project: Path = Project,
                as_json: bool = AsJson) -> None:
    """显示借卷详情登记表。"""
    from dangan.services.borrow import borrow_batch_info

    info = borrow_batch_info(open_ctx(project, read_only=True), no)
    if as_json:
        print_json(dump(info))
        return
    console.print(f"[bold]{t('borrow.register_title')} {info.no}[/] "
                  f"{t('workflow.status.' + info.status)}  {escape(info.clerk)} / "
                  f"{escape(info.archive_staff)} {_time(info.borrowed_at)}")
    table = Table(t("workflow.form.seq"), t("workflow.form.archive_code"),
                  t("workflow.form.location"), t("workflow.form.pages"),
                  t("workflow.form.stage"), t("workflow.form.condition"))
    for r in info.rows:
        table.add_row(str(r.seq), escape(r.archive_code), escape(r.location), str(r.pages or ""),
                      t(f"stage.{r.stage}"), escape(r.condition))
    console.print(table)
    _print_later_notes(info)
    _print_remarks_and_removed(info)


def _print_remarks_and_removed(info: BorrowBatchInfo) -> None:
    """The remarks typed when confirming, the volumes taken off before confirming and the
    batch's cancellation, as the audit trail records them."""
    from dangan.export.borrow_register import fmt_time

    for key, text in (("borrow.confirm_remarks", info.confirm_remarks),
                      ("borrow.return_remarks", info.return_remarks)):
        if text:
            console.print(escape(t("borrow.remarks_line", label=t(key), text=text)))
    volumes = [r for r in info.removed if r.archive_code]
    if volumes:
        console.print(escape(t("borrow.removed_title")))
        for r in volumes:
            console.print("  " + escape(t("borrow.removed_line", code=r.archive_code,
                                          title=r.title, reason=r.reason, person=r.person,
                                          at=fmt_time(r.at))))
    for r in info.removed:
        if not r.archive_code:
            console.print(escape(t("borrow.cancelled_line", reason=r.reason, person=r.person,
                                   at=fmt_time(r.at))))


def _print_later_notes(info: BorrowBatchInfo) -> None:
    """The notes made after both sides signed (后补记录), per volume: time, person, text."""
    from dangan.domain.borrow_notes import later_notes
    from dangan.export.borrow_register import fmt_time

    noted = [(r, n) for r in info.rows for n in later_notes(r)]
    if not noted:
        return
    console.print(escape(t("borrow.later_notes_column")))
    for r, n in noted:
        console.print("  " + escape(f"{r.archive_code}  " + t(
            "borrow.later_note", at=fmt_time(n.at), person=n.person, text=n.text)))


@borrow_app.command("list")
def borrow_list(overdue: bool = typer.Option(False, "--overdue"),
                project: Path = Project, as_json: bool = AsJson) -> None:
    """列出借卷批次（--overdue：超期未还）。"""
    from dangan.services.borrow import list_borrow_batches

    infos = list_borrow_batches(open_ctx(project, read_only=True), overdue_only=overdue)
    if as_json:
        print_json(dump(infos))
        return
    if overdue and not infos:
        console.print(t("borrow.none_overdue"))
        return
    table = Table(*_folded(t("workflow.form.borrow_batch"), t("workflow.progress.status"),
                           t("workflow.form.volume_count"), t("workflow.form.pages"),
                           t("workflow.form.clerk"), t("workflow.form.borrowed_at"),
                           t("workflow.form.due_at")))
    for i in infos:
        status = t("workflow.status." + i.status)
        table.add_row(str(i.no), f"[red]{escape(t('borrow.status_overdue', status=status))}[/]"
                      if i.overdue else escape(status), str(i.volume_count), str(i.pages),
                      escape(i.clerk), _time(i.borrowed_at), _time(i.due_at))
    console.print(table)


@borrow_app.command("register")
def borrow_register(no: int = typer.Argument(..., metavar="NO"),
                    out: Path = typer.Option(..., "--out", "-o"),
                    project: Path = Project) -> None:
    """导出借卷详情登记表（.xlsx / PDF）。"""
    from dangan.export.borrow_register import write_borrow_register
    from dangan.services.borrow import borrow_batch_info

    ctx = open_ctx(project)
    path = write_borrow_register(borrow_batch_info(ctx, no), out, ctx.config.project.name)
    console.print(escape(t("borrow.written", path=path)))


# --- work batches -------------------------------------------------------------------------------

@batch_app.command("split")
def batch_split(no: int = typer.Argument(..., metavar="NO"),
                pages: int = typer.Option(None, "--pages"),
                half_day: bool = typer.Option(False, "--half-day"),
                worker: str = worker_option("cli.opt.borrow_planner"),
                project: Path = Project, as_json: bool = AsJson) -> None:
    """按工作量把借卷批次分成小批次（不拆分案卷）。"""
    from dangan.services.batches import split_borrow_batch

    made = split_borrow_batch(ctx := open_ctx(project), resolve_actor(ctx, worker), no,
                              pages_per_batch=pages, half_day=half_day)
    if as_json:
        print_json(dump(made))
        return
    console.print(escape(t("batch.split_done", no=no, count=len(made))))
    _batch_table(made)


def _whole(header: str, values: list[str]) -> Column:
    """A column of codes (archive codes, batch codes): each printed whole on one line; the
    other columns give way on a narrow terminal (``_folded``)."""
    return Column(header, no_wrap=True, overflow="fold",
                  min_width=max((cell_len(v) for v in values), default=0))


def _folded(*headers: str) -> list[Column]:
    """Columns whose text wraps, and is folded rather than cut with "…" when a word is
    wider than the column: nothing printed is lost on a narrow terminal."""
    return [Column(h, overflow="fold") for h in headers]


def _batch_table(infos: list[Any]) -> None:
    table = Table(_whole(t("workflow.form.work_batch"), [b.code for b in infos]),
                  _whole(t("workflow.form.first_code"), [b.first_code for b in infos]),
                  _whole(t("workflow.form.last_code"), [b.last_code for b in infos]),
                  *_folded(t("workflow.form.volume_count"), t("workflow.form.planned_pages"),
                           t("workflow.form.stage"), t("workflow.progress.status"),
                           t("history.person")))
    for b in infos:
        table.add_row(escape(b.code), escape(b.first_code), escape(b.last_code),
                      str(b.volume_count), str(b.planned_pages), t(f"stage.{b.stage}"),
                      t(f"workflow.status.{b.status}"), escape(b.holder))
    console.print(table)


@batch_app.command("list")
def batch_list(borrow: int = typer.Option(None, "--borrow"),
               stage: str = stage_option(), project: Path = Project,
               as_json: bool = AsJson) -> None:
    """列出小批次及其环节、状态、领取人。"""
    from dangan.services.batches import list_work_batches

    infos = list_work_batches(open_ctx(project, read_only=True), borrow, stage)
    if as_json:
        print_json(dump(infos))
        return
    _batch_table(infos)


@batch_app.command("card")
def batch_card(code: str = typer.Argument(..., metavar="BATCH"),
               out: Path = typer.Option(..., "--out", "-o"),
               size: str = typer.Option("A5", "--size"),
               project: Path = Project) -> None:
    """打印责任跟踪卡（PDF，含二维码与各环节签字栏）。"""
    from dangan.export.responsibility_card import write_responsibility_card
    from dangan.services.batches import work_batch_info
    from dangan.services.workflow_state import graph_for

    ctx = open_ctx(project)
    info = work_batch_info(ctx, code)
    path = write_responsibility_card(info, list(graph_for(ctx.config).work_stages), out,
                                     ctx.config.project.name, size)
    console.print(escape(t("batch.card_written", path=path)))


# --- claims and sign-offs -------------------------------------------------------------------

def claim(batch: str = typer.Argument(..., metavar="BATCH"),
          worker: str = worker_option("cli.opt.claim.worker"),
          stage: str = stage_option(),
          hand_back: bool = typer.Option(False, "--hand-back"),
          leave_work: str = typer.Option("", "--leave-work", metavar="REASON",
                                         help="cli.opt.claim.leave_work"),
          remarks: str = typer.Option("", "--remarks"), project: Path = Project) -> None:
    """领取小批次（同一工种一个小批次只能一人做），或用 --hand-back 交回。"""
    from dangan.services import claims
    from dangan.services.left_work import LEFT_WORK, LEFT_WORK_REASON

    ctx = open_ctx(project)
    if hand_back:
        left = claims.hand_back(ctx, resolve_actor(ctx, worker), batch, remarks, leave_work)
        console.print(escape(t("workflow.handed_back", batch=batch)))
        if left:
            console.print(escape(t("workflow.handed_back_left_work",
                                   count=len(left[LEFT_WORK]), volumes=join(left[LEFT_WORK]),
                                   reason=left[LEFT_WORK_REASON])))
        return
    info = claims.claim(ctx, resolve_actor(ctx, worker), batch, stage, remarks)
    if info.already_held:  # harmless: the worker holds it already (exit 0)
        console.print(escape(t("workflow.claim_already_yours", worker=info.worker, batch=info.batch,
                               stage=t(f"stage.{info.stage}"), at=_time(info.claimed_at))))
        return
    console.print(escape(t("workflow.claimed", worker=info.worker, batch=info.batch,
                           stage=t(f"stage.{info.stage}"))))


def signoff(batch: str = typer.Argument(..., metavar="BATCH"),
            worker: str = worker_option("cli.opt.signoff.worker"),
            stage: str = stage_option(),
            volume: list[str] = typer.Option(None, "--volume"),
            remarks: str = typer.Option("", "--remarks"),
            without_work: str = typer.Option("", "--without-work", metavar="REASON",
                                             help="cli.opt.signoff.without_work"),
            redone: bool = typer.Option(False, "--redone", help="cli.opt.signoff.redone"),
            project: Path = Project, as_json: bool = AsJson) -> None:
    """完成环节并签字（时间、备注）；全部案卷签完后小批次进入下一环节。"""
    from dangan.services.signoff import sign_off

    ctx = open_ctx(project)
    r = sign_off(ctx, resolve_actor(ctx, worker), batch, stage, remarks, volume or [],
                 without_work=without_work, redone=redone)
    if as_json:
        print_json(r.to_dict())
        return
    console.print(escape(t("workflow.signed", person=r.person, batch=r.batch,
                           stage=t(f"stage.{r.stage}"), volumes=r.volumes, at=_time(r.at))))
    if r.batch_advanced:
        console.print(escape(t("workflow.advanced", batch=r.batch, stage=t(f"stage.{r.next_stage}"))))


def correct(event_id: int = typer.Argument(..., metavar="EVENT_ID"),
            by: str = worker_option("cli.opt.correct.worker"),
            remarks: str = typer.Option(..., "--remarks"),
            project: Path = Project) -> None:
    """更正一条记录（原记录不变，追加一条更正）。"""
    from dangan.services.signoff import correct_event

    console.print(escape(t("workflow.corrected", id=correct_event(ctx := open_ctx(project), resolve_actor(ctx, by), event_id,
                                                                  remarks))))


def history(code: str = typer.Argument(..., metavar="ARCHIVE_CODE"), project: Path = Project,
            as_json: bool = AsJson) -> None:
    """打印一卷档案的全部记录（借卷、领取、签字、问题、返工、还卷）。"""
    from dangan.services.history import volume_history

    lines = volume_history(open_ctx(project, read_only=True), code)
    if as_json:
        print_json(dump(lines))
        return
    table = Table("#", t("workflow.form.time"), t("history.kind"), t("workflow.form.stage"),
                  t("history.scope"), t("history.person"), t("workflow.form.remarks"),
                  title=t("history.title", code=code))
    for ln in lines:
        kind = t(f"workflow.event.{ln.what or ln.kind}")
        if ln.corrects_id:
            kind += f" → #{ln.corrects_id}"
        table.add_row(str(ln.id), _time(ln.at), kind, t(f"stage.{ln.stage}") if ln.stage else "",
                      t(f"history.scope.{ln.scope}"), ln.person, ln.remarks)
    console.print(table)


def progress(project: Path = Project, as_json: bool = AsJson) -> None:
    """各环节进度（卷数、登记页数）、已扫描与已修图页数、超期未还的借卷批次。"""
    from dangan.services.progress import overdue, pages_recorded, stage_progress
    from dangan.storage.areas import Area

    ctx = open_ctx(project, read_only=True)
    rows = stage_progress(ctx)
    done = pages_recorded(ctx)
    late = overdue(ctx)
    scanned, retouched = done.get(Area.SCANNED.key, 0), done.get(Area.RETOUCHED.key, 0)
    if as_json:
        print_json({"stages": dump(rows), "pages_scanned": scanned,
                    "pages_retouched": retouched, "overdue": dump(late)})
        return
    table = Table(t("workflow.form.stage"), t("workflow.progress.status"),
                  t("workflow.progress.volumes"), t("workflow.progress.pages"),
                  title=t("workflow.progress.title"))
    for r in rows:
        table.add_row(t(f"stage.{r.stage}"), t(f"workflow.status.{r.status}"), str(r.volumes),
                      str(r.pages))
    console.print(table)
    console.print(escape(t("workflow.progress.pages_done", scanned=scanned, retouched=retouched)))
    for o in late:
        console.print(escape(t("borrow.overdue", no=o.no, due=_time(o.due_at), count=o.volumes)))


def register(app: typer.Typer) -> None:
    app.add_typer(worker_app, name="worker")
    app.add_typer(borrow_app, name="borrow")
    app.add_typer(batch_app, name="batch")
    from dangan.cli import paper  # the commands of the stages on paper

    app.add_typer(paper.sort_app, name="sort")
    app.command("claim")(claim)
    app.command("signoff")(signoff)
    app.command("correct")(correct)
    app.add_typer(paper.rebind_app, name="rebind")
    app.add_typer(paper.return_app, name="return")
    app.command("history")(history)
    app.command("progress")(progress)
