"""一稿双录 at the indexing desk: two indexers key a volume's catalogue independently, a third
resolves every difference, and only then is the catalogue accepted (imported).

Used when ``[catalogue] double_keying = true`` and the volume has no recorded catalogue yet
(a catalogue once accepted is corrected at the desk as any other, with a reason after QC).
The keyings are ``catalogue_keying`` rows: round 1 and round 2 by two different workers (the
latest row of a round counts; a keyer may submit again until both rounds are in), round 3 the
resolution with, per difference, which keying the final text agrees with. The round-2 row
carries the field-by-field, character-level differences (``domain.keying``).

Nothing here shows one keying to the other keyer: ``state`` tells a worker only about their
own keying, and the differences are given only to a worker who keyed neither round.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dangan.db.models import CatalogueKeying, Item, Volume, VolumeRecord, WorkBatch
from dangan.domain import workflow as wf
from dangan.domain.catalogue import RawEntry, validate_catalogue
from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS, label
from dangan.domain.keying import Difference, compare_typings, resolution_choices
from dangan.errors import ConflictError, InputError, NotFoundError, SpreadsheetError, StateError
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.io.catalogue import ENTRY_LIMITS, RECORD_LIMITS, value_problems
from dangan.services import engine
from dangan.services.engine import Actor
from dangan.services.indexing import ImportResult, image_counts, import_catalogue, schema_of
from dangan.services.project import ProjectContext

CHOICES = ("first", "second", "other")
# the state of a volume's double keying
OPEN, FIRST, BOTH, ACCEPTED = "open", "first", "both", "accepted"


@dataclass(frozen=True)
class Keying:
    round: int
    worker_id: int | None
    record: dict[str, str]
    entries: list[dict[str, str]]

    def typing(self) -> dict[str, Any]:
        return {"record": self.record, "entries": self.entries}


@dataclass(frozen=True)
class KeyingState:
    volume_id: int
    archive_code: str
    state: str  # open / first / both / accepted
    first: Keying | None = None
    second: Keying | None = None

    def keyers(self) -> set[int]:
        return {k.worker_id for k in (self.first, self.second) if k and k.worker_id is not None}

    def own(self, worker_id: int | None) -> Keying | None:
        """The worker's own keying, the only one a keyer may see."""
        for k in (self.second, self.first):
            if k is not None and worker_id is not None and k.worker_id == worker_id:
                return k
        return None


@dataclass
class KeyingSaved:
    round: int
    differences: list[Difference] = field(default_factory=list)
    accepted: ImportResult | None = None  # both keyings agreed: the catalogue is in


def enabled(ctx: ProjectContext) -> bool:
    return bool(getattr(ctx.config.catalogue, "double_keying", False))


def _recorded(session: Session, volume_id: int) -> bool:
    return bool(session.scalar(select(
        exists().where(Item.volume_id == volume_id) | exists().where(
            VolumeRecord.volume_id == volume_id))))


def _volume(session: Session, ctx: ProjectContext, volume_id: int) -> Volume:
    vol = session.get(Volume, volume_id)
    if vol is None or vol.project_id != ctx.project_id:
        raise NotFoundError("index.volume_not_found", code=str(volume_id))
    return vol


def _as_keying(row: CatalogueKeying) -> Keying:
    data = row.data or {}
    return Keying(row.round, row.worker_id,
                  {k: str(v) for k, v in (data.get("record") or {}).items()},
                  [{k: str(v) for k, v in e.items()} for e in data.get("entries") or []])


def state_in(session: Session, ctx: ProjectContext, volume_id: int) -> KeyingState:
    vol = _volume(session, ctx, volume_id)
    if _recorded(session, vol.id):
        return KeyingState(vol.id, vol.archive_code, ACCEPTED)
    latest: dict[int, CatalogueKeying] = {}
    for row in session.scalars(select(CatalogueKeying).where(
            CatalogueKeying.volume_id == vol.id).order_by(CatalogueKeying.id)):
        if row.round == 3:  # a resolution whose import did not hold: a new cycle
            latest.clear()
        else:
            latest[row.round] = row
    first = _as_keying(latest[1]) if 1 in latest else None
    second = _as_keying(latest[2]) if 2 in latest and first is not None else None
    name = BOTH if second else FIRST if first else OPEN
    return KeyingState(vol.id, vol.archive_code, name, first, second)


def state(ctx: ProjectContext, volume_id: int) -> KeyingState:
    with ctx.transaction() as session:
        return state_in(session, ctx, volume_id)


