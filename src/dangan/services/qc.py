"""质检: automatic checks first, then a reproducible sample, defects by type, the verdict.

One inspection per attempt (QCInspection.round counts attempts across the batch's QC levels);
the QC level (一检 qc / 二检 qc2 / 终检 qc3) is the batch's stage, recorded on the
``qc_sample`` event. A failed batch, or any defect, goes back as rework; after the rework is
signed off the batch is inspected again, at most ``MAX_QC_ATTEMPTS`` times per level.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, Item, Page, QCInspection, Rework, StageEvent, Volume, WorkBatch
from dangan.domain import sampling
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext

# recording a defect lives in qc_record; these names stay reachable as qc.<name>
from dangan.services.qc_record import ORIGINAL_STATUS as ORIGINAL_STATUS
from dangan.services.qc_record import PAPER_STAGES as PAPER_STAGES
from dangan.services.qc_record import STILL_OPEN as STILL_OPEN
from dangan.services.qc_record import DefectResult as DefectResult
from dangan.services.qc_record import may_record as may_record
from dangan.services.qc_record import open_inspection
from dangan.services.qc_record import record_defect as record_defect

# re-inspection of one rework (复检通过 / 复检不通过) lives with the rework it decides
from dangan.services.rework import reject_rework as reject_rework
from dangan.services.rework import rework_unassigned_defects
from dangan.services.rework import verify_rework as verify_rework

Unit = tuple[int, str, int]  # (volume_id, "item"|"page"|"volume", item seq | page_no | 0)


# The decision of an inspection closed without a verdict: catalogues of its volumes were
# imported after its sample was drawn, so a new sample is drawn (see ``stale_volumes``).
VOID = "void"


@dataclass(frozen=True)
class SampleResult:
    batch: str
    stage: str
    inspection_id: int | None
    round: int
    seed: int | None
    population: int
    units: list[dict[str, Any]] = field(default_factory=list)
    reworks: int = 0  # automatic-check defects sent back instead of sampling
    # an open inspection voided because catalogues of its volumes were imported after its
    # draw: (its id, those volumes); the new sample replaces it
    voided: int | None = None
    changed: list[str] = field(default_factory=list)
    # the inspector's QC claim handed back with the automatic-check defects (as a failed
    # verdict hands it back): the batch is claimed again once the rework is signed off
    claim_released: bool = False

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class DecisionResult:
    batch: str
    stage: str
    passed: bool
    rate: float
    inspected: int
    defective: int
    critical: int
    reworks: int
    batch_advanced: bool
    next_stage: str
    # open warnings a passing verdict accepted, on the units the inspector looked at:
    # {"archive_code", "page_no", "item_seq", "code"} each, in the volumes' histories too
    accepted: list[dict[str, Any]] = field(default_factory=list)
    left_open: int = 0  # open warnings of the batch outside the sample: not accepted
    # ``inspected`` is ``sampled`` units of the draw plus ``outside`` units out of the sample
    # that hold a defect (``_defective_units``); ``unit``: the sample's kind (item/page/volume)
    sampled: int = 0
    outside: int = 0
    unit: str = "volume"
    claim_released: bool = False  # not passed: the QC claim handed back (claimed again later)

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def plan_for(ctx: ProjectContext) -> sampling.SamplingPlan:
    qc = ctx.config.qc
    return sampling.SamplingPlan(qc.sample_rate, qc.min_items, qc.pass_rate, frozenset(qc.critical))


def draw_sample(ctx: ProjectContext, actor: Actor, batch_code: str,
                seed: int | None = None) -> SampleResult:
    """Start an inspection: send automatic-check defects back first, else draw the sample.

    An open inspection is refused, unless the catalogue of one of its volumes was imported
    after its draw: then it is voided (recorded, no attempt counted) and a new sample is drawn
    from the catalogues as they are now — the items inspected are those delivered."""
    plan = plan_for(ctx)
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        level = batch.stage
        if level not in wf.QC_LEVELS:
            raise StateError("qc.not_at_qc", code=batch.code, stage=t(f"stage.{level}"))
        engine.require_role(actor, level)
        if batch.status == wf.IN_REWORK:  # sent back (its claim with it): not "not claimed"
            raise StateError("workflow.batch_in_rework", code=batch.code)
        claim = engine.require_claimant(session, batch, level, actor)
        voided, changed = None, []
        open_now = open_inspection(session, batch.id)
        if open_now is not None:
            changed = stale_volumes(session, batch.id)
            if not changed:
                raise StateError("qc.inspection_open", code=batch.code)
            _void(session, ctx.project_id, open_now, level, actor, changed)
            voided = open_now.id
        attempts = (session.scalar(select(func.count()).select_from(StageEvent).where(
            StageEvent.work_batch_id == batch.id, StageEvent.kind == wf.EVENT_QC_SAMPLE,
            StageEvent.stage == level)) or 0) - _voided_count(session, batch.id, level)
        if attempts >= wf.MAX_QC_ATTEMPTS:
            raise StateError("qc.too_many_rounds", code=batch.code, rounds=attempts)
        # 1. automatic checks (intake, retouch, link) ran first: their open errors go back now
        reworks = rework_unassigned_defects(session, ctx.project_id, batch.id, actor.name, graph)
        if reworks:
            engine.release_in_session(session, ctx.project_id, claim, "qc_rework", actor.name)
            batch.status = wf.IN_REWORK
            return SampleResult(batch.code, level, None, batch.qc_round, None, 0, [],
                                len(reworks), voided, changed, claim_released=True)
        # 2. the sample, reproducible from the recorded seed
        population, codes = _population(session, batch.id)
        previous = session.scalar(select(QCInspection).where(
            QCInspection.work_batch_id == batch.id).order_by(QCInspection.round.desc()).limit(1))
        again = _defective_units(session, previous.id) if previous is not None else set()
        seed = seed if seed is not None else secrets.randbits(62)
        units = sampling.draw_sample(population, plan.sample_size(len(population)), seed,
                                     must_include=again & set(population))
        batch.qc_round += 1
        unit_dicts = [_unit_dict(u, codes) for u in units]
        inspection = QCInspection(work_batch_id=batch.id, round=batch.qc_round,
                                  inspector_id=actor.worker_id, seed=seed, sample=unit_dicts,
                                  population=len(population))
        session.add(inspection)
        session.flush()
        ws.add_event(session, ctx.project_id, wf.EVENT_QC_SAMPLE, actor.name, stage=level,
                     worker_id=actor.worker_id, work_batch_id=batch.id,
                     data={"inspection_id": inspection.id, "round": inspection.round,
                           "seed": seed, "size": len(units), "population": len(population),
                           "units": [[u["archive_code"], u["unit"], u["key"]]
                                     for u in unit_dicts]})
        return SampleResult(batch.code, level, inspection.id, inspection.round, seed,
                            len(population), unit_dicts, 0, voided, changed)


def stale_volumes(session: Session, batch_id: int) -> list[str]:
    """Volumes of the batch whose catalogue was imported (replaced, corrected) after the
    batch's latest sample was drawn — the open inspection's items are no longer those
    delivered, so its sample no longer stands for the batch."""
    drawn = session.scalar(select(func.max(StageEvent.id)).where(
        StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_QC_SAMPLE))
    if drawn is None:
        return []
    in_batch = select(Volume.id).where(Volume.work_batch_id == batch_id)
    return sorted(set(session.scalars(
        select(Volume.archive_code).join(StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_CATALOGUE, StageEvent.id > drawn,
            StageEvent.volume_id.in_(in_batch)))))


def _void(session: Session, project_id: int, inspection: QCInspection, level: str,
          actor: Actor, changed: list[str]) -> None:
    """Close a stale inspection without a verdict (``void``): it counts as no attempt, its
    findings stay recorded (and go back as rework with the next draw)."""
    at = ws.now()
    inspection.decision = VOID
    inspection.decided_at = at
    ws.add_event(session, project_id, wf.EVENT_QC_DECISION, actor.name, stage=level,
                 worker_id=actor.worker_id, work_batch_id=inspection.work_batch_id, at=at,
                 remarks=t("qc.sample_voided_remarks", codes="、".join(changed[:20])),
                 data={"inspection_id": inspection.id, "decision": VOID,
                       "catalogue_changed": changed})


def _voided_count(session: Session, batch_id: int, level: str) -> int:
    return sum(1 for data in session.scalars(select(StageEvent.data).where(
        StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_QC_DECISION,
        StageEvent.stage == level)) if (data or {}).get("decision") == VOID)


def redraw(ctx: ProjectContext, inspection_id: int) -> list[dict[str, Any]]:
    """Draw an inspection's sample again from its recorded seed (audit)."""
    plan = plan_for(ctx)
    with ctx.transaction() as session:
        inspection = session.get(QCInspection, inspection_id)
        if inspection is None:
            raise InputError("qc.inspection_not_found", id=inspection_id)
        population, codes = _population(session, inspection.work_batch_id)
        previous = session.scalar(select(QCInspection).where(
            QCInspection.work_batch_id == inspection.work_batch_id,
            QCInspection.round < inspection.round).order_by(QCInspection.round.desc()).limit(1))
        again = _defective_units(session, previous.id) if previous is not None else set()
        units = sampling.draw_sample(population, plan.sample_size(len(population)),
                                     inspection.seed, must_include=again & set(population))
        return [_unit_dict(u, codes) for u in units]


