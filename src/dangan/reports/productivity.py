"""Productivity (产量统计): pages, volumes and items signed per worker, per role and per team
(班组, as the teams are now), by day, week or month, and the per-person-day rates (a
person-day is a worker's day with any sign-off)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select

from dangan.db.models import StageEvent, Worker
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.reports.common import Period, local_day, work_select
from dangan.reports.document import INTEGER, NUMBER, ReportDoc, Table
from dangan.services.project import ProjectContext

BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class ProductivityRow:
    bucket: str  # 2026-11-02 / 2026-W45 / 2026-11
    worker: str
    stage: str
    volumes: int
    pages: int
    items: int
    person_days: int
    pages_per_day: float


@dataclass(frozen=True)
class StageRate:
    stage: str
    workers: int
    person_days: int
    volumes: int
    pages: int
    items: int
    pages_per_day: float


@dataclass(frozen=True)
class TeamRow:
    bucket: str
    team: str  # "" = workers in no team
    stage: str
    workers: int
    volumes: int
    pages: int
    items: int
    person_days: int
    pages_per_day: float


@dataclass(frozen=True)
class Productivity:
    period: str
    by: str
    rows: tuple[ProductivityRow, ...]
    stages: tuple[StageRate, ...]
    teams: tuple[TeamRow, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        head = tuple(t(f"reports.col.{c}") for c in (
            "bucket", "worker", "stage", "volumes", "pages", "items", "person_days",
            "pages_per_day"))
        rows = tuple((r.bucket, r.worker, t(f"stage.{r.stage}"), r.volumes, r.pages, r.items,
                      r.person_days, r.pages_per_day) for r in self.rows)
        shead = tuple(t(f"reports.col.{c}") for c in (
            "stage", "workers", "person_days", "volumes", "pages", "items", "pages_per_day"))
        srows = tuple((t(f"stage.{s.stage}"), s.workers, s.person_days, s.volumes, s.pages,
                       s.items, s.pages_per_day) for s in self.stages)
        thead = (t("reports.col.bucket"), t("teams.col.team"),
                 *(t(f"reports.col.{c}") for c in ("stage", "workers", "volumes", "pages",
                                                   "items", "person_days", "pages_per_day")))
        trows = tuple((r.bucket, r.team or t("teams.no_team"), t(f"stage.{r.stage}"), r.workers,
                       r.volumes, r.pages, r.items, r.person_days, r.pages_per_day)
                      for r in self.teams)
        return ReportDoc(t("reports.productivity.title"), project,
                         ((t("reports.fact.period"), self.period or t("reports.fact.all")),),
                         (Table(t("reports.productivity.by_stage"), shead, srows,
                                ("", INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, NUMBER)),
                          Table(t("reports.productivity.by_team"), thead, trows,
                                ("", "", "", *(INTEGER,) * 5, NUMBER)),
                          Table(t("reports.productivity.by_worker"), head, rows,
                                ("", "", "", *(INTEGER,) * 4, NUMBER))))


def bucket_of(day: str, by: str) -> str:
    d = date.fromisoformat(day)
    if by == "week":
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}"
    if by == "month":
        return day[:7]
    return day


def daily(ctx: ProjectContext, period: Period | None,
          worker: str | None = None) -> list[tuple[str, int, str, int, int, int]]:
    """(day, worker_id, stage, volumes, pages, items) per worker, stage and local day."""
    with ctx.transaction() as session:
        dialect = session.get_bind().dialect.name
        day = local_day(StageEvent.at, dialect).label("day")
        query = work_select(ctx.project_id, period.starts_at if period else None,
                            period.ends_at if period else None,
                            day, StageEvent.worker_id, StageEvent.stage)
        if worker is not None:
            query = query.where(StageEvent.worker_id == select(Worker.id).where(
                Worker.project_id == ctx.project_id, Worker.name == worker).scalar_subquery())
        return [(str(r.day), r.worker_id, r.stage, int(r.volumes), int(r.pages or 0),
                 int(r.items or 0)) for r in session.execute(query)]


def worker_names(ctx: ProjectContext) -> dict[int, str]:
    with ctx.transaction() as session:
        return dict(session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == ctx.project_id)).all())


def productivity(ctx: ProjectContext, period: Period | None, by: str = "day",
                 worker: str | None = None) -> Productivity:
    from dangan.services.workers import team_of_workers

    names = worker_names(ctx)
    teams = team_of_workers(ctx)
    line_order: dict[str, int] = {}  # the line's order: the project's stages, then the rest
    for stage in (*ctx.config.workflow.stages, *wf.ALL_STAGES):
        line_order.setdefault(stage, len(line_order))

    def in_line(stage: str) -> tuple[int, str]:
        return line_order.get(stage, len(line_order)), stage

    rows = daily(ctx, period, worker)
    acc: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    days: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    stage_acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    stage_days: dict[str, set[tuple[int, str]]] = defaultdict(set)
    team_acc: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    team_days: dict[tuple[str, str, str], set[tuple[int, str]]] = defaultdict(set)
    for day, wid, stage, vols, pages, items in rows:
        tkey = (bucket_of(day, by), teams.get(wid, ""), stage)
        for i, v in enumerate((vols, pages, items)):
            team_acc[tkey][i] += v
        team_days[tkey].add((wid, day))
        key = (bucket_of(day, by), names.get(wid, "?"), stage)
        for i, v in enumerate((vols, pages, items)):
            acc[key][i] += v
            stage_acc[stage][i] += v
        days[key].add(day)
        stage_days[stage].add((wid, day))
    out = tuple(ProductivityRow(b, w, s, v[0], v[1], v[2], len(days[(b, w, s)]),
                                round(v[1] / len(days[(b, w, s)]), 1))
                for (b, w, s), v in sorted(acc.items(),
                                           key=lambda kv: (kv[0][0], kv[0][1], in_line(kv[0][2]))))
    stages = tuple(StageRate(s, len({w for w, _ in stage_days[s]}), len(stage_days[s]),
                             v[0], v[1], v[2], round(v[1] / len(stage_days[s]), 1))
                   for s, v in sorted(stage_acc.items(), key=lambda kv: in_line(kv[0])))
    # the named teams first (by name), then the work of those in no team
    team_rows = tuple(
        TeamRow(b, tm, s, len({w for w, _ in team_days[(b, tm, s)]}),
                v[0], v[1], v[2], len(team_days[(b, tm, s)]),
                round(v[1] / len(team_days[(b, tm, s)]), 1))
        for (b, tm, s), v in sorted(team_acc.items(), key=lambda kv: (kv[0][0], kv[0][1] == "",
                                                                      kv[0][1],
                                                                      in_line(kv[0][2]))))
    return Productivity(period.label if period else "", by, out, stages, team_rows)

