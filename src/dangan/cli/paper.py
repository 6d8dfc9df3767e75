"""The commands of the stages on paper: the sort record (整理), rebinding (装订) and the
return to the archive room (还卷). Registered by ``cli.workflow`` beside the other line
commands; as thin as they are.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.cli.workflow import ArchiveLeader, ArchiveStaff, _time, resolve_actor
from dangan.i18n import join, t

sort_app = typer.Typer(help="cli.help.sort", no_args_is_help=True)
rebind_app = typer.Typer(help="cli.help.rebind", no_args_is_help=True)
return_app = typer.Typer(help="cli.help.return", no_args_is_help=True)


@sort_app.command("record")
def sort_record(code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
                worker: str = worker_option("cli.opt.sort.record.worker"),
                pages: int = typer.Option(..., "--pages"),
                notes: str = typer.Option("", "--notes"),
                photo: list[str] = typer.Option(None, "--photo"),
                project: Path = Project) -> None:
    """记录整理：拆卷说明、特殊装订照片、编页数。"""
    from dangan.services.sorting import record_sorting

    record_sorting(ctx := open_ctx(project), resolve_actor(ctx, worker), code, pages, notes,
                   photo_files=photo or [])
    console.print(escape(t("sort.recorded", code=code, pages=pages)))
    if photo:
        console.print(escape(t("sort.photos_stored", count=len(photo), folder="过程记录/整理照片")))


# --- QC ----------------------------------------------------------------------------------------

@rebind_app.command("agree")
def rebind_agree(method: str = typer.Option(..., "--method"),
                 agreed_by: str = ArchiveLeader,
                 trial: list[str] = typer.Option(..., "--trial"),
                 alignment: str = typer.Option("bottom_left", "--alignment"),
                 punch: bool = typer.Option(False, "--punch"),
                 remarks: str = typer.Option("", "--remarks"),
                 replace_reason: str = typer.Option("", "--replace-reason"),
                 project: Path = Project) -> None:
    """记录与档案室领导确认并签字的装订方式和试装案卷（已有约定时须以 --replace-reason 说明更改原因）。"""
    from dangan.services.rebind import agree_binding

    info = agree_binding(open_ctx(project), method, agreed_by, alignment=alignment,
                         punch_allowed=punch, trial_codes=trial, remarks=remarks,
                         replace_reason=replace_reason)
    console.print(escape(t("rebind.agreed", method=t(f"rebind.method.{info.method}"), by=info.agreed_by)))


@rebind_app.command("approve-trial")
def rebind_approve(by: str = ArchiveLeader,
                   remarks: str = typer.Option("", "--remarks"), project: Path = Project) -> None:
    """档案室领导确认试装案卷，其余案卷方可装订。"""
    from dangan.services.rebind import approve_trial

    info = approve_trial(open_ctx(project), by, remarks)
    if info.already_approved:  # the first approval kept, nothing recorded again
        console.print(escape(t("rebind.trial_already_approved", by=info.trial_approved_by,
                               at=_time(info.trial_approved_at))))
        return
    console.print(escape(t("rebind.trial_approved", by=info.trial_approved_by)))


@rebind_app.command("sign")
def rebind_sign(batch: str = typer.Argument(..., metavar="BATCH"),
                binder: str = worker_option("cli.opt.binder"),
                volume: list[str] = typer.Option(None, "--volume"),
                accept_missing: str = typer.Option("", "--accept-missing", metavar="REASON",
                                                   help="cli.opt.accept_missing"),
                remarks: str = typer.Option("", "--remarks"), project: Path = Project) -> None:
    """装订完成并在责任跟踪卡上签字（有未解决问题或缺页的案卷会被拒绝）。"""
    from dangan.services.rebind import rebind, rebound_already, record_page_reasons

    ctx = open_ctx(project)
    if accept_missing.strip() and rebound_already(ctx, batch, volume or []):
        # signed already: the reason is recorded afterwards, nothing signed again
        codes = record_page_reasons(ctx, resolve_actor(ctx, binder), batch, volume or [],
                                    accept_missing)
        console.print(escape(t("rebind.reason_recorded", count=len(codes), codes=join(codes),
                               reason=accept_missing.strip())))
        return
    r = rebind(ctx, resolve_actor(ctx, binder), batch, volume or [], remarks,
               accept_missing=accept_missing)
    console.print(escape(t("workflow.signed", person=r.person, batch=r.batch,
                           stage=t(f"stage.{r.stage}"), volumes=r.volumes, at=_time(r.at))))
    if r.accepted_missing:
        console.print(escape(t("rebind.accepted_differs", count=len(r.accepted_missing),
                               codes=join(r.accepted_missing), reason=accept_missing.strip())))


# --- return ------------------------------------------------------------------------------------

@return_app.command("check")
def return_check(no: int = typer.Argument(..., metavar="NO"), project: Path = Project,
                 as_json: bool = AsJson) -> None:
    """检查借卷批次能否归还（全部装订、质检合格、无未解决问题、不隔批次）。"""
    from dangan.services.returns import check_return

    problems = check_return(open_ctx(project, read_only=True), no)
    if as_json:
        print_json({"no": no, "ready": not problems, "problems": problems})
        return
    if not problems:
        console.print(escape(t("return.ready", no=no)))
    else:  # the heading return confirm gives, then each problem
        console.print(escape(t("return.not_ready", no=no, count=len(problems))))
    for p in problems:
        console.print(f"  • {escape(str(p))}", highlight=False)
    if problems:
        raise typer.Exit(7)


@return_app.command("list")
def return_list(no: int = typer.Argument(..., metavar="NO"),
                out: Path = typer.Option(..., "--out", "-o"),
                project: Path = Project) -> None:
    """打印还卷清单（.xlsx / PDF），按借卷顺序，含双方签字栏与上架规则。"""
    from dangan.export.return_list import write_return_list
    from dangan.services.borrow import borrow_batch_info
    from dangan.services.rebind import borrow_page_checks

    ctx = open_ctx(project)
    path = write_return_list(borrow_batch_info(ctx, no), out, ctx.config.project.name,
                             borrow_page_checks(ctx, no))
    console.print(escape(t("borrow.written", path=path)))


@return_app.command("confirm")
def return_confirm(no: int = typer.Argument(..., metavar="NO"),
                   clerk: str = worker_option("cli.opt.borrow_clerk"),
                   archive_staff: str = ArchiveStaff,
                   shelving_rule: str = typer.Option(None, "--shelving-rule"),
                   count: int = typer.Option(None, "--count"),
                   handed: Path = typer.Option(None, "--handed"),
                   remarks: str = typer.Option("", "--remarks"), project: Path = Project) -> None:
    """还卷：与登记表核对数量和顺序，双方签字并记录时间与上架规则。"""
    from dangan.services.returns import return_batch

    codes = None
    if handed is not None:
        codes = [ln.strip() for ln in handed.read_text(encoding="utf-8").splitlines()
                 if ln.strip()]
    info = return_batch(ctx := open_ctx(project), resolve_actor(ctx, clerk), no, archive_staff, handed=codes,
                        counted=count, shelving_rule=shelving_rule, remarks=remarks)
    console.print(escape(t("return.done", no=info.no, count=info.volume_count, clerk=info.return_clerk,
                           staff=info.return_archive_staff, at=_time(info.returned_at))))


# --- history and progress -------------------------------------------------------------------------