def decide(ctx: ProjectContext, actor: Actor, batch_code: str,
           remarks: str = "") -> DecisionResult:
    """The verdict: pass at the plan's rate with zero critical defects, else rework.

    The verdict is recorded first (its own transaction); a pass is then signed by the engine
    for the QC level, so a refused sign-off never loses the recorded verdict."""
    plan = plan_for(ctx)
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        level = batch.stage
        inspection = open_inspection(session, batch.id)
        if inspection is None or level not in wf.QC_LEVELS:
            raise StateError("qc.no_open_inspection", code=batch.code)
        engine.require_role(actor, level)
        claim = engine.require_claimant(session, batch, level, actor)
        changed = stale_volumes(session, batch.id)
        if changed:  # the sample was drawn from catalogues since replaced
            raise StateError("qc.sample_stale", code=batch.code, id=inspection.id,
                             count=len(changed), codes="、".join(changed[:10]),
                             details=changed[:50])
        sample = {(u["volume_id"], u["unit"], u["key"]) for u in inspection.sample}
        bad = _defective_units(session, inspection.id)
        # units out of the sample that hold a defect count as inspected: said apart
        outside = len(bad - sample)
        unit = str(inspection.sample[0]["unit"]) if inspection.sample else "volume"
        critical = session.scalar(select(func.count()).select_from(Defect).where(
            Defect.work_batch_id == batch.id, Defect.status == "open",
            Defect.severity == "error", Defect.code.in_(list(plan.critical)))) or 0
        verdict = sampling.decide(plan, len(sample | bad), len(bad), critical)
        at = ws.now()
        inspection.decision = "pass" if verdict.passed else "fail"
        inspection.pass_rate = verdict.rate
        inspection.decided_at = at
        ws.add_event(session, ctx.project_id, wf.EVENT_QC_DECISION, actor.name, stage=level,
                     worker_id=actor.worker_id, work_batch_id=batch.id, remarks=remarks, at=at,
                     data={"inspection_id": inspection.id, "decision": inspection.decision,
                           "rate": verdict.rate, "inspected": verdict.inspected,
                           "defective": verdict.defective, "critical": verdict.critical,
                           "sampled": len(sample), "outside": outside, "unit": unit,
                           "defects": sorted([list(u) for u in bad])})
        reworks = rework_unassigned_defects(session, ctx.project_id, batch.id, actor.name, graph)
        passing = (verdict.passed and not reworks
                   and not ws.open_rework_count(session, batch.id))
        accepted: list[dict[str, Any]] = []
        if passing:
            _refuse_stale_packages(ctx, session, batch)
            accepted = _verify_fixed(session, ctx.project_id, actor, batch, inspection, at)
        else:
            engine.release_in_session(session, ctx.project_id, claim, "qc_rework", actor.name,
                                      at)
            batch.status = wf.IN_REWORK if ws.open_rework_count(session, batch.id) else wf.WAITING
        inspection_id = inspection.id
        left_open = _open_warnings(session, batch.id) if passing else 0
    advanced = False
    if passing:
        signed = engine.sign(ctx, actor, batch_code, level, remarks, at=at,
                             data={"inspection_id": inspection_id})
        advanced = signed.batch_advanced
    return DecisionResult(batch_code, level, verdict.passed, verdict.rate, verdict.inspected,
                          verdict.defective, verdict.critical, len(reworks), advanced,
                          graph.next(level) if advanced else level, accepted, left_open,
                          len(sample), outside, unit, claim_released=not passing)


