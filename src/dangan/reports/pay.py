"""Piece-rate pay (计件工资): units × rates by stage, deductions per defect charged to the
worker who caused it, the mentor's share of a probationer's deductions (老带新), and closed
periods that never change (a later correction is an adjustment in the next open period).

原卷错误 (``defect.cause == "original"``) is listed on the slip at 0 and never deducts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
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
        of = self.data.get("of", self.kind) if self.kind == ADJUSTMENT else self.kind
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
    rate: float
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


@dataclass(frozen=True)
class PayReport:
    period: str
    closed: bool
    lines: tuple[PayLineRow, ...]
    slips: tuple[PaySlip, ...]
    total: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        shead = tuple(t(f"reports.col.{c}") for c in (
            "worker", "piece", "deductions", "mentor", "adjustments", "total"))
        srows = tuple((s.worker, s.piece, s.deductions, s.mentor, s.adjustments, s.total)
                      for s in self.slips)
        lhead = tuple(t(f"reports.col.{c}") for c in (
            "worker", "kind", "stage", "batch", "unit", "units", "rate", "amount", "detail"))
        lrows = tuple((r.worker, t(f"reports.pay.kind.{r.kind}"),
                       t(f"stage.{r.stage}") if r.stage else "", r.batch,
                       t(f"reports.unit.{r.unit}") if r.unit else "", r.units, r.rate, r.amount,
                       r.detail) for r in self.lines)
        state = t("reports.pay.closed" if self.closed else "reports.pay.open")
        return ReportDoc(t("reports.pay.title"), project,
                         ((t("reports.fact.period"), self.period),
                          (t("reports.fact.state"), state),
                          (t("reports.fact.total"), self.total)),
                         (Table(t("reports.pay.slips"), shead, srows),
                          Table(t("reports.pay.lines"), lhead, lrows)))


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
                 ends_at: datetime, batches: Any = None) -> list[RawLine]:
    """Units × rates per worker, stage and work batch (only ``batches`` when given: a
    subquery of work batch ids; sign-offs without a work batch are always included)."""
    rates = stage_rates(ctx.config, tuple(ctx.config.workflow.stages))
    query = work_select(ctx.project_id, starts_at, ends_at, StageEvent.worker_id,
                         StageEvent.stage, StageEvent.work_batch_id)
    query = query.where(StageEvent.stage.in_(list(rates)))
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


def _local_date(value: datetime) -> date:
    if value.tzinfo is None:  # SQLite returns naive UTC
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone()).date()


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
    """What the closed periods before ``period`` would pay now, less what they paid.

    Defect lines are recomputed in full (defects change in place: waived, cause); piece
    lines only for the work batches touched since the close."""
    closed = _closed_before(session, ctx.project_id, period)
    if not closed:
        return []
    touched = _touched_batches(session, ctx.project_id, closed)
    touched_ids = set(session.scalars(select(touched.c.work_batch_id)))
    now: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for start, end in _ranges(closed):
        lines = (_piece_lines(session, ctx, start, end, select(touched.c.work_batch_id))
                 + _defect_lines(session, ctx, start, end))
        for line in lines:
            now[line.key][0] += line.units
            now[line.key][1] += line.amount
    paid: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for line in _stored(session, [p.id for p in closed]):
        if line.key[1] == PIECE and line.work_batch_id is not None \
                and line.work_batch_id not in touched_ids:
            continue
        paid[line.key][0] += line.units
        paid[line.key][1] += line.amount
    out = []
    for key in sorted(set(now) | set(paid), key=repr):
        units = now[key][0] - paid[key][0]
        amount = round2(now[key][1] - paid[key][1])
        if abs(amount) >= 0.005 or abs(units) > 1e-9:
            worker_id, of, stage, batch_id, defect_id, unit = key
            out.append(RawLine(worker_id, ADJUSTMENT, stage, batch_id, defect_id, unit, units,
                               0.0, amount, {"of": of}))
    return out


def _find_closed(session: Session, project_id: int, period: Period) -> PayPeriod | None:
    return session.scalar(select(PayPeriod).where(PayPeriod.project_id == project_id,
                                                  PayPeriod.period == period.label))


def raw_pay(session: Session, ctx: ProjectContext, period: Period) -> tuple[bool, list[RawLine]]:
    closed = _find_closed(session, ctx.project_id, period)
    if closed is not None:
        return True, _stored(session, [closed.id])
    return False, (base_lines(session, ctx, period.starts_at, period.ends_at)
                   + adjustment_lines(session, ctx, period))


def pay_report(ctx: ProjectContext, period: Period, worker: str | None = None) -> PayReport:
    with ctx.transaction() as session:
        closed, raw = raw_pay(session, ctx, period)
        names = dict(session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == ctx.project_id)).all())
        batch_ids = {r.work_batch_id for r in raw if r.work_batch_id is not None}
        codes = dict(session.execute(select(WorkBatch.id, WorkBatch.code).where(
            WorkBatch.id.in_(batch_ids))).all()) if batch_ids else {}
    return _assemble(period.label, closed, raw, names, codes, worker)


def _detail(r: RawLine, names: dict[int, str]) -> str:
    if r.kind == PIECE:
        return t("reports.pay.detail.piece", volumes=r.data.get("volumes", 0))
    if r.kind == ADJUSTMENT:
        return t("reports.pay.detail.adjustment", kind=t(f"reports.pay.kind.{r.data['of']}"),
                 defect=r.defect_id or "")
    code = defect_label(r.data.get("code", ""))
    if r.kind == MENTOR:
        return t("reports.pay.detail.mentor", defect=r.defect_id, code=code,
                 probationer=names.get(r.data.get("probationer_id", 0), "?"),
                 share=f"{r.data.get('share', 0):.0%}")
    return t(f"reports.pay.detail.{r.kind}", defect=r.defect_id, code=code)


def _assemble(label: str, closed: bool, raw: list[RawLine], names: dict[int, str],
              codes: dict[int, str], worker: str | None) -> PayReport:
    kind_order = {k: i for i, k in enumerate((PIECE, DEDUCTION, MENTOR, ORIGINAL, ADJUSTMENT))}
    raw = sorted(raw, key=lambda r: (names.get(r.worker_id, ""), kind_order[r.kind], r.stage,
                                     codes.get(r.work_batch_id or 0, ""), r.defect_id or 0,
                                     r.unit))
    if worker is not None:
        raw = [r for r in raw if names.get(r.worker_id) == worker]
    lines = tuple(PayLineRow(names.get(r.worker_id, "?"), r.kind, r.stage,
                             codes.get(r.work_batch_id or 0, ""), r.defect_id, r.unit, r.units,
                             r.rate, r.amount, _detail(r, names)) for r in raw)
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in lines:
        sums[r.worker][r.kind] += r.amount
    slips = tuple(PaySlip(w, round2(s[PIECE]), round2(s[DEDUCTION]), round2(s[MENTOR]),
                          round2(s[ADJUSTMENT]),
                          round2(s[PIECE] + s[DEDUCTION] + s[MENTOR] + s[ADJUSTMENT]))
                  for w, s in sorted(sums.items()))
    return PayReport(label, closed, lines, slips, round2(sum(s.total for s in slips)))


def close_period(ctx: ProjectContext, period: Period, closed_by: str) -> PayReport:
    """Store the period's lines (with its adjustments); a closed period never changes."""
    with ctx.transaction() as session:
        if _find_closed(session, ctx.project_id, period) is not None:
            raise StateError("reports.period_closed", period=period.label)
        overlapping = session.scalar(select(PayPeriod.period).where(
            PayPeriod.project_id == ctx.project_id, PayPeriod.starts_at < period.ends_at,
            PayPeriod.ends_at > period.starts_at))
        if overlapping is not None:
            raise StateError("reports.period_overlaps", period=period.label, other=overlapping)
        later = session.scalar(select(PayPeriod.period).where(
            PayPeriod.project_id == ctx.project_id, PayPeriod.starts_at >= period.ends_at))
        if later is not None:
            raise StateError("reports.period_after_closed", period=period.label, later=later)
        _closed, raw = raw_pay(session, ctx, period)
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
