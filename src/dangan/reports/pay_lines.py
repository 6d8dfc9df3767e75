"""The lines of piece-rate pay as the line's records give them: units × rates per worker, stage
and work batch (:func:`piece_lines`), and per defect charged to the worker who caused it a
deduction, the mentor's share while the worker is on probation (老带新), or 原卷错误 at 0
(:func:`defect_lines`).

Under 一稿双录 (``catalogue_keying`` rows) a volume's 标引 is paid to those who did it, as
the keying rounds record them: keyer 1 and keyer 2 each the volume's index units, the
resolver (when the keyings differed) the catalogue rows resolved at the index item rate; the
index sign-off only dates the work (:func:`keyed_credits`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from dangan.config import ProjectConfig
from dangan.db.models import CatalogueKeying, Defect, StageEvent, Worker
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.reports.common import UNITS, local_zone, round2, work_select
from dangan.services.project import ProjectContext

PIECE, DEDUCTION, MENTOR, ORIGINAL, ADJUSTMENT = ("piece", "deduction", "mentor", "original",
                                                  "adjustment")
# Work signed (or a defect counted) after a period was closed, dated in it: paid in the next
# open period at its own units × rate, never as a correction.
LATE = "late"
KINDS = (PIECE, DEDUCTION, MENTOR, ORIGINAL, LATE, ADJUSTMENT)
# Names in piece-rate keys that are not stage names.
STAGE_ALIASES = {"bind": "rebind", "binding": "rebind", "borrowing": "borrow"}

Span = tuple[datetime, datetime]


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


def defect_rules(config: ProjectConfig) -> dict[str, Any]:
    """Everything a defect's lines depend on besides the defect and its worker: the
    deductions, the mentor's share and the UTC offset of the local day (the probation end is
    a local date)."""
    offset = datetime.now(local_zone()).utcoffset()
    return {"deductions": {k: float(v) for k, v in
                           sorted(config.pay.deduction_per_defect.items())},
            "default": float(config.pay.default_deduction),
            "mentor_share": float(config.pay.mentor_share),
            "utc_offset": int(offset.total_seconds()) if offset is not None else 0}


def piece_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
                ends_at: datetime, batches: Any = None, *, upto_event: int | None = None,
                after_event: int | None = None) -> list[RawLine]:
    """Units × rates per worker, stage and work batch (only ``batches`` when given: a
    subquery or a list of work batch ids; sign-offs without a work batch are always
    included); only sign-offs recorded up to ``upto_event`` / after ``after_event`` (event
    ids) when given."""
    rates = stage_rates(ctx.config, tuple(ctx.config.workflow.stages))

    def within(query: Select[Any]) -> Select[Any]:
        query = query.where(StageEvent.stage.in_(list(rates)))
        if upto_event is not None:
            query = query.where(StageEvent.id <= upto_event)
        if after_event is not None:
            query = query.where(StageEvent.id > after_event)
        if batches is not None:
            query = query.where(or_(StageEvent.work_batch_id.in_(batches),
                                    StageEvent.work_batch_id.is_(None)))
        return query

    # (worker, stage, work batch) -> units per unit, and the volumes the line's detail names
    acc: dict[tuple[int, str, int | None], dict[str, int]] = defaultdict(
        lambda: {"page": 0, "volume": 0, "item": 0, "volumes": 0})
    for r in session.execute(within(work_select(
            ctx.project_id, starts_at, ends_at, StageEvent.worker_id, StageEvent.stage,
            StageEvent.work_batch_id))):
        if r.worker_id is None:
            continue
        got = acc[(r.worker_id, r.stage, r.work_batch_id)]
        for unit, n in (("page", r.pages), ("volume", r.volumes), ("item", r.items)):
            got[unit] += int(n or 0)
        got["volumes"] += int(r.volumes)
    if wf.INDEX in rates:
        for wid, batch_id, moved in keyed_moves(session, ctx, starts_at, ends_at, within):
            got = acc[(wid, wf.INDEX, batch_id)]
            for unit, n in moved.items():
                got[unit] += n
    lines = []
    for (worker_id, stage, batch_id), got in acc.items():
        for unit, rate in rates[stage]:
            if got[unit] > 0:
                lines.append(RawLine(worker_id, PIECE, stage, batch_id, None, unit, got[unit],
                                     rate, round2(got[unit] * rate),
                                     {"volumes": got["volumes"]}))
    return lines


def keyed_moves(session: Session, ctx: ProjectContext, starts_at: datetime, ends_at: datetime,
                within: Callable[[Select[Any]], Select[Any]] = lambda q: q,
                ) -> list[tuple[int, int | None, dict[str, int]]]:
    """The index units of double-keyed volumes first signed in the span, moved from the
    sign-off to the keyings (:func:`keyed_credits`): ``(worker id, work batch, {unit: delta,
    "volumes": delta})`` — negative for the signer, positive for each keyer and the resolver.
    The pay report's piece lines and the dashboard's month both apply them."""
    keyed = within(work_select(
        ctx.project_id, starts_at, ends_at, StageEvent.worker_id, StageEvent.volume_id,
        StageEvent.work_batch_id)).where(StageEvent.stage == wf.INDEX, exists().where(
            CatalogueKeying.volume_id == StageEvent.volume_id, CatalogueKeying.round == 3))
    moves: list[tuple[int, int | None, dict[str, int]]] = []
    for r, credits in keyed_credits(session, list(session.execute(keyed))):
        counts = {"page": int(r.pages or 0), "volume": int(r.volumes), "item": int(r.items or 0)}
        if r.worker_id is not None:  # the sign-off: credited to the keyings instead
            moves.append((r.worker_id, r.work_batch_id,
                          {**{u: -n for u, n in counts.items()}, "volumes": -1}))
        for wid, resolved in credits:
            moves.append((wid, r.work_batch_id, {**counts, "volumes": 1} if resolved is None
                          else {"page": 0, "volume": 0, "item": resolved, "volumes": 1}))
    return moves


def keyed_credits(session: Session, signed: list[Any],
                  ) -> list[tuple[Any, list[tuple[int, int | None]]]]:
    """Who is paid for the 标引 of double-keyed volumes (``signed``: rows with a
    ``volume_id``), as the keying rounds of the accepted catalogue record them — the last
    round 3 and the latest round 1 and round 2 before it: ``(worker id, None)`` for each
    keyer, ``(worker id, rows resolved)`` for the resolver when the keyings differed and a
    third worker resolved them (a difference of the volume record counts as one row). A
    volume whose keyings name no worker (typings made in spreadsheets) is left out: its
    sign-off pays as any other."""
    rounds: dict[int, list[CatalogueKeying]] = defaultdict(list)
    ids = sorted({r.volume_id for r in signed})
    for i in range(0, len(ids), 5000):
        for k in session.scalars(select(CatalogueKeying).where(
                CatalogueKeying.volume_id.in_(ids[i:i + 5000])).order_by(CatalogueKeying.id)):
            rounds[k.volume_id].append(k)
    out = []
    for r in signed:
        rows = rounds.get(r.volume_id, [])
        last = max((i for i, k in enumerate(rows) if k.round == 3), default=None)
        if last is None:
            continue
        latest: dict[int, CatalogueKeying] = {}
        for k in rows[:last]:
            if k.round == 3:  # an earlier cycle
                latest.clear()
            else:
                latest[k.round] = k
        first, second, third = latest.get(1), latest.get(2), rows[last]
        if first is None or second is None or first.worker_id is None \
                or second.worker_id is None:
            continue
        credits: list[tuple[int, int | None]] = [(first.worker_id, None),
                                                 (second.worker_id, None)]
        resolved = len({(d.get("where"), d.get("seq")) for d in third.differences or []
                        if isinstance(d, dict)})
        if resolved and third.worker_id is not None \
                and third.worker_id not in (first.worker_id, second.worker_id):
            credits.append((third.worker_id, resolved))
        out.append((r, credits))
    return out


@dataclass(frozen=True)
class DefectRow:
    """A charged defect (an error, not waived, of a worker) as its pay lines read it: the
    defect and the responsible worker's mentor and probation end."""

    id: int
    code: str
    stage: str | None
    work_batch_id: int | None
    cause: str
    responsible_id: int
    found_at: datetime
    mentor_id: int | None
    probation_until: date | None