def inspected_words(sampled: int, outside: int, unit: str) -> str:
    """What a verdict inspected, in words: the units drawn, and apart those out of the sample
    counted because a defect was found on them ("抽检 5 件 + 样本外 1 件")."""
    word = t(f"qc.unit_word.{unit}")
    if outside:
        return t("qc.inspected_with_outside", sampled=sampled, outside=outside, unit=word)
    return t("qc.inspected_units", sampled=sampled, unit=word)


def _refuse_stale_packages(ctx: ProjectContext, session: Session, batch: WorkBatch) -> None:
    """A pass never accepts a volume whose delivery package is older than its retouched
    pages or catalogue (``readiness.stale_packages``): the verdict is refused, nothing
    recorded."""
    from dangan.services.delivery.readiness import MAX_NAMED, stale_packages

    stale = stale_packages(ctx, session, dict(session.execute(select(
        Volume.id, Volume.archive_code).where(Volume.work_batch_id == batch.id)).all()))
    if stale:
        raise StateError("qc.stale_package", code=batch.code, count=len(stale),
                         codes="、".join(stale[:MAX_NAMED]), first=stale[0], details=stale)


def _verify_fixed(session: Session, project_id: int, actor: Actor, batch: WorkBatch,
                  inspection: QCInspection, at: datetime) -> list[dict[str, Any]]:
    """At a passing verdict: corrected errors are verified. An open warning (a blank page, binding
    holes kept in masters, retouch's ``needs_review``…) is accepted as it is only where the
    inspector looked — on a unit of the sample (its item's pages, its page, its volume) — and
    each volume's accepted warnings are recorded in its history. Warnings elsewhere stay open:
    a passing sample does not accept flags nobody looked at (the retoucher accepts a page, or
    a later inspection samples it). Returns the accepted warnings."""
    in_batch = select(Volume.id).where(Volume.work_batch_id == batch.id)
    seen = _looked_at(session, inspection.sample or [])
    accepted: dict[int, list[Defect]] = {}
    for defect in session.scalars(select(Defect).where(
            or_(Defect.work_batch_id == batch.id, Defect.volume_id.in_(in_batch)),
            or_(Defect.status == "fixed",
                (Defect.status == "open") & (Defect.severity == "warning")))
            .order_by(Defect.volume_id, Defect.page_no, Defect.id)):
        volume_id = defect.volume_id
        if defect.status == "fixed":
            defect.status = "verified"
        elif volume_id is not None and _in_sample(defect, seen.get(volume_id)):
            defect.status = "waived"
            accepted.setdefault(volume_id, []).append(defect)
        else:
            continue
        defect.resolved_at = defect.resolved_at or at
    for rework in session.scalars(select(Rework).where(Rework.work_batch_id == batch.id,
                                                       Rework.status == "done")):
        rework.status = "verified"
        rework.verified_at = at
    codes = dict(session.execute(select(Volume.id, Volume.archive_code)
                                 .where(Volume.id.in_(list(accepted)))).all())
    out: list[dict[str, Any]] = []
    for volume_id, defects in accepted.items():
        lines = [{"archive_code": codes.get(volume_id, ""), "page_no": d.page_no,
                  "item_seq": (d.data or {}).get("item_seq"), "code": d.code,
                  "defect_id": d.id} for d in defects]
        pages = sorted({d.page_no for d in defects if d.page_no is not None})
        ws.add_event(session, project_id, wf.EVENT_QC_DECISION, actor.name, stage=batch.stage,
                     worker_id=actor.worker_id, volume_id=volume_id, work_batch_id=batch.id,
                     at=at, remarks=t("qc.warnings_accepted_remarks", count=len(defects),
                                      pages="、".join(str(p) for p in pages) or "—"),
                     data={"inspection_id": inspection.id, "decision": "warnings_accepted",
                           "accepted": lines})
        out.extend(lines)
    return out


