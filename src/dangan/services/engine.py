"""The workflow engine: the one place that claims, checks and signs.

Every stage's work (sorting record, ingest, retouch, index import, packaging, QC verdict,
rebinding, return) does its work and records its results in its own transaction, then asks
the engine to sign. Only this module checks claim, role and stage, writes sign-off events and
moves a volume's or a batch's stage, so the audit trail always replays to the stored state.
A volume's sign-off is marked ``first_signoff`` when it is the volume's first of the stage
(``workflow_state.first_signoffs``): the unit of work the reports count.
A refused sign-off never takes recorded work with it: record → commit → sign.

The person is an ``Actor`` (``services.actors``): a registered, active worker resolved at the
edge (the CLI's ``--worker``, the web session), never a free-text name. The guards a stage
adds before its sign-off are declared in ``dangan.domain.registry.STAGE_GUARDS`` and
implemented once in ``services.guards`` (``GUARDS``), which refuses to load if a declared
guard has no implementation; the engine runs them inside its sign-off transaction. A
sign-off asked again is told apart by ``services.repeated_signoff``.

After every sign-off the tracking sheets (电子档案信息跟踪表) of the signed volumes are
rebuilt (``services.signed_sheets``), so each shows every stage's signature so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.orm import Session

from dangan.db.models import (
    BorrowBatch,
    Claim,
    StageEvent,
    Volume,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.errors import MAX_DETAILS, ConflictError, DanganError, StateError
from dangan.i18n import t
from dangan.services import reborrow
from dangan.services import workflow_state as ws
from dangan.services.actors import Actor as Actor
from dangan.services.actors import require_any_role as require_any_role
from dangan.services.actors import require_role as require_role
from dangan.services.actors import resolve_actor as resolve_actor
from dangan.services.actors import still_active
from dangan.services.claim_advice import not_held_advice
from dangan.services.guards import run_guards, waive_lacking
from dangan.services.left_work import hand_back_data, others_work
from dangan.services.project import ProjectContext
from dangan.services.repeated_signoff import refuse_repeated, volume_already_signed
from dangan.services.signed_sheets import (
    after_signoff,
    rebuild_signed,
    sheet_volumes,
    signed_sheets_left,
    with_sheet,
)

# --- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimInfo:
    id: int
    batch: str
    stage: str
    role: str
    worker: str
    claimed_at: datetime
    already_held: bool = False  # the actor held this claim before: nothing was recorded

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def open_claim(session: Session, batch_id: int, role: str) -> Claim | None:
    return ws.open_claim(session, batch_id, role)


def holds_claim(session: Session, batch: WorkBatch, stage: str, actor: Actor) -> bool:
    claim = open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    return claim is not None and claim.stage == stage and claim.worker_id == actor.worker_id


def require_claimant(session: Session, batch: WorkBatch, stage: str, actor: Actor) -> Claim:
    """The actor must hold the open claim of this batch for this stage (责任到人)."""
    claim = open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if claim is None or claim.stage != stage:
        raise StateError("workflow.not_claimed", code=batch.code, stage=t(f"stage.{stage}"))
    if claim.worker_id != actor.worker_id:
        raise ConflictError("workflow.claimed_by_other", code=batch.code,
                            stage=t(f"stage.{stage}"),
                            holder=ws.worker_name(session, claim.worker_id))
    return claim


def claim_in_session(session: Session, project_id: int, graph: wf.StageGraph,
                     batch: WorkBatch, stage: str, actor: Actor, at: datetime | None = None,
                     remarks: str = "") -> Claim:
    return _claim_in_session(session, project_id, graph, batch, stage, actor, at, remarks)[0]


def _claim_in_session(session: Session, project_id: int, graph: wf.StageGraph,
                      batch: WorkBatch, stage: str, actor: Actor, at: datetime | None = None,
                      remarks: str = "") -> tuple[Claim, bool]:
    """The claim and whether it is new (False: the actor already held it for ``stage``)."""
    if stage in wf.BORROW_BATCH_STAGES:
        raise StateError("workflow.not_a_work_stage", stage=t(f"stage.{stage}"))
    ws.refuse(graph.check_claim(batch.stage, stage))
    role = wf.STAGE_ROLE[stage]
    require_role(actor, stage)
    held = open_claim(session, batch.id, role)
    if held is not None and held.worker_id == actor.worker_id:
        if held.stage == stage:
            return held, False  # the actor's own claim: harmless, nothing recorded again
        raise ConflictError("workflow.already_yours_other_stage", code=batch.code,
                            role=t(f"role.{role}"), stage=t(f"stage.{held.stage}"))
    if held is not None:
        raise ConflictError("workflow.already_claimed", code=batch.code,
                            role=t(f"role.{role}"), holder=ws.worker_name(session, held.worker_id))
    if batch.status == wf.IN_REWORK:
        raise StateError("workflow.batch_in_rework", code=batch.code)
    if stage in wf.QC_LEVELS[1:]:
        # 二检/终检 by another inspector than the earlier levels of this batch
        earlier = set(session.scalars(select(StageEvent.worker_id).where(
            StageEvent.work_batch_id == batch.id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.volume_id.is_(None), StageEvent.stage.in_(wf.QC_LEVELS))))
        if actor.worker_id in earlier:
            raise StateError("workflow.same_inspector", name=actor.name, code=batch.code)
    claim = Claim(work_batch_id=batch.id, stage=stage, role=role, worker_id=actor.worker_id,
                  claimed_at=at or ws.now())
    session.add(claim)
    session.flush()  # the partial unique index decides a race here
    batch.status = wf.CLAIMED
    ws.add_event(session, project_id, wf.EVENT_CLAIM, actor.name, stage=stage,
                 worker_id=actor.worker_id, work_batch_id=batch.id, remarks=remarks,
                 data={"claim_id": claim.id}, at=at)
    return claim, True


def claim(ctx: ProjectContext, actor: Actor, batch_code: str, stage: str | None = None,
          remarks: str = "") -> ClaimInfo:
    """领取: the actor takes a work batch for its stage (or the given one). Claiming again a
    batch the actor already holds for that stage records nothing and says so
    (``ClaimInfo.already_held``); another person's claim is refused."""
    graph = ws.graph_for(ctx.config)
    try:
        with ctx.transaction() as session:
            still_active(session, actor)
            batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
            row, fresh = _claim_in_session(session, ctx.project_id, graph, batch,
                                           stage or batch.stage, actor, remarks=remarks)
            return ClaimInfo(row.id, batch.code, row.stage, row.role, actor.name,
                             row.claimed_at, already_held=not fresh)
    except ConflictError:
        raise
    except Exception as exc:
        if _is_unique_violation(exc):
            raise ConflictError("workflow.claim_race", code=batch_code) from None
        raise


