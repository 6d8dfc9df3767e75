"""The manager's dashboard (项目经理看板), live: the figures of the weekly, quality and pay
reports read by lean aggregate queries, each bounded by an index or a small table, so the
page stays fast on a project of 100,000 volumes and a year of sign-offs.

- progress: every volume's first sign-off at scanning and at the last QC level, read per
  volume from ``ix_stage_event_first`` (the earliest ``at``), counted per local day; the
  burn-up, the weekly throughput and the forecast are then those of the weekly report;
- quality: defects per type (原卷错误 apart) from the defect table, per 1,000 pages scanned;
  each work batch's first QC verdict (its first inspection not voided, as the reports take it);
- this month per worker: pages first signed (the unit rule of every report), defects charged,
  and the pay of the pay report for the month: once the month is closed, its closed lines
  as stored; while open, units × ``[piece_rates]``, deductions and the mentor's share of its
  days outside any closed period, and what the closed periods before it owe (late work and
  corrections, ``adjustments``) — the pay report's own lines, recomputed only for what
  changed since the last close (:mod:`dangan.reports.pay_adjustments`).

Every query is timed (``Dashboard.timings``, ms), which ``bench/reports.py`` prints.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, literal, select, text
from sqlalchemy.orm import Session

from dangan.db.models import Defect, Item, StageEvent, Volume, Worker
from dangan.domain import workflow as wf
from dangan.reports.common import (
    first_signoff,
    first_verdicts,
    local_day,
    not_waived,
    pages_of,
    parse_period,
    round2,
    stage_pages,
)
from dangan.reports.pay import closed_lines, month_pay_lines
from dangan.reports.pay_lines import (
    ADJUSTMENT,
    DEDUCTION,
    LATE,
    MENTOR,
    PIECE,
    RawLine,
    keyed_moves,
    stage_rates,
)
from dangan.reports.weekly import (
    Forecast,
    WeekPoint,
    _burnup,
    done_stage,
    first_work_day,
    forecast,
)
from dangan.services.project import ProjectContext

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerMonth:
    worker: str
    pages: int  # pages first signed this month, every stage
    defects: int  # charged this month (原卷错误 never)
    per_1000_pages: float | None
    piece: float
    deductions: float
    mentor: float
    total: float  # what the pay report pays for the month (adjustments included)
    adjustments: float = 0.0  # late work and corrections owed by closed periods


@dataclass(frozen=True)
class Dashboard:
    week: str
    month: str
    total_volumes: int
    total_pages: int
    done_stage: str
    points: tuple[WeekPoint, ...]
    forecast: Forecast
    codes: dict[str, int]  # charged defects by code
    original: dict[str, int]  # 原卷错误 by code
    per_1000_pages: float | None  # charged defects per 1,000 pages scanned
    batch_pass_rate: float | None  # inspected batches passed at their first verdict
    workers: tuple[WorkerMonth, ...]
    pay_total: float
    timings: dict[str, float] = field(default_factory=dict)
    month_closed: bool = False  # the pay figures are the closed period's, as stored

    @property
    def defects(self) -> int:
        return sum(self.codes.values())

    @property
    def original_count(self) -> int:
        return sum(self.original.values())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class _Timer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.ms[name] = round((time.perf_counter() - t0) * 1000, 1)

    def run(self, name: str, fn: Callable[[], T]) -> T:
        with self(name):
            return fn()


def _first_per_day(session: Session, pid: int, stage: str,
                   with_pages: bool = True) -> dict[str, tuple[int, int]]:
    """Local day -> (volumes, pages) whose first sign-off at ``stage`` fell on it (pages 0
    unless ``with_pages``: then each volume's pages are joined in)."""
    first = (select(StageEvent.volume_id, func.min(StageEvent.at).label("first_at"))
             .where(StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_SIGNOFF,
                    StageEvent.stage == stage, StageEvent.volume_id.is_not(None))
             .group_by(StageEvent.volume_id).subquery("first"))
    day = local_day(first.c.first_at, session.get_bind().dialect.name).label("day")
    if not with_pages:  # read from the index alone
        return {str(d): (int(n), 0) for d, n in session.execute(
            select(day, func.count()).select_from(first).group_by(day)).all()}
    rows = session.execute(select(day, func.count().label("volumes"),
                                  func.sum(stage_pages(literal(stage), exact=False))
                                  .label("pages"))
                           .select_from(first).join(Volume, Volume.id == first.c.volume_id)
                           .group_by(day)).all()
    return {str(r.day): (int(r.volumes), int(r.pages or 0)) for r in rows}


def _month_units(session: Session, pid: int, starts_at: datetime, ends_at: datetime,
                 stages: list[str], item_stages: set[str]) -> list[Any]:
    """(worker, stage, volumes, pages, items) first signed in the month, per work batch as
    the pay report's piece lines (so the amounts round alike): the pages recorded for the
    work, none for a stage signed without its work; 修图 at a glance (a volume retouched in
    part counts its ingested pages: ``stage_pages(exact=False)``). "First" is the flag the
    engine wrote on the sign-off (``first_signoff``); items are counted, in a second query,
    only for the stages paid per item."""
    group = (StageEvent.worker_id, StageEvent.stage, StageEvent.work_batch_id)

    def query(chosen: list[str], *extra: ColumnElement[Any]) -> list[Any]:
        if not chosen:
            return []
        return list(session.execute(
            select(*group, func.count().label("volumes"),
                   func.sum(stage_pages(StageEvent.stage, exact=False)).label("pages"),
                   *extra)
            .join(Volume, Volume.id == StageEvent.volume_id)
            .where(StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_SIGNOFF,
                   StageEvent.stage.in_(chosen),  # equalities: the (kind, stage, at) index
                   StageEvent.at >= starts_at, StageEvent.at < ends_at,
                   StageEvent.volume_id.is_not(None), StageEvent.worker_id.is_not(None),
                   first_signoff(), not_waived())
            .group_by(*group)).all())

    items = (select(func.count(Item.id)).where(Item.volume_id == StageEvent.volume_id)
             .correlate(StageEvent).scalar_subquery())
    rows = [(r.worker_id, r.stage, r.work_batch_id, int(r.volumes), int(r.pages or 0), 0)
            for r in query([s for s in stages if s not in item_stages])]
    rows += [(r.worker_id, r.stage, r.work_batch_id, int(r.volumes), int(r.pages or 0),
              int(r.items or 0))
             for r in query(sorted(item_stages), func.sum(items).label("items"))]
    return rows


def _with_keyings(session: Session, ctx: ProjectContext, spans: list[tuple[datetime, datetime]],
                  units: list[Any]) -> list[Any]:
    """``units`` per (worker, stage, work batch) with the 标引 of double-keyed volumes moved
    from the sign-off to the keyings, as the pay report's piece lines move it
    (:func:`keyed_moves`); the amounts then round per line alike."""
    acc: dict[tuple[int, str, int | None], list[int]] = {}
    for wid, stage, batch, volumes, pages, items in units:
        got = acc.setdefault((wid, stage, batch), [0, 0, 0])
        got[0] += volumes
        got[1] += pages
        got[2] += items
    for a, b in spans:
        for wid, batch, moved in keyed_moves(session, ctx, a, b):
            got = acc.setdefault((wid, wf.INDEX, batch), [0, 0, 0])
            got[0] += moved["volume"]
            got[1] += moved["page"]
            got[2] += moved["item"]
    return [(wid, stage, *counts) for (wid, stage, _batch), counts in acc.items()]


def dashboard(ctx: ProjectContext, today: date | None = None) -> Dashboard:
    today = today or date.today()
    y, w, _ = today.isocalendar()
    week = parse_period(f"{y}-W{w:02d}")
    month = parse_period(today.strftime("%Y-%m"))
    pid = ctx.project_id
    stages = list(ctx.config.workflow.stages)
    finished = done_stage(stages)
    rates = stage_rates(ctx.config, tuple(ctx.config.workflow.stages))
    item_stages = {s for s, rs in rates.items() if any(u == "item" for u, _r in rs)}
    timer = _Timer()
    with ctx.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            # PostgreSQL's JIT compiles the month's units query (its cost estimate just over
            # the threshold) for 50-90 ms of a 150-250 ms answer: not worth it for a page
            session.execute(text("SET LOCAL jit = off"))
        total_volumes, total_pages = timer.run("totals", lambda: session.execute(select(
            func.count(), func.sum(pages_of())).where(Volume.project_id == pid)).one())
        scanned = timer.run("first scans per day",
                            lambda: _first_per_day(session, pid, wf.SCAN))
        done = timer.run(f"first {finished} sign-offs per day",  # volumes only
                         lambda: _first_per_day(session, pid, finished, with_pages=False))
        defect_rows = timer.run("defects by code and cause", lambda: session.execute(
            select(Defect.code, Defect.cause, func.count()).where(
                Defect.project_id == pid, Defect.status != "waived")
            .group_by(Defect.code, Defect.cause)).all())
        verdicts = timer.run("first QC verdicts", lambda: first_verdicts(session, pid))
        closed = timer.run("this month's closed pay lines",
                           lambda: closed_lines(session, pid, month))
        if closed is not None:
            lines, spans = closed, [(month.starts_at, month.ends_at)]
        else:
            lines, spans = timer.run("this month's deductions and what closed periods owe",
                                     lambda: month_pay_lines(session, ctx, month))
        units = timer.run("this month's units per worker", lambda: _with_keyings(
            session, ctx, spans,
            [u for a, b in spans for u in _month_units(session, pid, a, b, stages, item_stages)]))
        names = dict(session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == pid)).all())
    # the figures, as the weekly report draws them
    points = _burnup(scanned, done, week.end, int(total_volumes or 0), None, None)
    remaining = int(total_volumes or 0) - (points[-1].cum_volumes if points else 0)
    first_day = timer.run("the project's first sign-off", lambda: first_work_day(ctx))
    fc = forecast({d: v for d, (v, _p) in done.items()}, week.end, remaining,
                  first_day=first_day, today=today)
    codes: dict[str, int] = defaultdict(int)
    original: dict[str, int] = defaultdict(int)
    for code, cause, n in defect_rows:
        (original if cause == "original" else codes)[code] += int(n)
    scanned_pages = points[-1].cum_pages if points else 0
    charged = sum(codes.values())
    decided = sum(verdicts.values())
    workers = _per_worker(units, lines, rates, names, paid=closed is not None)
    return Dashboard(
        week.label, month.label, int(total_volumes or 0), int(total_pages or 0), finished,
        points, fc, dict(sorted(codes.items())), dict(sorted(original.items())),
        round(charged * 1000 / scanned_pages, 2) if scanned_pages else None,
        round(verdicts.get("pass", 0) / decided, 4) if decided else None,
        workers, round2(sum(x.total for x in workers)), timer.ms, closed is not None)