_Seen = dict[int, tuple[bool, set[int], set[int]]]  # volume id -> (whole, item seqs, pages)


def _looked_at(session: Session, sample: list[dict[str, Any]]) -> _Seen:
    """What the inspector examined, by volume: the whole volume, items (and their pages), pages."""
    seen: _Seen = {}
    for unit in sample:
        _whole, items, pages = seen.setdefault(int(unit["volume_id"]), (False, set(), set()))
        if unit["unit"] == "volume":
            seen[int(unit["volume_id"])] = (True, items, pages)
        elif unit["unit"] == "page":
            pages.add(int(unit["key"]))
        else:
            items.add(int(unit["key"]))
    for volume_id, (_whole, items, pages) in seen.items():
        if items:
            for start, end in session.execute(select(Item.page_start, Item.page_end).where(
                    Item.volume_id == volume_id, Item.seq.in_(list(items)))):
                pages.update(range(int(start), int(end) + 1))
    return seen


def _in_sample(defect: Defect, seen: tuple[bool, set[int], set[int]] | None) -> bool:
    """Whether the inspector looked at the defect's place: its volume (``seen``) sampled
    whole, or its page or item among the sampled ones."""
    if seen is None:
        return False
    whole, items, pages = seen
    if whole:
        return True
    if defect.page_no is not None:
        return defect.page_no in pages
    item_seq = (defect.data or {}).get("item_seq")
    return item_seq is not None and int(item_seq) in items