def _is_unique_violation(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SAIntegrityError):
            return True
        seen = seen.__cause__
    return False


def release_in_session(session: Session, project_id: int, claim_row: Claim, reason: str,
                       person: str, at: datetime | None = None, remarks: str = "",
                       data: Mapping[str, Any] | None = None) -> None:
    """Close a claim (handed back, or QC sent the batch to rework); ``data``: more to record
    on the release event (work left unsigned by a hand-back, ``services.left_work``)."""
    claim_row.released_at = at or ws.now()
    claim_row.release_reason = reason
    ws.add_event(session, project_id, wf.EVENT_RELEASE, person, stage=claim_row.stage,
                 worker_id=claim_row.worker_id, work_batch_id=claim_row.work_batch_id,
                 remarks=remarks, data={"claim_id": claim_row.id, "reason": reason,
                                        **(data or {})}, at=at)


def hand_back(ctx: ProjectContext, actor: Actor, batch_code: str, remarks: str = "",
              leave_work: str = "") -> dict[str, Any]:
    """Give a claimed batch back (ill, moved to other work); the next person may claim it.
    Work the holder recorded and did not sign stays theirs: refused unless ``leave_work``
    gives the reason, recorded with the volumes (``services.left_work``). Returns what the
    release recorded of it (``left_work``, ``left_work_reason``; empty when none was left)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        if batch.stage not in wf.STAGE_ROLE:
            raise StateError("workflow.not_claimed", code=batch.code,
                             stage=t(f"stage.{batch.stage}"))
        held = require_claimant(session, batch, batch.stage, actor)
        left = hand_back_data(session, batch, held, leave_work)
        release_in_session(session, ctx.project_id, held, "handed_back", actor.name,
                           remarks=remarks, data=left)
        if batch.status == wf.CLAIMED:
            batch.status = wf.WAITING
        return left


# --- signing a work stage -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignoffResult:
    batch: str
    stage: str
    person: str
    at: datetime
    volumes: int
    batch_advanced: bool
    next_stage: str
    accepted_missing: tuple[str, ...] = ()  # rebound short of pages, by the binder's decision

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def _sign_volumes(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                  volumes: Sequence[Volume], stage: str, actor: Actor, remarks: str,
                  at: datetime, data: dict[str, Any] | None, all_at_stage: bool,
                  volume_remarks: Mapping[int, str] | None = None,
                  volume_data: Mapping[int, dict[str, Any]] | None = None) -> bool:
    """Sign ``volumes``: one row each, with ``data`` and the volume's own ``volume_data``
    (what concerns that volume alone, e.g. whose work it redid); the batch's row, once no
    volume is left at ``stage``, has ``data`` only."""
    for volume in volumes:
        if (stage in graph and (volume.stage in graph or volume.stage == wf.DONE)
                and graph.passed(volume.stage, stage)):
            volume_already_signed(session, volume, stage)
        ws.refuse(graph.check_signoff(volume.stage, stage))
        if volume.status == wf.IN_REWORK:
            raise StateError("workflow.volume_in_rework", code=volume.archive_code)
    run_guards(session, project_id, graph, batch, volumes, stage)
    following = graph.next(stage)
    if volumes:
        first = ws.first_signoffs(session, stage, [v.id for v in volumes])
        # one multi-row INSERT and one UPDATE, whatever the batch size
        session.execute(insert(StageEvent), [
            {"project_id": project_id, "kind": wf.EVENT_SIGNOFF, "stage": stage,
             "worker_id": actor.worker_id, "person": actor.name, "volume_id": v.id,
             "work_batch_id": batch.id,
             "remarks": (volume_remarks or {}).get(v.id, remarks) or "",
             "data": {**(data or {}), **(volume_data or {}).get(v.id, {})},
             "at": at, "first_signoff": True if v.id in first else None}
            for v in volumes])
        session.execute(update(Volume).where(Volume.id.in_([v.id for v in volumes]))
                        .values(stage=following, status=wf.WAITING, updated_at=at),
                        execution_options={"synchronize_session": False})
        for v in volumes:  # the UPDATE ran in SQL; the loaded objects are now stale
            session.expire(v, ["stage", "status", "updated_at"])
    return _advance_batch(session, project_id, graph, batch, stage, actor, remarks, at, data,
                          check_left=not all_at_stage)


def _advance_batch(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                   stage: str, actor: Actor, remarks: str, at: datetime,
                   data: dict[str, Any] | None, check_left: bool = True) -> bool:
    """The batch-level sign-off once no volume of the batch is left at ``stage``."""
    if batch.stage != stage:
        return False
    if check_left and session.scalar(select(func.count()).select_from(Volume).where(
            Volume.work_batch_id == batch.id, Volume.stage == stage)):
        return False
    ws.add_event(session, project_id, wf.EVENT_SIGNOFF, actor.name, stage=stage,
                 worker_id=actor.worker_id, work_batch_id=batch.id, remarks=remarks, at=at,
                 data=data)
    held = open_claim(session, batch.id, wf.STAGE_ROLE[stage])
    if held is not None and held.stage == stage:
        held.released_at = at
        held.release_reason = "signed_off"
    batch.stage = graph.next(stage)
    batch.status = wf.WAITING
    return True


def sign_in_session(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                    stage: str, actor: Actor, volumes: Sequence[Volume] | None = None,
                    remarks: str = "", at: datetime | None = None,
                    data: dict[str, Any] | None = None,
                    waive_reason: str = "",
                    volume_remarks: Mapping[int, str] | None = None,
                    redone: bool = False) -> tuple[bool, list[Volume]]:
    """Check claim, role and stage, run the stage's guards, sign and move the state.

    ``volumes``: the volumes to sign (all of the batch still at ``stage`` when None).
    ``volume_remarks``: a volume's own remarks (by volume id) instead of ``remarks``, which
    the batch's sign-off keeps.
    ``waive_reason``: sign volumes lacking the stage's recorded work, recording the decision
    (reason, person, time) for each of them; only for stages whose guards are waivable.
    ``redone``: the signer says they redid the unsigned work another worker recorded on the
    volumes. A volume is signed by the maker of its newest unsigned record only
    (``services.left_work.others_work``); its row records whose earlier records it replaced.
    Returns (batch advanced, volumes signed).
    """
    if stage not in graph:
        ws.refuse(graph.check_signoff(batch.stage, stage))
    still_active(session, actor)
    require_role(actor, stage)
    require_claimant(session, batch, stage, actor)
    at = at or ws.now()
    if volumes is None:
        todo = _settle_legacy(session, graph, list(session.scalars(select(Volume).where(
            Volume.work_batch_id == batch.id, Volume.stage == stage).order_by(Volume.id))),
            stage)
        if waive_reason:
            waive_lacking(session, project_id, graph, batch, todo, stage, actor.worker_id,
                          actor.name, waive_reason, at)
        if not todo and batch.stage == stage:
            run_guards(session, project_id, graph, batch, [], stage)
            return _advance_batch(session, project_id, graph, batch, stage, actor, remarks,
                                  at, data), []
        advanced = _sign_volumes(session, project_id, graph, batch, todo, stage, actor,
                                 remarks, at, data, all_at_stage=True,
                                 volume_remarks=volume_remarks,
                                 volume_data=others_work(session, batch, todo, stage, actor,
                                                         redone))
        return advanced, todo
    for v in volumes:
        if v.work_batch_id != batch.id:
            raise StateError("workflow.volume_not_in_batch", code=v.archive_code,
                             batch=batch.code)
    if waive_reason:
        waive_lacking(session, project_id, graph, batch, volumes, stage, actor.worker_id,
                      actor.name, waive_reason, at)
    advanced = _sign_volumes(session, project_id, graph, batch, volumes, stage, actor,
                             remarks, at, data, all_at_stage=False,
                             volume_remarks=volume_remarks,
                             volume_data=others_work(session, batch, volumes, stage, actor,
                                                     redone))
    return advanced, list(volumes)


def _settle_legacy(session: Session, graph: wf.StageGraph, at_stage: list[Volume],
                   stage: str) -> list[Volume]:
    """Projects made before the engine: ingest wrote its own scan sign-off and left the volume
    at the stage with status ``done``. Such a volume moves on as its event says (so the trail
    replays); the others are returned to be signed."""
    legacy = [v for v in at_stage if v.status == wf.FINISHED]
    if not legacy:
        return at_stage
    signed = set(session.scalars(select(StageEvent.volume_id).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage,
        StageEvent.volume_id.in_([v.id for v in legacy]))))
    for volume in legacy:
        if volume.id in signed:
            volume.stage = graph.next(stage)
            volume.status = wf.WAITING
    session.flush()
    return [v for v in at_stage if v.id not in signed]


def sign(ctx: ProjectContext, actor: Actor, batch_code: str, stage: str | None = None,
         remarks: str = "", archive_codes: Sequence[str] = (), at: datetime | None = None,
         data: dict[str, Any] | None = None, waive_reason: str = "",
         redone: bool = False) -> SignoffResult:
    """签字: sign ``stage`` for the whole batch, or for the listed volumes of it.
    ``redone``: the signer says they redid work another worker recorded and left unsigned
    (``services.left_work.others_work``)."""
    graph = ws.graph_for(ctx.config)
    at = at or ws.now()
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        wanted = stage or batch.stage
        if not archive_codes:
            refuse_repeated(session, graph, batch, wanted, actor, explicit=bool(stage))
        volumes = ([ws.volume_by_code(session, ctx.project_id, c) for c in archive_codes]
                   if archive_codes else None)
        advanced, signed = sign_in_session(session, ctx.project_id, graph, batch, wanted, actor,
                                           volumes, remarks, at, data, waive_reason,
                                           redone=redone)
        sheets = sheet_volumes(signed)
        result = SignoffResult(batch.code, wanted, actor.name, at, len(signed), advanced,
                               graph.next(wanted))
    rebuild_signed(ctx, wanted, actor, sheets)  # committed: a failure says it is recorded
    return result


@dataclass(frozen=True)
class SignOutcome:
    """What a stage's work asked the engine to sign: who was signed, who was left and why."""

    signed: tuple[str, ...] = ()
    unsigned: tuple[tuple[str, str, dict[str, Any]], ...] = ()  # (archive code, key, params)

    def messages(self) -> list[str]:
        return [t(key, **params) for _code, key, params in self.unsigned]


