"""Piece-rate pay (计件工资): units × rates by stage, deductions per defect charged to the
worker who caused it, the mentor's share of a probationer's deductions (老带新), and closed
periods that never change (a later correction is an adjustment in the next open period).

原卷错误 (``defect.cause == "original"``) is listed on the slip at 0 and never deducts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session, aliased

from dangan.config import ProjectConfig
from dangan.db.models import (
    Defect,
    PayLine,
    PayPeriod,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.errors import InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.reports.common import (
    UNITS,
    Period,
    defect_label,
    local_zone,
    round2,
    work_select,
)
from dangan.reports.document import ReportDoc, Table
from dangan.services.project import ProjectContext

PIECE, DEDUCTION, MENTOR, ORIGINAL, ADJUSTMENT = ("piece", "deduction", "mentor", "original",
                                                  "adjustment")
# Work signed (or a defect counted) after a period was closed, dated in it: paid in the next
# open period at its own units × rate, never as a correction.
LATE = "late"
KINDS = (PIECE, DEDUCTION, MENTOR, ORIGINAL, LATE, ADJUSTMENT)
# Names in piece-rate keys that are not stage names.
STAGE_ALIASES = {"bind": "rebind", "binding": "rebind", "borrowing": "borrow"}


@dataclass(frozen=True)
class RawLine:
    """One pay line before names are attached; ``key`` identifies what it pays for."""

    worker_id: int
    kind: str
    stage: str
    work_batch_id: int | None
    defect_id: int | None
    unit: str
    units: float
    rate: float
    amount: float
    data: dict[str, Any]

    @property
    def key(self) -> tuple[Any, ...]:
        of = self.data.get("of", self.kind) if self.kind in (ADJUSTMENT, LATE) else self.kind
        return (self.worker_id, of, self.stage, self.work_batch_id, self.defect_id, self.unit)


@dataclass(frozen=True)
class PayLineRow:
    worker: str
    kind: str
    stage: str
    batch: str
    defect_id: int | None
    unit: str
    units: float
    rate: float | None  # None: a correction, whose amount is no units × one rate (detail)
    amount: float
    detail: str


@dataclass(frozen=True)
class PaySlip:
    worker: str
    piece: float
    deductions: float
    mentor: float
    adjustments: float
    total: float
    late: float = 0.0  # work (and defects) of a closed period recorded after it was closed


@dataclass(frozen=True)
class PayReport:
    period: str
    closed: bool
    lines: tuple[PayLineRow, ...]
    slips: tuple[PaySlip, ...]
    total: float
    # closed periods this (open) period overlaps: their work is in their closed report
    overlaps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        shead = tuple(t(f"reports.col.{c}") for c in (
            "worker", "piece", "deductions", "mentor", "late", "adjustments", "total"))
        srows = tuple((s.worker, s.piece, s.deductions, s.mentor, s.late, s.adjustments,
                       s.total) for s in self.slips)
        lhead = tuple(t(f"reports.col.{c}") for c in (
            "worker", "kind", "stage", "batch", "unit", "units", "rate", "amount", "detail"))
        lrows = tuple((r.worker, t(f"reports.pay.kind.{r.kind}"),
                       t(f"stage.{r.stage}") if r.stage else "", r.batch,
                       t(f"reports.unit.{r.unit}") if r.unit else "", r.units, r.rate, r.amount,
                       r.detail) for r in self.lines)
        state = t("reports.pay.closed" if self.closed else "reports.pay.open")
        facts: tuple[tuple[str, Any], ...] = (
            (t("reports.fact.period"), self.period), (t("reports.fact.state"), state),
            (t("reports.fact.total"), self.total))
        if self.overlaps:
            facts += ((t("reports.fact.note"),
                       t("reports.pay.overlaps_closed", periods="、".join(self.overlaps))),)
        if not self.lines:
            facts += ((t("reports.fact.note"), t("reports.no_data")),)
        return ReportDoc(t("reports.pay.title"), project, facts,
                         (Table(t("reports.pay.slips"), shead, srows,
                                ("", *("money",) * 6)),
                          Table(t("reports.pay.lines"), lhead, lrows,
                                ("", "", "", "", "", "", "rate", "money", ""))),
                         fact_kinds={t("reports.fact.total"): "money"})


def stage_rates(config: ProjectConfig, stages: tuple[str, ...]) -> dict[str, list[tuple[str, float]]]:
    """``[piece_rates]`` as (unit, rate) per stage. A key ``<stages>_per_<unit>`` names one
    or more stages joined by ``_`` (``sort_bind_per_volume``: sorting and rebinding share the
    rate equally)."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, rate in config.piece_rates.items():
        head, sep, unit = key.rpartition("_per_")
        if not sep or unit not in UNITS:
            raise InputError("reports.bad_piece_rate", key=key, units=", ".join(UNITS))
        named = [head] if head in stages else [STAGE_ALIASES.get(s, s) for s in head.split("_")]
        unknown = [s for s in named if s not in stages]
        if unknown:
            raise InputError("reports.bad_piece_rate_stage", key=key, stage=unknown[0])
        for stage in named:
            out[stage].append((unit, rate / len(named)))
    return dict(out)


