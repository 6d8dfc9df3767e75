"""Estimate (项目测算): person-days per stage from the volume list and the rates per
person-day, calendar days for a staffing plan (or staff for a deadline), labour cost from the
piece rates, and a what-if table. Once work has started the measured rates replace the
configured ones and only the work left is estimated."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from dangan.config import ProjectConfig
from dangan.db.models import Item, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import t
from dangan.reports.common import local_day, work_select
from dangan.reports.document import INTEGER, MONEY, NUMBER, ReportDoc, Table
from dangan.reports.pay import stage_rates
from dangan.services.project import ProjectContext

# Pages per person-day by stage, from practice (a scanner does ~2,000 A4 pages a day; the
# QC inspector samples 5 %, so reads far more). ``scan`` follows workload.pages_per_person_day.
DEFAULT_STAGE_RATES: dict[str, float] = {
    wf.BORROW: 20000, wf.SORT: 1500, wf.RETOUCH: 3000, wf.INDEX: 1200, wf.UPLOAD: 8000,
    wf.QC: 4000, wf.QC2: 6000, wf.QC3: 8000, wf.REBIND: 1500, wf.RETURN: 20000,
}
DEFAULT_PAGES_PER_VOLUME = 40  # court volumes (DOMAIN.md) when the list gives no pages
DEFAULT_PAGES_PER_ITEM = 10


def configured_rates(config: ProjectConfig) -> dict[str, float]:
    rates = {**DEFAULT_STAGE_RATES, wf.SCAN: float(config.workload.pages_per_person_day)}
    rates.update(config.workload.stage_rates)
    return {s: rates[s] for s in config.workflow.stages if s in rates}


@dataclass(frozen=True)
class StageEstimate:
    stage: str
    pages_left: int
    rate: float  # pages per person-day
    measured: bool
    person_days: float
    staff: int
    working_days: float
    cost: float


@dataclass(frozen=True)
class Plan:
    name: str
    staff: dict[str, int]
    working_days: float
    finish: str
    bottleneck: str


@dataclass(frozen=True)
class Estimate:
    volumes: int
    pages: int
    items: float
    volumes_left: int
    start: str
    days_per_week: int
    stages: tuple[StageEstimate, ...]
    person_days: float
    working_days: float
    finish: str
    cost: float
    scan_station_days: float
    deadline: str
    staff_for_deadline: dict[str, int]
    plans: tuple[Plan, ...]
    items_estimated: bool = False  # no catalogue yet: items from the pages (pages_per_item)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        def head(*cols: str) -> tuple[str, ...]:
            return tuple(t(f"reports.col.{c}") for c in cols)

        yes, no = t("reports.measured"), t("reports.configured")
        stages = Table(t("reports.estimate.stages"),
                       head("stage", "pages_left", "stage_rate", "source", "person_days", "staff",
                            "working_days", "cost"),
                       tuple((t(f"stage.{s.stage}"), s.pages_left, s.rate,
                              yes if s.measured else no, s.person_days, s.staff,
                              s.working_days, s.cost) for s in self.stages),
                       ("", INTEGER, NUMBER, "", NUMBER, INTEGER, NUMBER, MONEY))
        plan_stages = [s.stage for s in self.stages]
        plans = Table(t("reports.estimate.plans"),
                      (t("reports.col.plan"), *(t(f"stage.{s}") for s in plan_stages),
                       t("reports.col.working_days"), t("reports.col.finish"),
                       t("reports.col.bottleneck")),
                      tuple((p.name, *(p.staff.get(s, 0) for s in plan_stages), p.working_days,
                             p.finish, t(f"stage.{p.bottleneck}")) for p in self.plans),
                      ("", *(INTEGER,) * len(plan_stages), NUMBER, "", ""))
        facts: list[tuple[str, object]] = [
            (t("reports.fact.volumes"), self.volumes), (t("reports.fact.pages"), self.pages),
            (t("reports.fact.items"),
             t("reports.fact.items_estimated", items=f"{self.items:g}") if self.items_estimated
             else int(self.items)),
            (t("reports.fact.volumes_left"), self.volumes_left),
            (t("reports.fact.person_days"), self.person_days),
            (t("reports.fact.working_days"), self.working_days),
            (t("reports.fact.start"), self.start), (t("reports.fact.finish"), self.finish),
            (t("reports.fact.cost"), self.cost),
            (t("reports.fact.scan_station_days"), self.scan_station_days)]
        tables = [stages, plans]
        if self.deadline:
            facts.append((t("reports.fact.deadline"), self.deadline))
            tables.append(Table(t("reports.estimate.for_deadline"), head("stage", "staff"),
                                tuple((t(f"stage.{s}"), n)
                                      for s, n in self.staff_for_deadline.items())))
        return ReportDoc(t("reports.estimate.title"), project, tuple(facts), tuple(tables))


def _left_by_stage(ctx: ProjectContext, stages: list[str]
                   ) -> tuple[int, int, int, dict[str, int], dict[str, int], dict[str, int]]:
    """(volumes, pages, items, pages not yet signed per stage, volumes and pages signed per
    stage)."""
    with ctx.transaction() as session:
        volumes, pages = session.execute(select(func.count(), func.sum(
            func.coalesce(Volume.page_count, Volume.expected_pages, DEFAULT_PAGES_PER_VOLUME)))
            .where(Volume.project_id == ctx.project_id)).one()
        items = session.scalar(select(func.count()).select_from(Item).join(
            Volume, Volume.id == Item.volume_id).where(Volume.project_id == ctx.project_id)) or 0
        done = {r.stage: (int(r.pages or 0), int(r.volumes)) for r in session.execute(
            work_select(ctx.project_id, None, None, StageEvent.stage, exact=False))}
    total = int(pages or 0)
    left = {s: max(0, total - done.get(s, (0, 0))[0]) for s in stages}
    return (int(volumes or 0), total, int(items), left,
            {s: v for s, (_p, v) in done.items()}, {s: p for s, (p, _v) in done.items()})


def measured_rates(ctx: ProjectContext, pages: dict[str, int]) -> dict[str, float]:
    """Pages per person-day by stage so far (a person-day: a worker's day with a sign-off)."""
    with ctx.transaction() as session:
        day = local_day(StageEvent.at, session.get_bind().dialect.name)
        worked = (select(StageEvent.stage, StageEvent.worker_id, day.label("day"))
                  .where(StageEvent.project_id == ctx.project_id,
                         StageEvent.kind == wf.EVENT_SIGNOFF,
                         StageEvent.volume_id.is_not(None)).distinct().subquery())
        days: dict[str, int] = dict(session.execute(select(worked.c.stage, func.count())
                                    .group_by(worked.c.stage)).all())
    return {s: round(pages.get(s, 0) / n, 1) for s, n in days.items() if n and pages.get(s)}


def _finish(start: date, working_days: float, days_per_week: int) -> str:
    return (start + timedelta(days=math.ceil(working_days * 7 / days_per_week))).isoformat()


def estimate(ctx: ProjectContext, staff: dict[str, int] | None = None, *,
             start: date | None = None, deadline: date | None = None,
             plans: dict[str, dict[str, int]] | None = None, days_per_week: int = 6,
             pages_per_item: float = DEFAULT_PAGES_PER_ITEM) -> Estimate:
    config = ctx.config
    rates = configured_rates(config)
    stages = list(rates)
    volumes, pages, items, left, signed, signed_pages = _left_by_stage(ctx, stages)
    measured = measured_rates(ctx, signed_pages)
    items_est = round(pages / pages_per_item, 1) if items == 0 else float(items)
    items_per_page = items_est / pages if pages else 0.0
    volumes_per_page = volumes / pages if pages else 0.0
    start = start or date.today()
    for given in (staff or {}, *(plans or {}).values()):
        unknown = sorted(set(given) - set(stages))
        if unknown:
            raise InputError("reports.bad_staff_stage", stage=unknown[0],
                             stages=", ".join(stages))
    staff = {s: max(1, (staff or {}).get(s, 1)) for s in stages}
    piece = stage_rates(config, tuple(stages))
    rows = []
    for s in stages:
        rate = measured.get(s) or rates[s]
        pd = round(left[s] / rate, 2)
        cost = sum(_units(unit, left[s], items_per_page, volumes_per_page) * r for unit, r in piece.get(s, []))
        rows.append(StageEstimate(s, left[s], rate, s in measured, pd, staff[s],
                                  round(pd / staff[s], 2), round(cost, 2)))
    working = max((r.working_days for r in rows), default=0.0)
    need: dict[str, int] = {}
    if deadline is not None:
        days = max(1.0, (deadline - start).days * days_per_week / 7)
        need = {r.stage: max(1, math.ceil(r.person_days / days)) for r in rows}
    all_plans = dict(plans or {})
    if not all_plans:
        all_plans = {t("reports.estimate.plan_given"): staff,
                     t("reports.estimate.plan_double"): {s: 2 * n for s, n in staff.items()}}
        if need:
            all_plans[t("reports.estimate.plan_deadline")] = need
    plan_rows = tuple(_plan(name, p, rows, start, days_per_week)
                      for name, p in all_plans.items())
    volumes_left = volumes - signed.get(stages[-1], 0) if stages else volumes
    return Estimate(volumes, pages, items_est, volumes_left, start.isoformat(), days_per_week,
                    tuple(rows), round(sum(r.person_days for r in rows), 2), working,
                    _finish(start, working, days_per_week),
                    round(sum(r.cost for r in rows), 2),
                    next((r.person_days for r in rows if r.stage == wf.SCAN), 0.0),
                    deadline.isoformat() if deadline else "", need, plan_rows,
                    items_estimated=items == 0)


def _units(unit: str, pages: int, items_per_page: float, volumes_per_page: float) -> float:
    """Units of work left in ``pages`` pages (items and volumes in the list's proportion)."""
    if unit == "page":
        return pages
    return pages * (items_per_page if unit == "item" else volumes_per_page)


def _plan(name: str, staff: dict[str, int], rows: list[StageEstimate], start: date,
          days_per_week: int) -> Plan:
    days = {r.stage: round(r.person_days / max(1, staff.get(r.stage, 1)), 2) for r in rows}
    slowest = max(days, key=lambda s: days[s]) if days else ""
    working = days.get(slowest, 0.0)
    return Plan(name, {r.stage: max(1, staff.get(r.stage, 1)) for r in rows}, working,
                _finish(start, working, days_per_week), slowest)