def _per_worker(units: list[Any], lines: list[RawLine],
                rates: dict[str, list[tuple[str, float]]], names: dict[int, str], *,
                paid: bool = False) -> tuple[WorkerMonth, ...]:
    """Pages from ``units``; money from ``lines`` — the closed period's stored lines when
    ``paid``, else the open month's defect lines and adjustments, with its piece work priced
    from ``units`` (at a glance for 修图, as the module says)."""
    acc: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for wid, stage, volumes, pages, items in units:
        counts = {"page": pages, "volume": volumes, "item": items}
        acc[wid]["pages"] += pages
        if not paid:
            for unit, rate in rates.get(stage, []):
                acc[wid]["piece"] += round2(counts[unit] * rate)
    for line in lines:
        if line.kind == MENTOR:
            acc[line.worker_id]["mentor"] += line.amount
        elif line.kind == DEDUCTION:  # 原卷错误 lines are never charged
            acc[line.worker_id]["deductions"] += line.amount
            acc[line.worker_id]["defects"] += 1
        elif line.kind in (LATE, ADJUSTMENT):
            acc[line.worker_id]["adjustments"] += line.amount
        elif line.kind == PIECE:
            acc[line.worker_id]["piece"] += line.amount
    out = []
    for wid, a in acc.items():
        pages, defects = int(a["pages"]), int(a["defects"])
        out.append(WorkerMonth(
            names.get(wid, "?"), pages, defects,
            round(defects * 1000 / pages, 2) if pages else None, round2(a["piece"]),
            round2(a["deductions"]), round2(a["mentor"]),
            round2(a["piece"] + a["deductions"] + a["mentor"] + a["adjustments"]),
            round2(a["adjustments"])))
    return tuple(sorted(out, key=lambda x: (-x.total, x.worker)))
