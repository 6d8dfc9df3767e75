"""``dangan report …``: the project manager's reports as .xlsx, PDF and JSON, and
``dangan worker mentor`` (老带新). Thin: every figure comes from ``dangan.reports``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.errors import InputError
from dangan.i18n import t

if TYPE_CHECKING:
    from dangan.reports.document import ReportDoc

report_app = typer.Typer(help="cli.help.report", no_args_is_help=True)

Output = typer.Option(None, "-o", "--output", help="cli.opt.report.output")
PeriodOpt = typer.Option(None, "--period", help="cli.opt.report.period")
FORMATS = (".xlsx", ".pdf", ".json")


def _emit(result: Any, ctx: Any, outputs: list[Path] | None, as_json: bool) -> None:
    """Write each requested file; print JSON or a short view on the terminal."""
    import json

    from dangan.export.reports_pdf import write_report_pdf
    from dangan.export.reports_xlsx import write_report_xlsx

    for path in outputs or []:
        if path.suffix.lower() not in FORMATS:
            raise InputError("reports.bad_format", path=path)
    doc = result.document(ctx.config.project.name)
    for path in outputs or []:
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            write_report_xlsx(doc, path)
        elif suffix == ".pdf":
            write_report_pdf(doc, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2,
                                       default=str), encoding="utf-8")
        if not as_json:
            console.print(escape(t("reports.written", path=path)))
    if as_json:
        print_json(result.to_dict())
        return
    if outputs:
        return
    print_doc(doc)


TERMINAL_ROWS = 50  # rows of a table shown on the terminal; the files hold them all


def print_doc(doc: ReportDoc) -> None:
    """A report on the terminal: facts, then each table (its first TERMINAL_ROWS rows, saying
    so when there are more)."""
    from dangan.reports.document import column_format, display

    console.print(f"[bold]{escape(doc.title)}[/]")
    for name, value in doc.facts:
        console.print(escape(t("i18n.with_detail", label=name,
                               detail=display(value, doc.fact_kind(name)))))
    for table in doc.tables:
        # headers and cells wrap at any terminal width, never cut to "…"
        view = Table(*(Column(c, overflow="fold") for c in table.columns), title=table.title)
        for row in table.rows[:TERMINAL_ROWS]:
            view.add_row(*(escape(display(v, column_format(table, i)))
                           for i, v in enumerate(row)))
        console.print(view)
        if len(table.rows) > TERMINAL_ROWS:
            console.print(escape(t("reports.rows_cut", shown=TERMINAL_ROWS, rows=len(table.rows))))


def _staff(values: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values or []:
        for part in value.split(","):
            stage, sep, n = part.partition("=")
            if not sep or not n.strip().isdigit():
                raise InputError("reports.bad_staff", value=value)
            out[stage.strip()] = int(n)
    return out


@report_app.command("estimate")
def report_estimate(project: Path = Project,
                    staff: list[str] = typer.Option(None, "--staff", help="cli.opt.report.staff"),
                    plan: list[str] = typer.Option(None, "--plan", help="cli.opt.report.plan"),
                    start: str = typer.Option(None, "--start", help="cli.opt.report.start"),
                    deadline: str = typer.Option(None, "--deadline",
                                                 help="cli.opt.report.deadline"),
                    days_per_week: int = typer.Option(6, "--days-per-week", min=1, max=7,
                                                      help="cli.opt.report.days_per_week"),
                    output: list[Path] = Output, as_json: bool = AsJson) -> None:
    from dangan.reports.common import parse_date
    from dangan.reports.estimate import estimate

    ctx = open_ctx(project, read_only=True)
    plans = {}
    for p in plan or []:
        name, sep, spec = p.partition(":")
        if not sep:
            raise InputError("reports.bad_staff", value=p)
        plans[name.strip()] = _staff([spec])
    result = estimate(ctx, _staff(staff), start=parse_date(start) if start else None,
                      deadline=parse_date(deadline) if deadline else None, plans=plans,
                      days_per_week=days_per_week)
    _emit(result, ctx, output, as_json)


@report_app.command("productivity")
def report_productivity(project: Path = Project, period: str = PeriodOpt,
                        by: str = typer.Option("day", "--per", help="cli.opt.report.by"),
                        worker: str = worker_option("cli.opt.report.worker_filter",
                                                    required=False),
                        output: list[Path] = Output, as_json: bool = AsJson) -> None:
    from dangan.reports.common import parse_period
    from dangan.reports.productivity import BUCKETS, productivity

    if by not in BUCKETS:
        raise typer.BadParameter(", ".join(BUCKETS), param_hint="--per")
    ctx = open_ctx(project, read_only=True)
    result = productivity(ctx, parse_period(period) if period else None, by, worker)
    _emit(result, ctx, output, as_json)


@report_app.command("quality")
def report_quality(project: Path = Project, period: str = PeriodOpt,
                   output: list[Path] = Output, as_json: bool = AsJson) -> None:
    from dangan.reports.common import parse_period
    from dangan.reports.quality import quality

    ctx = open_ctx(project, read_only=True)
    _emit(quality(ctx, parse_period(period) if period else None), ctx, output, as_json)


@report_app.command("pay")
def report_pay(project: Path = Project,
               period: str = typer.Option(..., "--period", help="cli.opt.report.pay.period"),
               close: bool = typer.Option(False, "--close", help="cli.opt.report.pay.close"),
               worker: str = worker_option("cli.opt.report.pay.worker", required=False),
               output: list[Path] = Output, as_json: bool = AsJson) -> None:
    """With --close, -w is the project manager who closes the period; else it picks a slip."""
    from dangan.domain import workflow as wf
    from dangan.reports.common import parse_period
    from dangan.reports.pay import close_period, pay_report
    from dangan.services.engine import require_any_role, resolve_actor

    when = parse_period(period)
    if close:
        if not worker:
            raise InputError("reports.close_needs_worker")
        ctx = open_ctx(project)
        actor = resolve_actor(ctx, worker)
        require_any_role(actor, frozenset({wf.PROJECT_MANAGER}))
        result = close_period(ctx, when, actor.name)
    else:
        ctx = open_ctx(project, read_only=True)
        result = pay_report(ctx, when, worker)
    _emit(result, ctx, output, as_json)


@report_app.command("weekly")
def report_weekly(project: Path = Project,
                  week: str = typer.Option(None, "--week", help="cli.opt.report.week"),
                  start: str = typer.Option(None, "--start", help="cli.opt.report.start"),
                  deadline: str = typer.Option(None, "--deadline",
                                               help="cli.opt.report.deadline"),
                  output: list[Path] = Output, as_json: bool = AsJson) -> None:
    from dangan.reports.common import parse_date, parse_period
    from dangan.reports.weekly import weekly

    ctx = open_ctx(project, read_only=True)
    result = weekly(ctx, parse_period(week) if week else None,
                    plan_start=parse_date(start) if start else None,
                    deadline=parse_date(deadline) if deadline else None)
    _emit(result, ctx, output, as_json)


@report_app.command("summary")
def report_summary(project: Path = Project, output: list[Path] = Output,
                   as_json: bool = AsJson) -> None:
    from dangan.reports.summary import summary

    ctx = open_ctx(project, read_only=True)
    _emit(summary(ctx), ctx, output, as_json)


def worker_mentor(name: str = typer.Argument(..., metavar="NAME"),
                  mentor: str = typer.Option(None, "--mentor"),
                  until: str = typer.Option(None, "--until"),
                  clear: bool = typer.Option(False, "--clear"),
                  project: Path = Project) -> None:
    from dangan.reports.common import parse_date
    from dangan.reports.pay import set_mentor

    ctx = open_ctx(project)
    if clear:
        set_mentor(ctx, name, None, None)
        console.print(escape(t("reports.mentor_cleared", name=name)))
        return
    if not mentor:
        raise InputError("reports.mentor_needs_mentor", name=name)
    day = parse_date(until) if until else None
    set_mentor(ctx, name, mentor, day)
    console.print(escape(t("reports.mentor_set", name=name, mentor=mentor, until=day)))


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
    from dangan.cli.workflow import worker_app

    worker_app.command("mentor")(worker_mentor)
    from dangan.cli import teams

    teams.register(worker_app)