def deduction_for(config: ProjectConfig, code: str) -> float:
    return float(config.pay.deduction_per_defect.get(code, config.pay.default_deduction))


def _piece_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
                 ends_at: datetime, batches: Any = None, *, upto_event: int | None = None,
                 after_event: int | None = None) -> list[RawLine]:
    """Units × rates per worker, stage and work batch (only ``batches`` when given: a
    subquery of work batch ids; sign-offs without a work batch are always included); only
    sign-offs recorded up to ``upto_event`` / after ``after_event`` (event ids) when given."""
    rates = stage_rates(ctx.config, tuple(ctx.config.workflow.stages))
    query = work_select(ctx.project_id, starts_at, ends_at, StageEvent.worker_id,
                         StageEvent.stage, StageEvent.work_batch_id)
    query = query.where(StageEvent.stage.in_(list(rates)))
    if upto_event is not None:
        query = query.where(StageEvent.id <= upto_event)
    if after_event is not None:
        query = query.where(StageEvent.id > after_event)
    if batches is not None:
        query = query.where(or_(StageEvent.work_batch_id.in_(batches),
                                StageEvent.work_batch_id.is_(None)))
    lines = []
    for r in session.execute(query):
        if r.worker_id is None:
            continue
        counts = {"page": int(r.pages or 0), "volume": int(r.volumes), "item": int(r.items or 0)}
        for unit, rate in rates[r.stage]:
            if counts[unit]:
                lines.append(RawLine(r.worker_id, PIECE, r.stage, r.work_batch_id, None, unit,
                                     counts[unit], rate, round2(counts[unit] * rate),
                                     {"volumes": counts["volume"]}))
    return lines


def _defect_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
                  ends_at: datetime) -> list[RawLine]:
    """Deductions (and mentor shares) for defects found in the period; 原卷错误 at 0."""
    worker = aliased(Worker)
    rows = session.execute(
        select(Defect.id, Defect.code, Defect.stage, Defect.work_batch_id, Defect.cause,
               Defect.responsible_id, Defect.found_at, worker.mentor_id, worker.probation_until)
        .join(worker, worker.id == Defect.responsible_id)
        .where(Defect.project_id == ctx.project_id, Defect.found_at >= starts_at,
               Defect.found_at < ends_at, Defect.severity == "error",
               Defect.status != "waived")
        .order_by(Defect.id)).all()
    share = ctx.config.pay.mentor_share
    lines = []
    for r in rows:
        base = {"code": r.code}
        if r.cause == "original":
            lines.append(RawLine(r.responsible_id, ORIGINAL, r.stage or "", r.work_batch_id,
                                 r.id, "defect", 1, 0.0, 0.0, base))
            continue
        amount = deduction_for(ctx.config, r.code)
        lines.append(RawLine(r.responsible_id, DEDUCTION, r.stage or "", r.work_batch_id, r.id,
                             "defect", 1, amount, round2(-amount), base))
        found = _local_date(r.found_at)
        if r.mentor_id is not None and r.probation_until is not None \
                and found <= r.probation_until and share > 0:
            lines.append(RawLine(r.mentor_id, MENTOR, r.stage or "", r.work_batch_id, r.id,
                                 "defect", 1, round2(amount * share),
                                 round2(-amount * share),
                                 {**base, "probationer_id": r.responsible_id, "share": share}))
    return lines


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite: naive UTC