def found_in(spans: Sequence[Span]) -> ColumnElement[bool]:
    return or_(*(and_(Defect.found_at >= a, Defect.found_at < b) for a, b in spans))


def counted_defects(project_id: int) -> Any:
    """The select of :class:`DefectRow` columns: the project's defects that pay counts."""
    worker = aliased(Worker)
    return (select(Defect.id, Defect.code, Defect.stage, Defect.work_batch_id, Defect.cause,
                   Defect.responsible_id, Defect.found_at, worker.mentor_id,
                   worker.probation_until)
            .join(worker, worker.id == Defect.responsible_id)
            .where(Defect.project_id == project_id, Defect.severity == "error",
                   Defect.status != "waived"))


def defect_rows(session: Session, project_id: int, spans: Sequence[Span],
                ids: Iterable[int] | None = None) -> list[DefectRow]:
    """The defects pay counts found in ``spans`` (only ``ids`` when given), by id."""
    if not spans:
        return []
    query = counted_defects(project_id).where(found_in(spans))
    if ids is not None:
        query = query.where(Defect.id.in_(list(ids)))
    return [DefectRow(*r) for r in session.execute(query.order_by(Defect.id)).all()]


def lines_of(ctx: ProjectContext, r: DefectRow) -> list[RawLine]:
    """A defect's lines: the deduction (and the mentor's share), or 原卷错误 at 0."""
    base = {"code": r.code}
    if r.cause == "original":
        return [RawLine(r.responsible_id, ORIGINAL, r.stage or "", r.work_batch_id, r.id,
                        "defect", 1, 0.0, 0.0, base)]
    share = ctx.config.pay.mentor_share
    amount = deduction_for(ctx.config, r.code)
    lines = [RawLine(r.responsible_id, DEDUCTION, r.stage or "", r.work_batch_id, r.id,
                     "defect", 1, amount, round2(-amount), base)]
    if r.mentor_id is not None and r.probation_until is not None \
            and local_date(r.found_at) <= r.probation_until and share > 0:
        lines.append(RawLine(r.mentor_id, MENTOR, r.stage or "", r.work_batch_id, r.id,
                             "defect", 1, round2(amount * share), round2(-amount * share),
                             {**base, "probationer_id": r.responsible_id, "share": share}))
    return lines


def defect_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
                 ends_at: datetime, seen: list[DefectRow] | None = None) -> list[RawLine]:
    """Deductions (and mentor shares) for defects found in the period; 原卷错误 at 0. The
    defects read are added to ``seen`` when given."""
    rows = defect_rows(session, ctx.project_id, [(starts_at, ends_at)])
    if seen is not None:
        seen.extend(rows)
    return [line for r in rows for line in lines_of(ctx, r)]


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite: naive UTC


def local_date(value: datetime) -> date:
    return aware(value).astimezone(local_zone()).date()


def base_lines(session: Session, ctx: ProjectContext, starts_at: datetime,
               ends_at: datetime, seen: list[DefectRow] | None = None, *,
               upto_event: int | None = None) -> list[RawLine]:
    """Piece lines (of sign-offs recorded up to ``upto_event`` when given) and defect lines."""
    return (piece_lines(session, ctx, starts_at, ends_at, upto_event=upto_event)
            + defect_lines(session, ctx, starts_at, ends_at, seen))
