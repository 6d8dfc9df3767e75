"""Piece-rate pay (计件工资): units × rates by stage, deductions per defect charged to the
worker who caused it, the mentor's share of a probationer's deductions (老带新), and closed
periods that never change (a later correction is an adjustment in the next open period).

原卷错误 (``defect.cause == "original"``) is listed on the slip at 0 and never deducts.

The report and closing live here; the lines in :mod:`dangan.reports.pay_lines`, what closed
periods owe an open one in :mod:`dangan.reports.pay_adjustments`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dangan.db.models import (
    EVENT_WRITERS_LOCK,
    PAY_CLOSE_LOCK,
    PayLine,
    PayPeriod,
    StageEvent,
    Volume,
    WorkBatch,
    Worker,
    utcnow,
)
from dangan.errors import InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.reports.common import Period, defect_label, local_zone, round2
from dangan.reports.document import ReportDoc, Table
from dangan.reports.pay_adjustments import Owed, adjustment_lines, keep_settled, owed, stored
from dangan.reports.pay_lines import (
    ADJUSTMENT,
    DEDUCTION,
    KINDS,
    LATE,
    MENTOR,
    ORIGINAL,
    PIECE,
    STAGE_ALIASES,
    DefectRow,
    RawLine,
    aware,
    base_lines,
    deduction_for,
    defect_lines,
    stage_rates,
)
from dangan.services.project import ProjectContext

__all__ = ["ADJUSTMENT", "DEDUCTION", "KINDS", "LATE", "MENTOR", "ORIGINAL", "PIECE",
           "STAGE_ALIASES", "PayLineRow", "PayReport", "PaySlip", "RawLine", "RawPay",
           "adjustment_lines", "close_period", "closed_lines", "deduction_for",
           "month_pay_lines", "pay_report", "raw_pay", "set_mentor", "stage_rates"]


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
        p_start, p_end = aware(p.starts_at), aware(p.ends_at)
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
    owe (:func:`~dangan.reports.pay_adjustments.adjustment_lines`)."""
    closed = _find_closed(session, ctx.project_id, period)
    if closed is not None:
        return RawPay(True, stored(session, [closed.id]))
    overlapping = _overlapping(session, ctx.project_id, period)
    lines = [line for start, end in _open_spans(period, overlapping)
             for line in base_lines(session, ctx, start, end)]
    return RawPay(False, lines + adjustment_lines(session, ctx, period),
                  tuple(p.period for p in overlapping))


def closed_lines(session: Session, project_id: int, period: Period) -> list[RawLine] | None:
    """The stored lines of ``period`` when it is closed, else None."""
    closed = _find_closed(session, project_id, period)
    return None if closed is None else stored(session, [closed.id])


def month_pay_lines(session: Session, ctx: ProjectContext, period: Period
                    ) -> tuple[list[RawLine], list[tuple[datetime, datetime]]]:
    """An open period's defect lines and what closed periods owe (the lines of the pay
    report), and the spans of it outside closed periods (where its piece work is counted) —
    for the dashboard, which prices the piece work itself."""
    spans = _open_spans(period, _overlapping(session, ctx.project_id, period))
    lines = [line for start, end in spans for line in defect_lines(session, ctx, start, end)]
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


def event_boundary(ctx: ProjectContext) -> tuple[int | None, datetime]:
    """Where a close begins: the project's last event id, every event up to which is recorded
    for good, and the time after which a volume changed (a page count) is recomputed next
    time. On PostgreSQL a sign-off being written may hold a lower id and commit later, a
    volume changed stamps its time before it commits: the event writers' advisory lock taken
    exclusively (``EVENT_WRITERS_LOCK``; every event insert holds it shared) and a SHARE lock
    on ``volume`` wait for those (and hold new ones back only for this one read). On SQLite
    the write lock taken at the start of every writing transaction keeps them apart."""
    with ctx.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(EVENT_WRITERS_LOCK)))
            session.execute(text(f"LOCK TABLE {Volume.__tablename__} IN SHARE MODE"))
        last = session.scalar(select(func.max(StageEvent.id)).where(
            StageEvent.project_id == ctx.project_id))
        return last, utcnow()


def close_period(ctx: ProjectContext, period: Period, closed_by: str,
                 today: date | None = None) -> PayReport:
    """Store the period's lines (with what earlier closed periods owe); a closed period never
    changes. Only a period that has ended closes: work of its last days is still coming.

    The sign-offs it pays are those recorded up to its boundary (:func:`event_boundary`, read
    first); one recorded while it closes is after it, late work of the next open period. Its
    ``closed_at`` is when it began: a volume changed while it closes is recomputed next time."""
    today = today or today_local()
    if period.end > today:
        raise StateError("reports.period_not_ended", period=period.label,
                         last=(period.end - timedelta(days=1)).isoformat(),
                         first=period.end.isoformat())
    boundary, began = event_boundary(ctx)
    with ctx.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":  # one close at a time
            session.execute(select(func.pg_advisory_xact_lock(PAY_CLOSE_LOCK, ctx.project_id)))
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
        own: list[DefectRow] = []
        upto = boundary or 0  # no event yet: none is paid here
        lines = base_lines(session, ctx, period.starts_at, period.ends_at, own,
                           upto_event=upto)
        before: Owed = owed(session, ctx, period, upto)
        raw = lines + before.lines
        row = PayPeriod(project_id=ctx.project_id, period=period.label,
                        starts_at=period.starts_at, ends_at=period.ends_at,
                        last_event_id=boundary, closed_at=began,
                        closed_by=closed_by, total=round2(sum(r.amount for r in raw)))
        session.add(row)
        session.flush()
        session.add_all([PayLine(pay_period_id=row.id, worker_id=r.worker_id, kind=r.kind,
                                 stage=r.stage, work_batch_id=r.work_batch_id,
                                 defect_id=r.defect_id, unit=r.unit, units=r.units,
                                 rate=r.rate, amount=r.amount, data=r.data) for r in raw])
        keep_settled(session, ctx, row, before, own)
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