def states(ctx: ProjectContext, volume_ids: list[int]) -> dict[int, str]:
    """The state name per volume (for lists), in three queries."""
    if not volume_ids:
        return {}
    with ctx.transaction() as session:
        recorded = set(session.scalars(select(Item.volume_id).where(
            Item.volume_id.in_(volume_ids)).distinct()))
        recorded |= set(session.scalars(select(VolumeRecord.volume_id).where(
            VolumeRecord.volume_id.in_(volume_ids))))
        rounds: dict[int, set[int]] = {}
        for vid, rnd in session.execute(
                select(CatalogueKeying.volume_id, CatalogueKeying.round)
                .where(CatalogueKeying.volume_id.in_(volume_ids)).order_by(CatalogueKeying.id)):
            seen = rounds.setdefault(vid, set())
            if rnd == 3:
                seen.clear()
            else:
                seen.add(rnd)
    out = {}
    for vid in volume_ids:
        seen = rounds.get(vid, set())
        out[vid] = (ACCEPTED if vid in recorded else BOTH if {1, 2} <= seen
                    else FIRST if 1 in seen else OPEN)
    return out


def pending(ctx: ProjectContext, worker_id: int | None, limit: int = 100,
            ) -> list[tuple[int, str, str, int]]:
    """What a worker may do at 标引 under double keying: ``(volume id, archive code, "key",
    round)`` for a volume they have not keyed yet, ``(…, "resolve", 3)`` for one whose two
    keyings are in and were made by others. Volumes with an accepted catalogue are left out."""
    if not enabled(ctx) or worker_id is None:
        return []
    with ctx.transaction() as session:
        vols = session.execute(
            select(Volume.id, Volume.archive_code)
            .join(WorkBatch, WorkBatch.id == Volume.work_batch_id)
            .where(Volume.project_id == ctx.project_id, WorkBatch.stage == wf.INDEX)
            .order_by(WorkBatch.id, Volume.id)).all()
        ids = [v.id for v in vols]
        if not ids:
            return []
        done = set(session.scalars(select(Item.volume_id).where(Item.volume_id.in_(ids))))
        done |= set(session.scalars(select(VolumeRecord.volume_id).where(
            VolumeRecord.volume_id.in_(ids))))
        keyers: dict[int, dict[int, int | None]] = {}
        for vid, rnd, wid in session.execute(
                select(CatalogueKeying.volume_id, CatalogueKeying.round,
                       CatalogueKeying.worker_id)
                .where(CatalogueKeying.volume_id.in_(ids)).order_by(CatalogueKeying.id)):
            seen = keyers.setdefault(vid, {})
            if rnd == 3:
                seen.clear()
            else:
                seen[rnd] = wid
    out: list[tuple[int, str, str, int]] = []
    for vid, code in vols:
        if vid in done:
            continue
        k = keyers.get(vid, {})
        if 1 in k and 2 in k:
            if worker_id not in (k[1], k[2]):
                out.append((vid, code, "resolve", 3))
        elif worker_id not in k.values():
            out.append((vid, code, "key", 2 if 1 in k else 1))
        if len(out) >= limit:
            break
    return out


def require_direct_entry(ctx: ProjectContext, volume_id: int) -> None:
    """A catalogue typed at the desk goes in directly only when double keying is off or the
    volume's catalogue was accepted already (a correction)."""
    if enabled(ctx) and state(ctx, volume_id).state != ACCEPTED:
        raise StateError("keying.required")


def typed_value_problems(record: Mapping[str, str], entries: Sequence[Mapping[str, str]],
                         ) -> list[str]:
    """What no workbook cell or database column takes in a catalogue typed on a web form
    (control characters, a value too long or out of range), located as the indexer sees it:
    卷宗信息 and its field, 卷内目录第 N 条 (the grid's row N) and its column."""
    bad = value_problems(record, RECORD_LIMITS, 0, {k: label(RECORD_LABELS, k) for k in record},
                         "index.desk_record_cell")
    for i, row in enumerate(entries):
        bad += value_problems(row, ENTRY_LIMITS, i + 1, {k: label(ENTRY_LABELS, k) for k in row},
                              "index.desk_entry_cell")
    return bad


def _validate(ctx: ProjectContext, session: Session, vol: Volume, record: Mapping[str, str],
              entries: list[dict[str, str]]) -> None:
    schema = schema_of(ctx)
    bad = typed_value_problems(record, entries)
    if bad:  # checked before the database (or a workbook) sees any of it
        raise SpreadsheetError("keying.rejected", count=len(bad), details=bad)
    count = image_counts(session, [vol.id]).get(vol.id)
    cat = validate_catalogue(vol.archive_code, RawEntry({**record, "archive_code": vol.archive_code}, 0),
                             tuple(RawEntry(r, i + 1) for i, r in enumerate(entries)), schema,
                             count, desk=True)
    errors = [d.message for d in cat.defects if d.is_error]
    if errors:
        raise SpreadsheetError("keying.rejected", count=len(errors), details=errors)


def _clean(record: Mapping[str, str], entries: list[dict[str, str]],
           ) -> tuple[dict[str, str], list[dict[str, str]]]:
    rec = {k: str(v).strip() for k, v in record.items() if k != "archive_code"}
    rows = [{k: str(v).strip() for k, v in e.items()} for e in entries]
    return rec, [r for r in rows if any(r.values())]