def _local_date(value: datetime) -> date:
    return _aware(value).astimezone(local_zone()).date()


def base_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
               ends_at: datetime) -> list[RawLine]:
    return (_piece_lines(session, ctx, starts_at, ends_at)
            + _defect_lines(session, ctx, starts_at, ends_at))


def _closed_before(session: Session, project_id: int, period: Period) -> list[PayPeriod]:
    return list(session.scalars(select(PayPeriod).where(
        PayPeriod.project_id == project_id, PayPeriod.ends_at <= period.starts_at)
        .order_by(PayPeriod.starts_at)))


def _stored(session: Session, period_ids: list[int]) -> list[RawLine]:
    if not period_ids:
        return []
    return [RawLine(p.worker_id, p.kind, p.stage, p.work_batch_id, p.defect_id, p.unit,
                    p.units, p.rate, p.amount, p.data or {})
            for p in session.scalars(select(PayLine).where(
                PayLine.pay_period_id.in_(period_ids)).order_by(PayLine.id))]


def _ranges(closed: list[PayPeriod]) -> list[tuple[datetime, datetime]]:
    """Closed periods merged into contiguous ranges (one query per range)."""
    out: list[tuple[datetime, datetime]] = []
    for p in closed:
        if out and out[-1][1] >= p.starts_at:
            out[-1] = (out[-1][0], max(out[-1][1], p.ends_at))
        else:
            out.append((p.starts_at, p.ends_at))
    return out


def _touched_batches(session: Session, project_id: int, closed: list[PayPeriod]) -> Any:
    """Work batches whose piece work may have changed since the last period was closed: a
    sign-off or record appended after it (even dated back), or a volume changed after it
    (page count). Periods close in order, and closing one settled every earlier closed
    period as of then, so every other batch's piece lines are as they were paid."""
    since = max(p.last_event_id or 0 for p in closed)
    closed_at = max(p.closed_at for p in closed)
    return union(
        select(StageEvent.work_batch_id).where(
            StageEvent.project_id == project_id, StageEvent.id > since,
            StageEvent.work_batch_id.is_not(None)),
        select(Volume.work_batch_id).where(
            Volume.project_id == project_id, Volume.updated_at > closed_at,
            Volume.work_batch_id.is_not(None))).subquery("touched")


