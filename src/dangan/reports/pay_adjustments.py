"""What the closed pay periods before an open one owe it (adjustments): their late lines (work
signed, or a defect counted, after the last close, dated in a closed period — at its own
units × rate) and corrections (what the work and defects known at the last close would pay
now, less what was paid: a waived defect, a defect found to be the paper's, a page count).

Periods close in order, and closing one settles every earlier closed period as of then (its
lines pay what they owed), so only what changed since the last close can owe anything:

- piece lines are recomputed for the work batches touched since the close (a sign-off or
  record appended after it, even dated back, or a volume changed after it);
- defect lines for the defects that differ from those the close settled. Defects change in
  place (waived, cause, responsible worker, found again after a rejected rework…), so closing
  a period keeps each charged defect of the closed periods with the inputs of its lines
  (``pay_settled_defect``: the defect and its worker's mentor and probation end; the
  deductions, mentor share and UTC offset on ``pay_period.defect_rules``). A defect charged
  now that was not kept or was kept with other inputs, and one kept that is no longer
  charged, are recomputed; every defect is when the rules changed or the last close kept
  none (closed before they were kept, or an open period before a later closed one).

The kept defects are what the close read, never read again afterwards: a defect changed
while a period closes differs from them and is recomputed next time.

Sign-offs are split by the close's boundary (``pay_period.last_event_id``), read before any
line: the close pays those recorded up to it (its own work and the late work of the periods
before), the next open period those after it — each once, whenever it was recorded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, true, union
from sqlalchemy.orm import Session

from dangan.db.models import PayLine, PayPeriod, PaySettledDefect, StageEvent, Volume
from dangan.reports.common import Period, round2
from dangan.reports.pay_lines import (
    ADJUSTMENT,
    LATE,
    PIECE,
    DefectRow,
    RawLine,
    Span,
    aware,
    counted_defects,
    defect_rows,
    defect_rules,
    found_in,
    lines_of,
    piece_lines,
)
from dangan.services.project import ProjectContext

# Past this many ids a list in SQL gives way to reading them all (the same lines).
MAX_IDS = 1000
# The columns of a kept defect compared with the defect as it stands.
COMPARED = tuple(f.name for f in fields(DefectRow) if f.name != "id")


def closed_before(session: Session, project_id: int, period: Period) -> list[PayPeriod]:
    return list(session.scalars(select(PayPeriod).where(
        PayPeriod.project_id == project_id, PayPeriod.ends_at <= period.starts_at)
        .order_by(PayPeriod.starts_at)))


def stored(session: Session, period_ids: list[int], *where: Any) -> list[RawLine]:
    """The stored lines of the closed periods ``period_ids`` (only those ``where``)."""
    if not period_ids:
        return []
    return [RawLine(p.worker_id, p.kind, p.stage, p.work_batch_id, p.defect_id, p.unit,
                    p.units, p.rate, p.amount, p.data or {})
            for p in session.scalars(select(PayLine).where(
                PayLine.pay_period_id.in_(period_ids), *where).order_by(PayLine.id))]


def ranges(closed: list[PayPeriod]) -> list[Span]:
    """Closed periods merged into contiguous ranges (one query per range)."""
    out: list[Span] = []
    for p in closed:
        if out and out[-1][1] >= p.starts_at:
            out[-1] = (out[-1][0], max(out[-1][1], p.ends_at))
        else:
            out.append((p.starts_at, p.ends_at))
    return out


def _touched_batches(project_id: int, closed: list[PayPeriod]) -> Any:
    """Work batches whose piece work may have changed since the last period was closed: a
    sign-off or record appended after it (even dated back), or a volume changed after it
    (page count). Every other batch's piece lines are as they were paid."""
    since = max(p.last_event_id or 0 for p in closed)
    closed_at = max(p.closed_at for p in closed)
    return union(
        select(StageEvent.work_batch_id).where(
            StageEvent.project_id == project_id, StageEvent.id > since,
            StageEvent.work_batch_id.is_not(None)),
        select(Volume.work_batch_id).where(
            Volume.project_id == project_id, Volume.updated_at > closed_at,
            Volume.work_batch_id.is_not(None))).subquery("touched")


def _in(column: Any, ids: Iterable[int]) -> Any:
    return column.in_(sorted(ids))


def _changed_defects(session: Session, ctx: ProjectContext, last: PayPeriod,
                     spans: list[Span]) -> set[int] | None:
    """The defects whose lines may differ from those the last close (``last``) settled: charged
    now in a closed period and not kept at the close or kept otherwise, or kept and no longer
    charged there. None: every defect (nothing kept to compare with, or the rules changed)."""
    if last.defect_rules is None or last.defect_rules != defect_rules(ctx.config):
        return None
    later = session.scalar(select(func.count()).where(
        PayPeriod.project_id == ctx.project_id, PayPeriod.starts_at > last.starts_at))
    if later:  # the defects kept are the last close's, not this one's
        return None
    kept = PaySettledDefect
    now = counted_defects(ctx.project_id).where(found_in(spans)).subquery("now")
    differs = or_(kept.id.is_(None),
                  *(getattr(kept, name).is_distinct_from(now.c[name]) for name in COMPARED))
    changed = union(
        select(now.c.id).outerjoin(kept, and_(kept.pay_period_id == last.id,
                                              kept.defect_id == now.c.id)).where(differs),
        select(kept.defect_id).where(kept.pay_period_id == last.id,
                                     kept.defect_id.not_in(select(now.c.id))))
    ids = set(session.scalars(changed))
    return None if len(ids) > MAX_IDS else ids


