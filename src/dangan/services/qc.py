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
from dangan.errors import ConflictError, InputError, StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.rework import open_rework_in_session, rework_unassigned_defects

# re-inspection of one rework (复检通过 / 复检不通过) lives with the rework it decides
from dangan.services.rework import reject_rework as reject_rework
from dangan.services.rework import verify_rework as verify_rework

Unit = tuple[int, str, int]  # (volume_id, "item"|"page"|"volume", item seq | page_no | 0)


# A defect of the original paper (cause ``original``, 原卷错误) is recorded with this status:
# not open work, so it opens no rework, fails no sample and blocks no rebinding or return.
ORIGINAL_STATUS = "noted"
# Stages whose work is done on the paper itself (整理, 扫描, 装订): a defect of one found on a
# volume already back in the archive room (验收 after the return) is recorded and its rework
# opened, but the rework can only be done once the volume is borrowed again.
PAPER_STAGES = frozenset({wf.BORROW, wf.SORT, wf.SCAN, wf.REBIND})
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

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class DefectResult:
    id: int
    archive_code: str
    code: str
    stage: str
    responsible: str
    inspection_id: int | None
    rework_id: int | None
    # recorded on a volume already returned to the archive room (验收): its rework of a stage
    # done on the paper (``needs_paper``) waits until the volume is borrowed again
    returned: bool = False
    needs_paper: bool = False

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
        claim = engine.require_claimant(session, batch, level, actor)
        voided, changed = None, []
        open_now = _open_inspection(session, batch.id)
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
                                len(reworks), voided, changed)
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


def record_defect(ctx: ProjectContext, actor: Actor, archive_code: str, code: str, *,
                  page_no: int | None = None, item_seq: int | None = None, message: str = "",
                  stage: str | None = None, severity: str = "error", cause: str = "worker",
                  box: tuple[int, int, int, int] | None = None) -> DefectResult:
    """Record an error on a page or item; it belongs to the stage (and person) it arose in.

    Only a QC inspector (holding the QC level's claim while the batch is at QC) or the
    project manager records one (``may_record``); the same kind on the same place while the
    first is still open is refused as a duplicate, and so is a stage nobody signed for the
    volume (no one to send it back to). Found by the inspector of an open inspection it joins
    that inspection (rework follows the verdict); otherwise it goes back as rework at once.

    A volume already returned to the archive room (验收, the client's acceptance) takes a
    defect too, from a QC inspector or the project manager — its batch is past QC, so no claim
    applies. Its rework opens at once to the worker responsible; one of a stage done on the
    paper (``PAPER_STAGES``) waits for the volume to be borrowed again (``needs_paper``).
    """
    graph = ws.graph_for(ctx.config)
    if stage is None and wf.defect_stage(code, graph) is None:
        raise InputError("qc.unknown_defect", code=code, choices=", ".join(wf.DEFECT_STAGE))
    if severity not in ("error", "warning"):
        raise InputError("qc.bad_severity", severity=severity)
    if cause not in ("worker", "original"):
        raise InputError("qc.bad_cause", cause=cause)
    if box is not None and (len(box) != 4 or min(box) < 0 or box[2] < 1 or box[3] < 1):
        raise InputError("qc.bad_box", box=",".join(str(v) for v in box))
    origin = stage or wf.defect_stage(code, graph)
    if origin is None or origin not in graph:
        raise InputError("qc.defect_stage_unknown", code=code, stage=origin or "")
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        if volume.work_batch_id is None:
            raise StateError("qc.volume_not_on_line", code=archive_code)
        returned = volume.stage == wf.DONE
        if page_no is not None:
            _check_page(session, volume, page_no)
        item_id = None
        if item_seq is not None:
            item_id = session.scalar(select(Item.id).where(Item.volume_id == volume.id,
                                                           Item.seq == item_seq))
            if item_id is None:
                raise InputError("qc.item_not_found", code=archive_code, seq=item_seq)
        may_record(session, actor, volume)
        _refuse_duplicate(session, volume, page_no, item_id, code, severity, cause)
        responsible = ws.responsible_for(session, volume, origin)
        if responsible is None and cause != "original":
            # nobody signed that stage for this volume: nobody to send the rework to or charge
            raise StateError("qc.defect_stage_not_signed", code=archive_code,
                             stage=t(f"stage.{origin}"), defect=code)
        inspection = _open_inspection(session, volume.work_batch_id)
        holder = ws.open_claim(session, volume.work_batch_id, wf.QC_INSPECTOR)
        in_qc = (inspection is not None and holder is not None
                 and holder.worker_id == actor.worker_id)
        defect = Defect(project_id=ctx.project_id, volume_id=volume.id,
                        work_batch_id=volume.work_batch_id, page_no=page_no, item_id=item_id,
                        code=code, severity=severity, source="qc" if in_qc else "line",
                        stage=origin, responsible_id=responsible,
                        found_by_id=actor.worker_id,
                        inspection_id=inspection.id if in_qc and inspection else None,
                        message=message, cause=cause,
                        # 原卷错误: the paper's own fault is recorded, never reworked or charged
                        status=ORIGINAL_STATUS if cause == "original" else "open",
                        data={"item_seq": item_seq, "params": _defect_params(
                            archive_code, page_no, item_seq, message),
                              **({"box": [int(v) for v in box]} if box else {})})
        session.add(defect)
        session.flush()
        ws.add_event(session, ctx.project_id, wf.EVENT_DEFECT, actor.name, stage=origin,
                     worker_id=actor.worker_id, volume_id=volume.id, work_batch_id=volume.work_batch_id,
                     remarks=message, data={"defect_id": defect.id, "code": code,
                                            "page_no": page_no, "item_seq": item_seq})
        rework_id = None
        if not in_qc and severity == "error" and cause != "original":
            rework_id = open_rework_in_session(session, ctx.project_id, defect, actor.name,
                                              graph=graph).id
        return DefectResult(defect.id, archive_code, code, origin,
                            ws.worker_name(session, defect.responsible_id),
                            defect.inspection_id, rework_id, returned,
                            returned and rework_id is not None and origin in PAPER_STAGES)


