"""Weekly report (周报) for the company: progress against plan (burn-up of pages scanned
and volumes through QC), throughput per week, the finish date forecast from the trailing rate
with its range, a quality summary, the problems met, and next week's plan to fill in."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from dangan.db.models import BorrowBatch, Defect, QCInspection, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.reports.common import (
    FirstPass,
    Period,
    defect_label,
    first_pass,
    local_day,
    local_zone,
    pages_of,
    parse_period,
    work_select,
)
from dangan.reports.document import INTEGER, Chart, ReportDoc, Table
from dangan.reports.productivity import bucket_of
from dangan.services.project import ProjectContext

TRAILING_WEEKS = 4


@dataclass(frozen=True)
class WeekPoint:
    week: str
    pages_scanned: int
    volumes_done: int
    cum_pages: int
    cum_volumes: int
    plan_volumes: int | None


@dataclass(frozen=True)
class Forecast:
    rate_per_day: float  # volumes through QC per calendar day over the trailing window
    remaining: int
    finish: str
    earliest: str  # at the fastest trailing week's rate
    latest: str  # at the slowest trailing week's rate
    days: int = 0  # calendar days the rate rests on (never before the project's first work)


@dataclass(frozen=True)
class Weekly:
    week: str
    total_volumes: int
    total_pages: int
    done_stage: str
    points: tuple[WeekPoint, ...]
    forecast: Forecast
    defects: int
    original_errors: tuple[tuple[str, str, str], ...]  # archive code, code, message
    first_pass: FirstPass  # volumes whose first QC sampling was decided this week
    borrow_problems: tuple[tuple[str, str], ...]  # archive code, remarks
    overdue: tuple[tuple[int, str], ...]  # borrow batch no, due date
    rework_loops: tuple[tuple[str, int], ...]  # work batch, failed inspections

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        def head(*cols: str) -> tuple[str, ...]:
            return tuple(t(f"reports.col.{c}") for c in cols)

        burn = Table(t("reports.weekly.burnup"),
                     head("week", "pages_scanned", "volumes_done", "cum_pages", "cum_volumes",
                          "plan_volumes"),
                     tuple((p.week, p.pages_scanned, p.volumes_done, p.cum_pages, p.cum_volumes,
                            p.plan_volumes if p.plan_volumes is not None else "")
                           for p in self.points), ("", *(INTEGER,) * 5))
        f = self.forecast
        problems = (
            *((t("reports.weekly.borrow_problem"), c, r) for c, r in self.borrow_problems),
            *((t("reports.weekly.original"), c, f"{defect_label(k)} {m}".strip())
              for c, k, m in self.original_errors),
            *((t("reports.weekly.overdue"), str(no), due) for no, due in self.overdue),
            *((t("reports.weekly.rework_loop"), b, t("reports.weekly.failed", n=n))
              for b, n in self.rework_loops))
        dates = parse_period(self.week)
        facts: tuple[tuple[str, object], ...] = (
            (t("reports.fact.week"), t("reports.weekly.dates", week=self.week,
                                       start=dates.start.isoformat(),
                                       end=(dates.end - timedelta(days=1)).isoformat())),
            (t("reports.fact.volumes"), self.total_volumes),
            (t("reports.fact.pages"), self.total_pages),
            (t("reports.fact.done", stage=t(f"stage.{self.done_stage}")),
             self.points[-1].cum_volumes if self.points else 0),
            (t("reports.fact.rate"), t("reports.weekly.rate_days", rate=f.rate_per_day,
                                       days=f.days)),
            (t("reports.fact.remaining"), f.remaining),
            (t("reports.fact.forecast"), f.finish or t("reports.weekly.no_forecast")),
            (t("reports.fact.forecast_range"), f"{f.earliest} – {f.latest}"
             if f.earliest and f.latest else t("reports.weekly.no_forecast")),
            (t("reports.fact.defects_week"), self.defects),
            (t("reports.fact.original_week"), len(self.original_errors)),
            (t("reports.fact.first_pass_week"), str(self.first_pass)))
        this_week = next((p for p in self.points if p.week == self.week), None)
        if not (this_week and (this_week.pages_scanned or this_week.volumes_done)) \
                and not (self.defects or self.first_pass.decided or self.borrow_problems
                         or self.original_errors):
            facts += ((t("reports.fact.note"), t("reports.no_data")),)
        return ReportDoc(
            t("reports.weekly.title"), project, facts,
            (burn, Table(t("reports.weekly.problems"), head("kind", "what", "detail"), problems)),
            (Chart(t("reports.weekly.chart_volumes"), 0, 0, (4, 5)),
             Chart(t("reports.weekly.chart_pages"), 0, 0, (3,))),
            fill_in=tuple(t(f"reports.weekly.next.{k}") for k in (
                "volumes", "pages", "staff", "borrow", "risks")))


def done_stage(stages: list[str]) -> str:
    """The stage whose sign-off counts a volume as finished work: the last QC level."""
    qc = [s for s in stages if s in wf.QC_LEVELS]
    return qc[-1] if qc else [s for s in stages if s != wf.RETURN][-1]


def _daily(ctx: ProjectContext, stage: str, until: datetime) -> dict[str, tuple[int, int]]:
    """Local day -> (volumes, pages) of first sign-offs at ``stage`` up to ``until``."""
    with ctx.transaction() as session:
        day = local_day(StageEvent.at, session.get_bind().dialect.name).label("day")
        rows = session.execute(work_select(ctx.project_id, None, until, day, exact=False)
                               .where(StageEvent.stage == stage)).all()
    return {str(r.day): (int(r.volumes), int(r.pages or 0)) for r in rows}


def forecast(daily_volumes: dict[str, int], end: date, remaining: int,
             weeks: int = TRAILING_WEEKS, *, first_day: date | None = None,
             today: date | None = None) -> Forecast:
    """Finish date at the trailing rate: volumes per calendar day over the ``weeks`` weeks
    before ``end`` (exclusive) — never before ``first_day`` (the project's first work) nor
    after ``today`` (a week still running counts its days so far) — with the range from the
    slowest and fastest of those weeks (the oldest may be shorter)."""
    stop = min(end, (today or date.today()) + timedelta(days=1))
    start = stop - timedelta(days=7 * weeks)
    if first_day is not None:
        start = max(start, min(first_day, stop))
    days = (stop - start).days
    chunks = [(max(start, stop - timedelta(days=7 * (w + 1))), stop - timedelta(days=7 * w))
              for w in range(weeks) if stop - timedelta(days=7 * w) > start]
    per_week = [sum(daily_volumes.get((a + timedelta(days=d)).isoformat(), 0)
                    for d in range((b - a).days)) / (b - a).days for a, b in chunks]
    rate = sum(per_day * (b - a).days for per_day, (a, b) in zip(per_week, chunks,
                                                                 strict=True)) / days \
        if days > 0 else 0.0

    # nothing left: the work finished on the last day a volume was done (not in the future)
    last_done = max((d for d, v in daily_volumes.items() if v > 0 and d <= end.isoformat()),
                    default=end.isoformat())

    def finish(r: float) -> str:
        if remaining <= 0:
            return last_done
        if r <= 0:
            return ""
        return (stop + timedelta(days=math.ceil(remaining / r - 1e-9))).isoformat()

    return Forecast(round(rate, 2), remaining, finish(rate),
                    finish(max(per_week, default=0.0)), finish(min(per_week, default=0.0)),
                    days)


def first_work_day(ctx: ProjectContext) -> date | None:
    """The local day of the project's first sign-off, of any stage."""
    with ctx.transaction() as session:
        first = session.scalar(select(func.min(StageEvent.at)).where(
            StageEvent.project_id == ctx.project_id, StageEvent.kind == wf.EVENT_SIGNOFF))
    if first is None:
        return None
    if first.tzinfo is None:  # SQLite returns naive UTC
        first = first.replace(tzinfo=UTC)
    return first.astimezone(local_zone()).date()


def weekly(ctx: ProjectContext, week: Period | None = None, *,
           plan_start: date | None = None, deadline: date | None = None,
           today: date | None = None) -> Weekly:
    if week is None:
        y, w, _ = date.today().isocalendar()
        week = parse_period(f"{y}-W{w:02d}")
    stages = list(ctx.config.workflow.stages)
    finished = done_stage(stages)
    with ctx.transaction() as session:
        total_volumes, total_pages = session.execute(select(
            func.count(), func.sum(pages_of())).where(
            Volume.project_id == ctx.project_id)).one()
    total_volumes, total_pages = int(total_volumes or 0), int(total_pages or 0)
    scanned = _daily(ctx, wf.SCAN, week.ends_at)
    done = _daily(ctx, finished, week.ends_at)
    points = _burnup(scanned, done, week.end, total_volumes, plan_start, deadline)
    remaining = total_volumes - (points[-1].cum_volumes if points else 0)
    fc = forecast({d: v for d, (v, _p) in done.items()}, week.end, remaining,
                  first_day=first_work_day(ctx), today=today)
    q = _quality_and_problems(ctx, week)
    return Weekly(week.label, total_volumes, total_pages, finished, points, fc, q.defects,
                  q.original_errors, q.first_pass, q.borrow_problems,
                  q.overdue, q.rework_loops)


def _burnup(scanned: dict[str, tuple[int, int]], done: dict[str, tuple[int, int]], end: date,
            total: int, plan_start: date | None, deadline: date | None) -> tuple[WeekPoint, ...]:
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d, (_v, p) in scanned.items():
        weeks[bucket_of(d, "week")][0] += p
    for d, (v, _p) in done.items():
        weeks[bucket_of(d, "week")][1] += v
    if not weeks:
        return ()
    first = min(date.fromisoformat(d) for d in (*scanned, *done))
    monday = first - timedelta(days=first.weekday())
    points, cum_p, cum_v = [], 0, 0
    while monday < end:
        label = bucket_of(monday.isoformat(), "week")
        p, v = weeks.get(label, [0, 0])
        cum_p, cum_v = cum_p + p, cum_v + v
        plan = None
        if plan_start is not None and deadline is not None and deadline > plan_start:
            week_end = monday + timedelta(days=7)
            share = (week_end - plan_start).days / (deadline - plan_start).days
            plan = round(total * min(1.0, max(0.0, share)))
        points.append(WeekPoint(label, p, v, cum_p, cum_v, plan))
        monday += timedelta(days=7)
    return tuple(points)


@dataclass(frozen=True)
class _WeekQuality:
    defects: int
    original_errors: tuple[tuple[str, str, str], ...]
    first_pass: FirstPass
    borrow_problems: tuple[tuple[str, str], ...]
    overdue: tuple[tuple[int, str], ...]
    rework_loops: tuple[tuple[str, int], ...]


def _quality_and_problems(ctx: ProjectContext, week: Period) -> _WeekQuality:
    pid, a, b = ctx.project_id, week.starts_at, week.ends_at
    with ctx.transaction() as session:
        in_week = [Defect.project_id == pid, Defect.found_at >= a, Defect.found_at < b,
                   Defect.status != "waived"]
        defects = session.scalar(select(func.count()).select_from(Defect).where(
            *in_week, Defect.cause != "original")) or 0
        original = tuple((c or "", k, m or "") for c, k, m in session.execute(
            select(Volume.archive_code, Defect.code, Defect.message)
            .outerjoin(Volume, Volume.id == Defect.volume_id)
            .where(*in_week, Defect.cause == "original").order_by(Defect.id)))
        accepted = first_pass(session, pid, a, b)
        problems = tuple((c or "", r or "") for c, r in session.execute(
            select(Volume.archive_code, StageEvent.remarks)
            .outerjoin(Volume, Volume.id == StageEvent.volume_id)
            .where(StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_BORROW_PROBLEM,
                   StageEvent.at >= a, StageEvent.at < b).order_by(StageEvent.id)))
        now = min(datetime.now(UTC), b)
        overdue = tuple((no, due.date().isoformat() if due else "") for no, due in session.execute(
            select(BorrowBatch.no, BorrowBatch.due_at).where(
                BorrowBatch.project_id == pid, BorrowBatch.status == wf.BORROW_OUT,
                BorrowBatch.due_at < now).order_by(BorrowBatch.no)))
        loops = tuple((code, int(n)) for code, n in session.execute(
            select(WorkBatch.code, func.count()).join(
                QCInspection, QCInspection.work_batch_id == WorkBatch.id)
            .where(WorkBatch.project_id == pid, QCInspection.decision == "fail")
            .group_by(WorkBatch.code).having(func.count() >= 2).order_by(WorkBatch.code)))
    return _WeekQuality(int(defects), original, accepted, problems, overdue, loops)