def _open_warnings(session: Session, batch_id: int) -> int:
    in_batch = select(Volume.id).where(Volume.work_batch_id == batch_id)
    return int(session.scalar(select(func.count()).select_from(Defect).where(
        or_(Defect.work_batch_id == batch_id, Defect.volume_id.in_(in_batch)),
        Defect.status == "open", Defect.severity == "warning")) or 0)


def _population(session: Session, batch_id: int) -> tuple[list[Unit], dict[int, str]]:
    """Items (件) when the batch is indexed, else pages, else whole volumes."""
    codes = {vid: code for vid, code in session.execute(select(Volume.id, Volume.archive_code)
                                                         .where(Volume.work_batch_id == batch_id))}
    ids = list(codes)
    items = session.execute(select(Item.volume_id, Item.seq).where(
        Item.volume_id.in_(ids))).all()
    if items:
        return [(int(v), "item", int(s)) for v, s in items], codes
    pages = session.execute(select(Page.volume_id, Page.page_no).where(
        Page.volume_id.in_(ids))).all()
    if pages:
        return [(int(v), "page", int(p)) for v, p in pages], codes
    return [(v, "volume", 0) for v in ids], codes


def _defective_units(session: Session, inspection_id: int) -> set[Unit]:
    """The units of the inspection's sample kind that hold an error found in it.

    In a sample of items (件) a defect recorded with a page but no item number counts against
    the item whose page range holds that page — a sampled one first, else any item holding it
    (that item was looked at, so it joins the inspected units, as a defect named by its item
    does). A page no item holds (a cover, a page outside the catalogue's ranges) is one inspected
    unit of its own, the page. A defect with neither page nor item counts against its volume
    as one unit."""
    rows = session.execute(select(Defect.volume_id, Defect.page_no, Defect.data).where(
        Defect.inspection_id == inspection_id, Defect.severity == "error",
        Defect.cause != "original")).all()
    inspection = session.get(QCInspection, inspection_id)
    sample = inspection.sample if inspection and inspection.sample else []
    kind = sample[0]["unit"] if sample else "volume"
    sampled = {(int(u["volume_id"]), int(u["key"])) for u in sample if u["unit"] == "item"}
    units: set[Unit] = set()
    for volume_id, page_no, data in rows:
        if kind == "item" and (data or {}).get("item_seq"):
            units.add((volume_id, "item", int(data["item_seq"])))
        elif kind == "item" and page_no is not None:
            seq = _item_of_page(session, volume_id, page_no, sampled)
            units.add((volume_id, "item", seq) if seq is not None
                      else (volume_id, "page", page_no))
        elif kind == "page" and page_no is not None:
            units.add((volume_id, "page", page_no))
        else:
            units.add((volume_id, "volume", 0) if kind == "volume" else (volume_id, kind, -1))
    return units


def _item_of_page(session: Session, volume_id: int, page_no: int,
                  sampled: set[tuple[int, int]]) -> int | None:
    """The item (its seq) whose page range holds ``page_no``: a sampled one first."""
    holding = [int(s) for s in session.scalars(select(Item.seq).where(
        Item.volume_id == volume_id, Item.page_start <= page_no, Item.page_end >= page_no)
        .order_by(Item.seq))]
    chosen = [s for s in holding if (volume_id, s) in sampled] or holding
    return chosen[0] if chosen else None


def _unit_dict(unit: Unit, codes: dict[int, str]) -> dict[str, Any]:
    return {"volume_id": unit[0], "archive_code": codes.get(unit[0], ""), "unit": unit[1],
            "key": unit[2]}