def sign_recorded(ctx: ProjectContext, actor: Actor, archive_codes: Sequence[str], stage: str,
                  remarks: str = "", data: dict[str, Any] | None = None,
                  volume_remarks: Mapping[str, str] | None = None) -> SignOutcome:
    """After a stage's work was recorded: sign the volumes whose batch the actor holds for
    ``stage``. Nothing recorded is undone when a volume cannot be signed; the reason comes
    back (a code and its parameters) so the edge can say what to do next.
    ``volume_remarks``: a volume's own remarks (by archive code) for its sign-off, e.g. the
    figures of its own work; ``remarks`` is used for the others and the batch sign-off.

    The tracking sheets are rebuilt once every batch is signed. A failure there (the storage
    gone) is raised — it stops the caller — after the sign-offs are committed: its details
    say which volumes are signed, and why the others are not."""
    graph = ws.graph_for(ctx.config)
    signed: list[str] = []
    unsigned: list[tuple[str, str, dict[str, Any]]] = []
    by_batch: dict[int, list[str]] = {}
    sheets: list[int] = []
    with ctx.transaction() as session:
        for code in archive_codes:
            volume = ws.volume_by_code(session, ctx.project_id, code)
            if volume.stage != stage or volume.work_batch_id is None:
                unsigned.append((code, "workflow.volume_wrong_stage",
                                 {"code": code, "stage": t(f"stage.{stage}"),
                                  "current": t(f"stage.{volume.stage}")}))
            else:
                by_batch.setdefault(volume.work_batch_id, []).append(code)
    for batch_id, codes in by_batch.items():
        try:
            with ctx.transaction() as session:
                batch = session.get(WorkBatch, batch_id, with_for_update=True)
                assert batch is not None
                if not holds_claim(session, batch, stage, actor):
                    # A batch still at an earlier stage (a volume of it not done there yet)
                    # cannot be claimed: say that, not "claim it".
                    # Never advise a claim that would be refused: name the holder, or who may.
                    for code in codes:
                        unsigned.append((code, *not_held_advice(
                            session, ctx.project_id, batch, stage, actor, code)))
                    continue
                volumes = [ws.volume_by_code(session, ctx.project_id, c) for c in codes]
                own = {v.id: volume_remarks[v.archive_code] for v in volumes
                       if volume_remarks and v.archive_code in volume_remarks}
                sign_in_session(session, ctx.project_id, graph, batch, stage, actor, volumes,
                                remarks, data=data, volume_remarks=own)
                ids = with_sheet(volumes)
        except DanganError as exc:
            unsigned.extend((c, exc.key, dict(exc.params)) for c in codes)
            continue
        signed.extend(codes)  # committed: signed, whatever becomes of its sheets
        sheets.extend(ids)
    outcome = SignOutcome(tuple(signed), tuple(unsigned))
    try:
        after_signoff(ctx, sheets)
    except DanganError as exc:  # not "unsigned": the sign-offs stay, the sheets wait
        said = [signed_sheets_left(stage, actor, signed), *outcome.messages()]
        exc.details[:0] = said[:MAX_DETAILS]
        raise
    return outcome