def may_record(session: Session, actor: Actor, volume: Volume) -> None:
    """Who may record a defect: the project manager, or a QC inspector — who, while the
    volume's batch is at a QC level, must hold that level's claim of the batch (the engine's
    ``require_claimant``, as for the sample, the verdict and re-inspection). Past QC (at
    rebinding, or the volume returned: 验收) no QC claim applies: any QC inspector records."""
    if wf.PROJECT_MANAGER in actor.roles:
        return
    if wf.QC_INSPECTOR not in actor.roles:
        held = "/".join(t(f"role.{r}") for r in sorted(actor.roles)) or "-"
        raise StateError("qc.record_not_inspector", name=actor.name, roles=held,
                         role=t(f"role.{wf.QC_INSPECTOR}"),
                         manager=t(f"role.{wf.PROJECT_MANAGER}"))
    batch = session.get(WorkBatch, volume.work_batch_id) if volume.work_batch_id else None
    if batch is not None and batch.stage in wf.QC_LEVELS:
        engine.require_claimant(session, batch, batch.stage, actor)


# a defect still being dealt with: its rework open, or done and awaiting re-inspection
STILL_OPEN = ("open", "fixed")


def _refuse_duplicate(session: Session, volume: Volume, page_no: int | None,
                      item_id: int | None, code: str, severity: str, cause: str) -> None:
    """The same kind of defect on the same page (item, or volume) while the first is still
    open is the same finding: recorded twice it would be reworked and charged twice."""
    if cause == "original":
        return
    first = session.scalar(select(Defect).where(
        Defect.volume_id == volume.id, Defect.code == code, Defect.severity == severity,
        Defect.cause != "original", Defect.status.in_(STILL_OPEN),
        Defect.page_no.is_(None) if page_no is None else Defect.page_no == page_no,
        Defect.item_id.is_(None) if item_id is None else Defect.item_id == item_id)
        .order_by(Defect.id).limit(1))
    if first is not None:
        place = t("qc.sample_unit.page", key=page_no) if page_no is not None else \
            t("qc.sample_unit.item", key=(first.data or {}).get("item_seq")) \
            if item_id is not None else t("qc.sample_unit.volume")
        raise ConflictError("qc.defect_duplicate", id=first.id, code=volume.archive_code,
                            place=place, defect=code,
                            status=t(f"qc.defect_status.{first.status}"))


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
        inspection = _open_inspection(session, batch.id)
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
                          len(sample), outside, unit)


def inspected_words(sampled: int, outside: int, unit: str) -> str:
    """What a verdict inspected, in words: the units drawn, and apart those out of the sample
    counted because a defect was found on them ("抽检 5 件 + 样本外 1 件")."""
    word = t(f"qc.unit_word.{unit}")
    if outside:
        return t("qc.inspected_with_outside", sampled=sampled, outside=outside, unit=word)
    return t("qc.inspected_units", sampled=sampled, unit=word)


def _defect_params(archive_code: str, page_no: int | None, item_seq: int | None,
                   message: str) -> dict[str, Any]:
    """What the defect's text is rendered from when read (``defect.<code>``)."""
    return {"path": "", "volume": archive_code, "page": "" if page_no is None else page_no,
            "item": "" if item_seq is None else item_seq, "note": message}


def _refuse_stale_packages(ctx: ProjectContext, session: Session, batch: WorkBatch) -> None:
    """A pass never accepts a volume whose delivery package is older than its retouched
    pages (``readiness.stale_packages``): the verdict is refused, nothing recorded."""
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


def _open_inspection(session: Session, batch_id: int) -> QCInspection | None:
    return session.scalar(select(QCInspection).where(QCInspection.work_batch_id == batch_id,
                                                     QCInspection.decision.is_(None)))


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


def _check_page(session: Session, volume: Volume, page_no: int) -> None:
    """A defect's page must be one of the volume's pages: those ingested, or numbered by the
    sorter (a missing page is one numbered but not scanned); unknown when neither is there."""
    from dangan.services.rebind import pages_numbered

    ingested = session.scalar(select(func.max(Page.page_no)).where(Page.volume_id == volume.id))
    pages = max(int(ingested or 0), volume.page_count or 0,
                pages_numbered(session, volume.id) or 0)
    if page_no < 1 or (pages and page_no > pages):
        raise InputError("qc.page_out_of_range", code=volume.archive_code, page=page_no,
                         pages=pages or "?")