def adjustment_lines(session: Session, ctx: ProjectContext, period: Period) -> list[RawLine]:
    """What the closed periods before ``period`` owe now: their late lines (work signed, or
    a defect counted, after the last close, dated in a closed period — at its own units ×
    rate) and corrections (what the work and defects known at the last close would pay now,
    less what was paid: a waived defect, a defect found to be the paper's, a page count).

    Defect lines are recomputed in full (defects change in place: waived, cause); piece
    lines only for the work batches touched since the close."""
    closed = _closed_before(session, ctx.project_id, period)
    if not closed:
        return []
    since = max(p.last_event_id or 0 for p in closed)
    touched = _touched_batches(session, ctx.project_id, closed)
    touched_ids = set(session.scalars(select(touched.c.work_batch_id)))
    stored = _stored(session, [p.id for p in closed])
    paid_defects = {line.defect_id for line in stored if line.defect_id is not None}
    out: list[RawLine] = []
    now: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0.0, 0.0, None])
    for start, end in _ranges(closed):
        for line in _piece_lines(session, ctx, start, end, select(touched.c.work_batch_id),
                                 upto_event=since):
            _add(now, line)
    recorded_since = session.scalar(select(func.max(StageEvent.id)).where(
        StageEvent.project_id == ctx.project_id)) or 0
    for p in closed:
        if recorded_since > since:  # any sign-off recorded after the last close
            for line in _piece_lines(session, ctx, p.starts_at, p.ends_at,
                                     select(touched.c.work_batch_id), after_event=since):
                out.append(_late(line, p.period))
        for line in _defect_lines(session, ctx, p.starts_at, p.ends_at):
            if line.defect_id in paid_defects:
                _add(now, line)
            else:  # counted after the close (recorded late, or no longer waived)
                out.append(_late(line, p.period))
    paid: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0.0, 0.0, set()])
    for line in stored:
        if line.key[1] == PIECE and line.work_batch_id is not None \
                and line.work_batch_id not in touched_ids:
            continue
        paid[line.key][0] += line.units
        paid[line.key][1] += line.amount
        if line.kind in (PIECE, LATE):
            paid[line.key][2].add(line.rate)
    for key in sorted(set(now) | set(paid), key=repr):
        if correction := _correction(key, now[key], paid[key]):
            out.append(correction)
    return out


def _add(acc: dict[tuple[Any, ...], list[Any]], line: RawLine) -> None:
    acc[line.key][0] += line.units
    acc[line.key][1] += line.amount
    acc[line.key][2] = line.rate


def _late(line: RawLine, period: str) -> RawLine:
    return RawLine(line.worker_id, LATE, line.stage, line.work_batch_id, line.defect_id,
                   line.unit, line.units, line.rate, line.amount,
                   {**line.data, "of": line.kind, "period": period})


def _correction(key: tuple[Any, ...], now: list[Any], paid: list[Any]) -> RawLine | None:
    """The difference between what a closed line would pay now and what it paid; its rate is
    kept only where units × rate is the amount (else 0: the detail says was → now)."""
    worker_id, of, stage, batch_id, defect_id, unit = key
    units = now[0] - paid[0]
    amount = round2(now[1] - paid[1])
    if of == PIECE and abs(units) < 1e-9 and paid[2] <= {now[2]}:
        return None  # the same units at the same rate: cents of rounding, not a correction
    if abs(amount) < 0.005 and abs(units) < 1e-9:
        return None
    rate = now[2] if now[2] is not None and round2(units * now[2]) == amount else 0.0
    return RawLine(worker_id, ADJUSTMENT, stage, batch_id, defect_id, unit, units, rate,
                   amount, {"of": of, "was": [paid[0], round2(paid[1])],
                            "now": [now[0], round2(now[1])]})


def _find_closed(session: Session, project_id: int, period: Period) -> PayPeriod | None:
    return session.scalar(select(PayPeriod).where(PayPeriod.project_id == project_id,
                                                  PayPeriod.period == period.label))


def _overlapping(session: Session, project_id: int, period: Period) -> list[PayPeriod]:
    return list(session.scalars(select(PayPeriod).where(
        PayPeriod.project_id == project_id, PayPeriod.starts_at < period.ends_at,
        PayPeriod.ends_at > period.starts_at).order_by(PayPeriod.starts_at)))


def _open_spans(period: Period, closed: list[PayPeriod]) -> list[tuple[datetime, datetime]]:
    """The parts of ``period`` outside the closed periods it overlaps."""
    spans, start = [], period.starts_at
    for p in closed:
        p_start, p_end = _aware(p.starts_at), _aware(p.ends_at)
        if p_start > start:
            spans.append((start, min(p_start, period.ends_at)))
        start = max(start, p_end)
    if start < period.ends_at:
        spans.append((start, period.ends_at))
    return spans


@dataclass(frozen=True)
class RawPay:
    closed: bool
    lines: list[RawLine]
    overlaps: tuple[str, ...] = ()  # closed periods an open period overlaps (left out)