# --- signing a borrow-batch stage (借卷 / 还卷) ---------------------------------------------------

def sign_borrow_batch(ctx: ProjectContext, actor: Actor, no: int, stage: str,
                      remarks: str = "", at: datetime | None = None) -> int:
    """Sign borrow or return for every volume of a borrow batch whose record is complete
    (both sides confirmed); returns the number of volumes signed. A volume borrowed again
    for rework (再借) goes to 装订 with its work batch (``_reborrow_out``), its sign-off's
    remarks naming the defects; at its return the work batch is closed again
    (``_reborrow_back``)."""
    if stage not in wf.BORROW_BATCH_STAGES:
        raise StateError("workflow.not_a_borrow_stage", stage=t(f"stage.{stage}"))
    graph = ws.graph_for(ctx.config)
    at = at or ws.now()
    with ctx.transaction() as session:
        still_active(session, actor)
        require_role(actor, stage)
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no, lock=True)
        wanted = wf.BORROW_OUT if stage == wf.BORROW else wf.BORROW_RETURNED
        if batch.status != wanted:
            raise StateError("workflow.borrow_not_recorded", no=no, stage=t(f"stage.{stage}"))
        volumes = _register_volumes(session, batch)
        for v in volumes:
            ws.refuse(graph.check_signoff(v.stage, stage))
        again = reborrow.reborrowed(session, batch.id, volumes)
        listed = reborrow.listings(session, batch.id) if again and stage == wf.BORROW else {}
        following = wf.DONE if stage == wf.RETURN else graph.next(stage)
        first = ws.first_signoffs(session, stage, [v.id for v in volumes])
        for v in volumes:
            data: dict[str, Any] = {}
            own = remarks
            if v.id in again and stage == wf.BORROW:
                data = _reborrow_out(graph, again[v.id])
                own = "；".join(filter(None, (reborrow.register_note(
                    session, listed.get(v.id, {})), remarks)))
            ws.add_event(session, ctx.project_id, wf.EVENT_SIGNOFF, actor.name, stage=stage,
                         worker_id=actor.worker_id, volume_id=v.id,
                         work_batch_id=v.work_batch_id, borrow_batch_id=batch.id, at=at,
                         remarks=own, data=data, first_signoff=v.id in first)
            if data:  # 再借: the open rework keeps the volume in rework
                v.stage = data["next"]
                v.status = wf.IN_REWORK if v.status == wf.IN_REWORK else wf.WAITING
                continue
            v.stage = following
            v.status = wf.FINISHED if stage == wf.RETURN else wf.WAITING
        if stage == wf.RETURN:
            closed = list(session.scalars(select(WorkBatch).where(
                WorkBatch.borrow_batch_id == batch.id)))
            session.flush()
            closed += _reborrow_back(session, again)
            for wb in closed:
                ws.add_event(session, ctx.project_id, wf.EVENT_SIGNOFF, actor.name,
                             stage=wf.RETURN, worker_id=actor.worker_id, work_batch_id=wb.id,
                             borrow_batch_id=batch.id, at=at, remarks=remarks)
                wb.stage = wf.DONE
                wb.status = (wf.IN_REWORK if ws.open_rework_count(session, wb.id)
                             else wf.FINISHED)
        sheets = sheet_volumes(volumes)
    rebuild_signed(ctx, stage, actor, sheets)  # committed: a failure says it is recorded
    return len(sheets)