def save_keying(ctx: ProjectContext, actor: Actor, volume_id: int, record: Mapping[str, str],
                entries: list[dict[str, str]]) -> KeyingSaved:
    """Record the actor's keying: round 1, or round 2 when another worker keyed round 1.
    When both rounds agree the catalogue is accepted at once (imported by the second keyer)."""
    engine.require_any_role(actor, frozenset({wf.INDEXER}))
    if not enabled(ctx):
        raise StateError("keying.not_enabled")
    rec, rows = _clean(record, entries)
    with ctx.transaction() as session:
        now = state_in(session, ctx, volume_id)
        if now.state == ACCEPTED:
            raise ConflictError("keying.already_accepted", code=now.archive_code)
        if now.state == BOTH:
            raise ConflictError("keying.both_in", code=now.archive_code)
        vol = _volume(session, ctx, volume_id)
        _validate(ctx, session, vol, rec, rows)
        own_first = now.first is not None and now.first.worker_id == actor.worker_id
        rnd = 2 if now.first is not None and not own_first else 1
        typing = {"record": rec, "entries": rows}
        diffs = compare_typings({vol.archive_code: now.first.typing()},
                                {vol.archive_code: typing}) if rnd == 2 and now.first else []
        session.add(CatalogueKeying(volume_id=vol.id, round=rnd, worker_id=actor.worker_id,
                                    source="web", data=typing,
                                    differences=[d.to_dict() for d in diffs]))
        code = vol.archive_code
    saved = KeyingSaved(rnd, diffs)
    if rnd == 2 and not diffs:
        saved.accepted = _accept(ctx, actor, volume_id, code, typing, [])
    return saved


def differences(ctx: ProjectContext, actor: Actor, volume_id: int,
                ) -> tuple[KeyingState, list[Difference]]:
    """The differences of the two keyings, for a worker who keyed neither."""
    engine.require_any_role(actor, frozenset({wf.INDEXER}))
    now = state(ctx, volume_id)
    if now.state != BOTH or now.first is None or now.second is None:
        raise StateError("keying.not_both", code=now.archive_code)
    if actor.worker_id in now.keyers():
        raise StateError("keying.keyer_resolves", code=now.archive_code)
    code = now.archive_code
    return now, compare_typings({code: now.first.typing()}, {code: now.second.typing()})


def diff_key(d: Difference) -> str:
    """A stable name for a difference in a form: ``record.title``, ``entry.3.page_end``."""
    return f"record.{d.field}" if d.where == "record" else f"entry.{d.seq}.{d.field}"


def resolve(ctx: ProjectContext, actor: Actor, volume_id: int, choices: Mapping[str, str],
            own: Mapping[str, str]) -> ImportResult:
    """The third person's decision for every difference (``first``, ``second`` or ``other``
    with the text in ``own``); any difference left open refuses the whole resolution."""
    now, diffs = differences(ctx, actor, volume_id)
    assert now.first is not None and now.second is not None
    bad = [k for k, v in choices.items() if v not in CHOICES]
    if bad:
        raise InputError("keying.bad_choice", details=bad[:50])
    open_ = [diff_key(d) for d in diffs if choices.get(diff_key(d)) not in CHOICES]
    if open_:
        raise InputError("keying.unresolved", count=len(open_), details=open_[:50])
    record = dict(now.first.record)
    rows = [dict(e) for e in now.first.entries]
    for d in diffs:
        pick = choices[diff_key(d)]
        value = d.first if pick == "first" else d.second if pick == "second" else \
            str(own.get(diff_key(d), "")).strip()[:2000]
        if d.where == "record":
            record[d.field] = value
        elif d.seq is not None:
            while len(rows) < d.seq:
                rows.append({})
            rows[d.seq - 1][d.field] = value
    rec, entries = _clean(record, rows)
    return _accept(ctx, actor, volume_id, now.archive_code, {"record": rec, "entries": entries},
                   diffs)


def _accept(ctx: ProjectContext, actor: Actor, volume_id: int, code: str,
            final: dict[str, Any], diffs: list[Difference]) -> ImportResult:
    """Import the final catalogue through the indexing service (validated again, all or
    nothing, signed for the holder), then record round 3 with the resolver's choices."""
    schema = schema_of(ctx)
    with tempfile.TemporaryDirectory(prefix="dangan-keying-") as tmp:
        path = Path(tmp) / f"catalogue-{volume_id}-resolved.xlsx"
        with path.open("wb") as out:
            write_catalogue_workbook(out, schema, [VolumeCatalogue(
                code, {**final["record"], "archive_code": code}, final["entries"])])
        result = import_catalogue(ctx, actor, [path], replace=True, blank_keeps=False)
    with ctx.transaction() as session:
        session.add(CatalogueKeying(volume_id=volume_id, round=3, worker_id=actor.worker_id,
                                    source="web", data={**final, "resolver": actor.name},
                                    differences=resolution_choices(diffs, {code: final})))
    return result