def raw_pay(session: Session, ctx: ProjectContext, period: Period) -> RawPay:
    """A closed period's stored lines; else the open period's own lines — outside any closed
    period it overlaps, whose work that period paid — and what the closed periods before it
    owe (:func:`adjustment_lines`)."""
    closed = _find_closed(session, ctx.project_id, period)
    if closed is not None:
        return RawPay(True, _stored(session, [closed.id]))
    overlapping = _overlapping(session, ctx.project_id, period)
    lines = [line for start, end in _open_spans(period, overlapping)
             for line in base_lines(session, ctx, start, end)]
    return RawPay(False, lines + adjustment_lines(session, ctx, period),
                  tuple(p.period for p in overlapping))


def closed_lines(session: Session, project_id: int, period: Period) -> list[RawLine] | None:
    """The stored lines of ``period`` when it is closed, else None."""
    closed = _find_closed(session, project_id, period)
    return None if closed is None else _stored(session, [closed.id])


def month_pay_lines(session: Session, ctx: ProjectContext, period: Period
                    ) -> tuple[list[RawLine], list[tuple[datetime, datetime]]]:
    """An open period's defect lines and what closed periods owe, and the spans of it outside
    closed periods (where its piece work is counted) — for the dashboard, which prices the
    piece work itself."""
    spans = _open_spans(period, _overlapping(session, ctx.project_id, period))
    lines = [line for start, end in spans for line in _defect_lines(session, ctx, start, end)]
    return lines + adjustment_lines(session, ctx, period), spans


def pay_report(ctx: ProjectContext, period: Period, worker: str | None = None) -> PayReport:
    with ctx.transaction() as session:
        raw = raw_pay(session, ctx, period)
        names = dict(session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == ctx.project_id)).all())
        if worker is not None and worker not in names.values():
            raise NotFoundError("reports.worker_not_found", name=worker)
        batch_ids = {r.work_batch_id for r in raw.lines if r.work_batch_id is not None}
        codes = dict(session.execute(select(WorkBatch.id, WorkBatch.code).where(
            WorkBatch.id.in_(batch_ids))).all()) if batch_ids else {}
    report = _assemble(period.label, raw.closed, raw.lines, names, codes, worker)
    return replace(report, overlaps=raw.overlaps)


def _detail(r: RawLine, names: dict[int, str]) -> str:
    if r.kind == PIECE:
        return t("reports.pay.detail.piece", volumes=r.data.get("volumes", 0))
    if r.kind == LATE:
        of = r.data.get("of", PIECE)
        what = (t("reports.pay.detail.piece", volumes=r.data.get("volumes", 0)) if of == PIECE
                else _detail(replace(r, kind=of), names))
        return t("reports.pay.detail.late", period=r.data.get("period", ""), what=what)
    if r.kind == ADJUSTMENT:
        kind = t(f"reports.pay.kind.{r.data['of']}")
        if "was" in r.data and "now" in r.data:
            unit = t(f"reports.unit.{r.unit}") if r.unit else ""
            return t("reports.pay.detail.correction", kind=kind, defect=r.defect_id or "",
                     was_units=_num(r.data["was"][0]), was=f"{r.data['was'][1]:.2f}",
                     now_units=_num(r.data["now"][0]), now=f"{r.data['now'][1]:.2f}",
                     unit=unit)
        return t("reports.pay.detail.adjustment", kind=kind, defect=r.defect_id or "")
    code = defect_label(r.data.get("code", ""))
    if r.kind == MENTOR:
        return t("reports.pay.detail.mentor", defect=r.defect_id, code=code,
                 probationer=names.get(r.data.get("probationer_id", 0), "?"),
                 share=f"{r.data.get('share', 0):.0%}")
    return t(f"reports.pay.detail.{r.kind}", defect=r.defect_id, code=code)


def _num(value: float) -> str:
    return f"{value:g}"