def _reborrow_out(graph: wf.StageGraph, work_batch: WorkBatch) -> dict[str, Any]:
    """A volume borrowed again for rework (再借) goes out to be rebound after its rework (to
    the return when the line has no rebinding), and its work batch back to 装订 with it (the
    binder claims it there). Recorded on the borrow sign-off's data, so the trail replays:
    ``next`` (the volume's stage), ``work_batch_stage`` (when the work batch moved)."""
    following = wf.REBIND if wf.REBIND in graph else wf.RETURN
    data: dict[str, Any] = {reborrow.FLAG: True, "next": following}
    if following == wf.REBIND and work_batch.stage != wf.REBIND:
        work_batch.stage = wf.REBIND
        if work_batch.status != wf.IN_REWORK:
            work_batch.status = wf.WAITING
        data["work_batch_stage"] = wf.REBIND
    return data


def _reborrow_back(session: Session, again: Mapping[int, WorkBatch]) -> list[WorkBatch]:
    """At the return of a re-borrow batch: the work batches of its volumes that were rebound
    (at 还卷) and hold no volume still out — each is closed again with the return."""
    closed: list[WorkBatch] = []
    for wb in {wb.id: wb for wb in again.values()}.values():
        out = session.scalar(select(func.count()).select_from(Volume).where(
            Volume.work_batch_id == wb.id, Volume.stage != wf.DONE))
        if wb.stage == wf.RETURN and not out:
            closed.append(wb)
    return closed


def _register_volumes(session: Session, batch: BorrowBatch) -> list[Volume]:
    from dangan.db.models import BorrowRegisterEntry

    return list(session.scalars(
        select(Volume).join(BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id)
        .where(BorrowRegisterEntry.borrow_batch_id == batch.id)
        .order_by(BorrowRegisterEntry.seq)))
