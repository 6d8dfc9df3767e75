"""``dangan retouch``: thin shell over ``dangan.services.retouch``."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dangan.cli.common import (
    PROJECT_ENV,
    OptionalProject,
    Project,
    console,
    open_ctx,
    worker_option,
)
from dangan.config import RetouchConfig
from dangan.errors import InputError
from dangan.i18n import join, t
from dangan.imaging import context as c
from dangan.imaging.context import PageReport, RetouchOptions

if TYPE_CHECKING:
    from dangan.services.project import ProjectContext
    from dangan.services.retouch import RetouchSummary

# One default for both routes: the project's ``retouch.holes`` (README, configuration table).
HOLES_DEFAULT: bool = RetouchConfig.model_fields["holes"].default


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn(t("retouch.progress_rate", rate="{task.fields[rate]:.1f}")),
        TimeRemainingColumn(), console=console,
        transient=False,
    )


def _print_summary(summary: RetouchSummary) -> None:
    counts = summary.counts
    if counts.get("skipped", 0) == len(summary.pages):  # nothing done: no speed to speak of
        console.print(escape(t("retouch.summary_all_kept", pages=len(summary.pages),
                               seconds=summary.seconds)))
    else:
        console.print(escape(t("retouch.summary", pages=len(summary.pages),
                               ok=counts.get("ok", 0), defect=counts.get("defect", 0),
                               failed=counts.get("failed", 0), skipped=counts.get("skipped", 0),
                               seconds=summary.seconds, rate=summary.pages_per_second,
                               workers=summary.workers)))
    flagged = [p for p in summary.kept_pages() if p.defects]
    if flagged:  # their findings are listed below as the earlier run found them
        console.print(escape(t("retouch.kept_flagged", count=len(flagged),
                               names=_names(flagged, summary))))
    from dangan.services.retouch import run_fault

    pages = _pages_by_code([p for p in summary.pages if not run_fault(p)])
    for code, findings in sorted(summary.defects.items()):
        name = t(f"retouch.defect.{code}")
        line = (t("retouch.defect_line", code=code, name=name, count=pages[code])
                if findings == pages[code] else  # a page may be flagged for several reasons
                t("retouch.defect_line_findings", code=code, name=name, count=pages[code],
                  findings=findings))
        console.print("  " + escape(line))
    for reason, count in sorted(Counter(r for p in summary.pages for r in p.review).items()):
        console.print("    " + escape(t("retouch.review_line", reason=reason,
                                        name=t(f"retouch.review.{reason}"), count=count)))
    run_failed = summary.run_failed()
    if run_failed:  # the storage's or a lost worker's fault: failed pages, not findings
        console.print("  " + escape(t("retouch.run_failed_line", count=len(run_failed))))
    _print_ignored(summary.ignored)
    _print_dpi(summary, project=bool(summary.places))


def _pages_by_code(reports: list[PageReport]) -> Counter[str]:
    """How many pages have each finding (a page asked to be reviewed for two reasons counts
    once under ``needs_review``)."""
    return Counter(code for rep in reports for code in {d.code for d in rep.defects})


def _print_ignored(ignored: list[str]) -> None:
    """The files under SRC that are no page of the run, by why (5 names each; all in the
    report)."""
    from dangan.services.retouch import IGNORED_NOT_IMAGE, ignored_reason

    by_reason: dict[str, list[str]] = {}
    for rel in sorted(ignored):
        by_reason.setdefault(ignored_reason(rel), []).append(rel)
    for reason, files in sorted(by_reason.items()):
        key = "retouch.ignored" if reason == IGNORED_NOT_IMAGE else f"retouch.ignored_{reason}"
        console.print(escape(t(key, count=len(files), files=", ".join(files[:5])
                               + (" …" if len(files) > 5 else ""))))


def _names(reports: list[PageReport], summary: RetouchSummary, limit: int = 10) -> str:
    names = []
    for rep in reports[:limit]:
        volume, page = summary.places.get(rep.source, ("", None))
        names.append(f"{volume} {page}" if volume and page is not None else
                     rep.source if rep.pages <= 1 else f"{rep.source} p{rep.page}")
    return join(names) + ("…" if len(reports) > limit else "")


def _print_dpi(summary: RetouchSummary, project: bool) -> None:
    """Where the pages' resolution came from: their own files, the fallback, the size of a
    sheet filling the frame, or --dpi."""
    counts = summary.dpi_counts()
    if c.DPI_FILE in counts:
        own = counts[c.DPI_FILE]
        console.print(escape(t("retouch.dpi_file", count=sum(own.values()), dpis=join(
            t("retouch.dpi_each", dpi=dpi, count=n) for dpi, n in own.items()))))
    fallback = sorted((p for p in summary.pages if p.dpi_source == c.DPI_FALLBACK
                       and p.status not in ("failed", "skipped")), key=lambda p: p.source)
    if fallback:
        key = "retouch.dpi_fallback_project" if project else "retouch.dpi_fallback_folder"
        console.print(escape(t(key, count=len(fallback), dpi=summary.fallback_dpi or
                               fallback[0].dpi, names=_names(fallback, summary))))
    sized = sorted((p for p in summary.pages if p.dpi_source == c.DPI_SIZE
                    and p.status not in ("failed", "skipped")), key=lambda p: p.source)
    if sized:
        console.print(escape(t("retouch.dpi_size", count=len(sized), dpis=join(
            t("retouch.dpi_each", dpi=dpi, count=n)
            for dpi, n in counts.get(c.DPI_SIZE, {}).items()), names=_names(sized, summary))))
    if c.DPI_OPTION in counts:
        for dpi, n in counts[c.DPI_OPTION].items():
            console.print(escape(t("retouch.dpi_option", count=n, dpi=dpi)))


def _print_issues(summary: RetouchSummary, report: str | None, project: bool) -> None:
    """The pages to look at: one line per page and finding, in words, capped."""
    from dangan.services.retouch import MAX_ISSUE_LINES, page_issues

    issues = page_issues(summary)
    if not issues:
        return
    console.print(escape(t("retouch.issues_head", count=len(issues))))
    for issue in issues[:MAX_ISSUE_LINES]:
        level = t(f"retouch.level.{issue.level}")
        if issue.page is not None:
            line = t("retouch.issue_line", volume=issue.volume, page=issue.page, level=level,
                     words=issue.words)
        else:
            line = t("retouch.issue_line_file", path=issue.path, level=level, words=issue.words)
        console.print("  " + escape(line), style="red" if issue.level == "error" else None)
    if len(issues) > MAX_ISSUE_LINES:
        where = (t("retouch.issues_where_report", path=report) if report else
                 t("retouch.issues_where_project") if project else
                 t("retouch.issues_where_folder"))
        console.print("  " + escape(t("retouch.issues_more", count=len(issues) - MAX_ISSUE_LINES,
                                      where=where)))


def _print_project_outcome(summary: RetouchSummary, user: str) -> None:
    """What a project run resumed and signed, per volume, and why a volume is not signed."""
    if summary.resumed():
        console.print(escape(summary.resumed()))
    for code, (pages, defects) in summary.signed_figures.items():
        console.print(escape(t("retouch.volume_signed", code=code, stage=t("stage.retouch"),
                               user=user, pages=pages, defects=defects)))
        open_pages = summary.signed_with_errors.get(code)
        if open_pages:
            said = t("retouch.signed_with_errors", code=code, count=len(open_pages),
                     pages=join(str(n) for n in open_pages))
            console.print(f"[yellow]•[/] {escape(said)}")
    if summary.already:
        console.print(escape(t("retouch.volumes_already_signed", count=len(summary.already),
                               codes="、".join(summary.already[:10]))))
    for line in summary.unsigned:
        console.print(f"[yellow]•[/] {escape(line)}")
    _print_held(summary)


def _print_held(summary: RetouchSummary) -> None:
    """The volumes held for a person: each with its pages and why, then what to do."""
    from dangan.services.retouch.hold import held_entries, pages_count

    if not summary.held:
        return
    console.print(escape(t("retouch.hold.summary", count=len(summary.held),
                           pages=pages_count(summary.held))), style="yellow")
    entries = held_entries(summary.held, next_stage=summary.next_stage)
    for depth, line in entries[:-1]:
        console.print("  " * depth + f"[yellow]•[/] {escape(line)}")
    console.print(escape(entries[-1][1]))


def default_project() -> Path | None:
    """The project of a ``retouch`` given no SRC and DST: as for every command, ``-p``
    defaults to ``DANGAN_PROJECT``, else the current directory when it holds dangan.toml."""
    import os

    from dangan.config import CONFIG_FILE

    env = os.environ.get(PROJECT_ENV)
    if env:
        return Path(env)
    return Path(".") if Path(CONFIG_FILE).is_file() else None


def retouch(
    src: str = typer.Argument(None, metavar="[SRC]"),
    dst: str = typer.Argument(None, metavar="[DST]"),
    dpi: int = typer.Option(None, "--dpi"),
    mode: str = typer.Option("colour", "--mode"),
    fmt: str = typer.Option("jpg", "--format"),
    holes: bool = typer.Option(HOLES_DEFAULT, "--holes/--no-holes"),
    deskew: bool = typer.Option(True, "--deskew/--no-deskew"),
    orientation: bool = typer.Option(True, "--orientation/--no-orientation"),
    borders: bool = typer.Option(True, "--borders/--no-borders"),
    quality: int = typer.Option(85, "--jpeg-quality"),
    page_size: str = typer.Option("A4", "--page-size"),
    workers: int = typer.Option(0, "--workers"),
    scheduler: str = typer.Option(None, "--scheduler"),
    report: str = typer.Option(None, "--report"),
    force: bool = typer.Option(False, "--force"),
    project: Path = OptionalProject,
    batch: str = typer.Option(None, "--batch"),
    user: str = worker_option("cli.opt.retoucher", required=False),
) -> None:
    """修图 · retouch: deskew, orientation, borders, holes, A4, automatic page QC."""
    from dangan.compute.executors import make_executor
    from dangan.services import retouch as svc

    if mode not in ("colour", "grey", "bilevel"):
        raise InputError("retouch.bad_option", name="--mode", value=mode)
    if fmt not in ("jpg", "tif"):
        raise InputError("retouch.bad_option", name="--format", value=fmt)
    if project is None and not src and not dst:  # no folders given: the project's own
        project = default_project()
    opts = RetouchOptions(dpi=dpi or 200, trust_file_dpi=dpi is None, mode=mode, fmt=fmt, holes=holes,  # type: ignore[arg-type]
                          jpeg_quality=quality, page_size_mm=svc.page_size_mm(page_size),
                          deskew=deskew, orientation=orientation, borders=borders)
    if project is None and src and dst:
        from dangan.storage.paths import overlaps

        if overlaps(src, dst):  # the masters would be overwritten or retouched twice
            raise InputError("cli.retouch_overlap", src=src, dst=dst)
    executor = make_executor(workers or None, scheduler)
    user_name = ""
    try:
        if project is not None:
            from dangan.services.engine import resolve_actor
            from dangan.services.retouch import project as retouch_project

            ctx = open_ctx(project)
            actor = resolve_actor(ctx, user) if user else None
            user_name = actor.name if actor else ""
            summary = _with_progress(None, lambda tick: retouch_project.run(
                ctx, executor, batch=batch, actor=actor, progress=tick, force=force))
        else:
            if not src or not dst:
                raise InputError("retouch.need_paths")
            ignored: list[str] = []
            tasks = svc.plan_tree(src, dst, opts, force=force, ignored=ignored)
            if not tasks:
                raise InputError("retouch.no_pages", path=src)
            summary = _with_progress(len(tasks), lambda tick: svc.run_tasks(
                tasks, executor, progress=tick))
            summary.ignored = ignored
    finally:
        executor.close()
    _print_summary(summary)
    _print_issues(summary, report, project is not None)
    if project is not None:
        _print_project_outcome(summary, user_name)
    if report:
        svc.write_report(report, summary)
        console.print(escape(t("retouch.report_written", path=report)))
    # pages that failed end both routes with an error once the rest is done, recorded and
    # printed: exit 11 for the storage's fault, else exit 4, naming each page and why
    failure = svc.failure_error(summary, project=project is not None)
    if failure is not None:
        raise failure


def _with_progress(total: int | None,
                   run: Callable[[Callable[[PageReport], None]], RetouchSummary]) -> RetouchSummary:
    """Run with a progress bar showing pages/s and the time left; without a ``total``, the
    bar takes the number of pages the run plans (a project's run)."""
    from dangan.services.retouch import pages_planned

    start = time.perf_counter()
    with _progress() as bar:
        task_id = bar.add_task(t("retouch.progress"), total=total, rate=0.0)

        def tick(_: PageReport) -> None:
            done = bar.tasks[0].completed + 1
            bar.update(task_id, advance=1, rate=done / max(1e-6, time.perf_counter() - start))

        def planned(pages: int) -> None:
            bar.update(task_id, total=pages)

        if total is not None:
            return run(tick)
        with pages_planned(planned):
            return run(tick)


page_app = typer.Typer(help="cli.help.page", no_args_is_help=True)


@page_app.command("accept")
def page_accept(code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
                pages: list[int] = typer.Option(..., "--page", metavar="N"),
                user: str = worker_option("cli.opt.retoucher"),
                reason: str = typer.Option("", "--reason"),
                project: Path = Project) -> None:
    """接受自动修图的结果：修图员看过这些页，无误（免除其提示，含“需人工复核”）。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.retouch import fix

    ctx = open_ctx(project)
    waived = fix.accept_pages(ctx, resolve_actor(ctx, user), code, pages, reason)
    for page_no, count in waived.items():
        console.print(escape(t("retouch.page.accepted", code=code, page=page_no, waived=count)))
    _print_left(ctx, code)


@page_app.command("replace")
def page_replace(code: str = typer.Argument(..., metavar="ARCHIVE_CODE"),
                 file: Path = typer.Argument(..., metavar="FILE"),
                 page: int = typer.Option(..., "--page", metavar="N"),
                 user: str = worker_option("cli.opt.retoucher"),
                 project: Path = Project) -> None:
    """用手工修好的文件替换一页（新版本，原图不动）。"""
    from dangan.services.engine import resolve_actor
    from dangan.services.retouch import fix

    try:
        data = file.read_bytes()
    except OSError:
        raise InputError("retouch.page.no_file", path=str(file)) from None
    ctx = open_ctx(project)
    done = fix.replace_page(ctx, resolve_actor(ctx, user), code, page, data)
    console.print(escape(t("retouch.page.replaced", code=code, page=page, version=done.version,
                           path=done.path, sha=done.sha256[:12], settled=done.settled)))
    _print_left(ctx, code)


def _print_left(ctx: ProjectContext, code: str) -> None:
    """What is still held in the volume, or that a retouch run now signs it."""
    from dangan.services.retouch import fix

    left = fix.still_held(ctx, code)
    if left:
        console.print(escape(t("retouch.page.still_held", code=code, count=len(left),
                               pages=join(str(p.page_no) for p in left))), style="yellow")
    else:
        console.print(escape(t("retouch.page.none_held", code=code)))


def register(app: typer.Typer) -> None:
    app.command("retouch")(retouch)
    app.add_typer(page_app, name="page")