@dataclass
class Owed:
    """What the closed periods owe (``lines``), and the charged defects of the closed periods
    whose lines were recomputed (``rows``, as read) — every one when ``changed`` is None,
    else those ``changed`` since ``last`` closed (the others are as it kept them)."""

    lines: list[RawLine] = field(default_factory=list)
    rows: list[DefectRow] = field(default_factory=list)
    changed: set[int] | None = None
    last: PayPeriod | None = None


def owed(session: Session, ctx: ProjectContext, period: Period,
         upto_event: int | None = None) -> Owed:
    """What the closed periods before ``period`` owe it (see the module); late work only of
    sign-offs recorded up to ``upto_event`` when given (a close: those after it are the next
    open period's)."""
    closed = closed_before(session, ctx.project_id, period)
    if not closed:
        return Owed()
    since = max(p.last_event_id or 0 for p in closed)
    spans = ranges(closed)
    query = _touched_batches(ctx.project_id, closed)
    touched = set(session.scalars(select(query.c.work_batch_id)))
    few = len(touched) <= MAX_IDS
    batches = sorted(touched) if few else select(query.c.work_batch_id)
    ids = [p.id for p in closed]
    paid_piece = [line for line in stored(
        session, ids, PayLine.defect_id.is_(None),
        or_(PayLine.work_batch_id.is_(None), _in(PayLine.work_batch_id, touched)) if few
        else true()) if line.work_batch_id is None or line.work_batch_id in touched]
    changed = _changed_defects(session, ctx, closed[-1], spans)
    if changed is None:
        rows = defect_rows(session, ctx.project_id, spans)
        paid_defect = stored(session, ids, PayLine.defect_id.is_not(None))
    elif changed:
        rows = defect_rows(session, ctx.project_id, spans, changed)
        paid_defect = stored(session, ids, _in(PayLine.defect_id, changed))
    else:
        rows, paid_defect = [], []
    paid_defects = {line.defect_id for line in paid_defect}
    out: list[RawLine] = []
    now: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0.0, 0.0, None])
    for start, end in spans:
        for line in piece_lines(session, ctx, start, end, batches, upto_event=since):
            _add(now, line)
    recorded_since = (upto_event if upto_event is not None else session.scalar(
        select(func.max(StageEvent.id)).where(StageEvent.project_id == ctx.project_id))) or 0
    by_period = _by_period(closed, rows)
    for i, p in enumerate(closed):
        if recorded_since > since:  # any sign-off recorded after the last close
            for line in piece_lines(session, ctx, p.starts_at, p.ends_at, batches,
                                    upto_event=upto_event, after_event=since):
                out.append(_late(line, p.period))
        for line in (line for r in by_period[i] for line in lines_of(ctx, r)):
            if line.defect_id in paid_defects:
                _add(now, line)
            else:  # counted after the close (recorded late, or no longer waived)
                out.append(_late(line, p.period))
    paid: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0.0, 0.0, set()])
    for line in paid_piece + paid_defect:
        paid[line.key][0] += line.units
        paid[line.key][1] += line.amount
        if line.kind in (PIECE, LATE):
            paid[line.key][2].add(line.rate)
    for key in sorted(set(now) | set(paid), key=repr):
        if correction := _correction(key, now[key], paid[key]):
            out.append(correction)
    return Owed(out, rows, changed, closed[-1])


def _by_period(closed: list[PayPeriod], rows: list[DefectRow]) -> list[list[DefectRow]]:
    """``rows`` (by id) per closed period they were found in."""
    starts = [aware(p.starts_at) for p in closed]
    out: list[list[DefectRow]] = [[] for _ in closed]
    for r in rows:
        out[bisect_right(starts, aware(r.found_at)) - 1].append(r)
    return out


def adjustment_lines(session: Session, ctx: ProjectContext, period: Period) -> list[RawLine]:
    return owed(session, ctx, period).lines


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


def keep_settled(session: Session, ctx: ProjectContext, closing: PayPeriod, owed: Owed,
                 own: list[DefectRow]) -> None:
    """On closing ``closing``: keep the charged defects of every closed period as its lines
    settle them — those recomputed (``owed.rows``) and the period's own (``own``) as read,
    the others as the previous close kept them — with the rules, in place of the previous
    close's."""
    rows = {r.id: r for r in owed.rows}
    if owed.changed is not None and owed.last is not None:
        for k in session.scalars(select(PaySettledDefect).where(
                PaySettledDefect.pay_period_id == owed.last.id)):
            if k.defect_id not in owed.changed:
                rows.setdefault(k.defect_id, DefectRow(
                    k.defect_id, *(getattr(k, name) for name in COMPARED)))
    rows.update({r.id: r for r in own})
    closing.defect_rules = defect_rules(ctx.config)
    session.execute(delete(PaySettledDefect).where(PaySettledDefect.pay_period_id.in_(
        select(PayPeriod.id).where(PayPeriod.project_id == ctx.project_id,
                                   PayPeriod.id != closing.id))))
    if rows:
        session.execute(insert(PaySettledDefect), [
            {"pay_period_id": closing.id, "defect_id": r.id,
             **{name: getattr(r, name) for name in COMPARED}} for r in rows.values()])