def _assemble(label: str, closed: bool, raw: list[RawLine], names: dict[int, str],
              codes: dict[int, str], worker: str | None) -> PayReport:
    kind_order = {k: i for i, k in enumerate(KINDS)}
    raw = sorted(raw, key=lambda r: (names.get(r.worker_id, ""), kind_order[r.kind], r.stage,
                                     codes.get(r.work_batch_id or 0, ""), r.defect_id or 0,
                                     r.unit))
    if worker is not None:
        raw = [r for r in raw if names.get(r.worker_id) == worker]
    lines = tuple(PayLineRow(names.get(r.worker_id, "?"), r.kind, r.stage,
                             codes.get(r.work_batch_id or 0, ""), r.defect_id, r.unit, r.units,
                             None if r.kind == ADJUSTMENT and not r.rate else r.rate, r.amount,
                             _detail(r, names)) for r in raw)
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in lines:
        sums[r.worker][r.kind] += r.amount
    slips = tuple(PaySlip(w, round2(s[PIECE]), round2(s[DEDUCTION]), round2(s[MENTOR]),
                          round2(s[ADJUSTMENT]), round2(sum(s.values())), round2(s[LATE]))
                  for w, s in sorted(sums.items()))
    return PayReport(label, closed, lines, slips, round2(sum(s.total for s in slips)))


def today_local() -> date:
    return datetime.now(local_zone()).date()


def close_period(ctx: ProjectContext, period: Period, closed_by: str,
                 today: date | None = None) -> PayReport:
    """Store the period's lines (with what earlier closed periods owe); a closed period never
    changes. Only a period that has ended closes: work of its last days is still coming."""
    today = today or today_local()
    if period.end > today:
        raise StateError("reports.period_not_ended", period=period.label,
                         last=(period.end - timedelta(days=1)).isoformat(),
                         first=period.end.isoformat())
    with ctx.transaction() as session:
        if _find_closed(session, ctx.project_id, period) is not None:
            raise StateError("reports.period_closed", period=period.label)
        overlapping = _overlapping(session, ctx.project_id, period)
        if overlapping:
            raise StateError("reports.period_overlaps", period=period.label,
                             other=overlapping[0].period)
        later = session.scalar(select(PayPeriod.period).where(
            PayPeriod.project_id == ctx.project_id, PayPeriod.starts_at >= period.ends_at))
        if later is not None:
            raise StateError("reports.period_after_closed", period=period.label, later=later)
        raw = raw_pay(session, ctx, period).lines
        last_event = session.scalar(select(func.max(StageEvent.id)).where(
            StageEvent.project_id == ctx.project_id))
        row = PayPeriod(project_id=ctx.project_id, period=period.label,
                        starts_at=period.starts_at, ends_at=period.ends_at,
                        last_event_id=last_event,
                        closed_by=closed_by, total=round2(sum(r.amount for r in raw)))
        session.add(row)
        session.flush()
        session.add_all([PayLine(pay_period_id=row.id, worker_id=r.worker_id, kind=r.kind,
                                 stage=r.stage, work_batch_id=r.work_batch_id,
                                 defect_id=r.defect_id, unit=r.unit, units=r.units,
                                 rate=r.rate, amount=r.amount, data=r.data) for r in raw])
    return pay_report(ctx, period)


def set_mentor(ctx: ProjectContext, name: str, mentor: str | None, until: date | None) -> None:
    """老带新: ``name`` learns from ``mentor`` until ``until`` (None clears the mentor)."""
    with ctx.transaction() as session:
        people = {w.name: w for w in session.scalars(select(Worker).where(
            Worker.project_id == ctx.project_id, Worker.name.in_([name, mentor or name])))}
        if name not in people:
            raise NotFoundError("reports.worker_not_found", name=name)
        if mentor is not None and mentor not in people:
            raise NotFoundError("reports.worker_not_found", name=mentor)
        if mentor == name:
            raise InputError("reports.self_mentor", name=name)
        if mentor is not None and until is None:
            raise InputError("reports.mentor_needs_until", name=name)
        person = people[name]
        person.mentor_id = people[mentor].id if mentor is not None else None
        person.probation_until = until if mentor is not None else None
