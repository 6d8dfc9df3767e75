"""The audit trail: the history of any volume, and a replay of all events to the current state.

``replay`` rebuilds volume stages, work-batch stages, open claims and borrow-batch status
from the append-only events alone, and which sign-offs are their volume's first of the stage
(``StageEvent.first_signoff``); the property test checks it equals the stored rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowRegisterEntry, CatalogueKeying, Rework, StageEvent, Worker
from dangan.domain import workflow as wf
from dangan.i18n import join, t
from dangan.services import workflow_state as ws
from dangan.services.left_work import LEFT_WORK, LEFT_WORK_REASON, REDONE
from dangan.services.project import ProjectContext

# What a rebinder's accepted page shortfall (``rebind sign --accept-missing``) is called in a
# history: stored as a ``work_waived`` event of 装订, it is no stage signed without its work
# but the paper rebound although pages are missing, for the reason given.
MISSING_PAGES_ACCEPTED = "missing_pages_accepted"
# The same for a volume whose pages counted are not those registered (the client's list).
PAGES_DIFFER_ACCEPTED = "pages_differ_accepted"
# 一稿双录: a keying round of the volume's catalogue (``catalogue_keying``), shown among its
# events with its keyer: ``workflow.event.keying_1`` / ``keying_2`` / ``keying_resolved`` (the
# differences resolved by a third indexer) / ``keying_agreed`` (two keyings alike, accepted).
# Its line's id is the keying row's id negated: no event's id.
KEYING = "keying"
# A retouch record of a run in which pages failed (the storage, a lost worker, a damaged
# master): not an ordinary record — the volume is not done, the failed count in its remarks.
RETOUCH_RECORD_FAILED = "retouch_record_failed"
# A QC decision on one rework (复检, ``rework.verify_rework`` / ``reject_rework``): 复检通过 /
# 复检不通过, not a batch's verdict. A confirmed one's line says which rework (its reason) was
# confirmed, with the inspector's remark when one was given.
REWORK_DECISIONS = {"verified": "rework_verified", "rejected": "rework_rejected"}


@dataclass(frozen=True)
class HistoryLine:
    id: int
    at: datetime
    kind: str  # the stored event's kind
    stage: str
    scope: str  # volume / work_batch / borrow_batch
    person: str
    remarks: str
    data: dict[str, Any]
    corrects_id: int | None
    # what happened, in words: ``workflow.event.<what>`` — the kind, except where one kind
    # stands for two decisions (a rebinder's accepted shortfall: MISSING_PAGES_ACCEPTED)
    what: str = ""

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def what_happened(kind: str, stage: str, data: dict[str, Any]) -> str:
    """The catalogue suffix (``workflow.event.<it>``) naming what an event records."""
    if kind == wf.EVENT_WORK_WAIVED and stage == wf.REBIND and data.get("missing_pages"):
        return MISSING_PAGES_ACCEPTED
    if kind == wf.EVENT_WORK_WAIVED and stage == wf.REBIND and data.get("register_differs"):
        return PAGES_DIFFER_ACCEPTED
    if kind == wf.EVENT_RETOUCH_RECORD and data.get("failed"):
        return RETOUCH_RECORD_FAILED
    if kind == wf.EVENT_QC_DECISION and data.get("rework_id") is not None:
        return REWORK_DECISIONS.get(str(data.get("decision")), kind)
    return kind


def volume_history(ctx: ProjectContext, archive_code: str) -> list[HistoryLine]:
    """Everything that happened to a volume, its work batch and its borrow batch, in order."""
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        conds = [StageEvent.volume_id == volume.id]
        if volume.work_batch_id is not None:
            conds.append(and_(StageEvent.work_batch_id == volume.work_batch_id,
                              StageEvent.volume_id.is_(None)))
        # every borrow batch it was on: borrowed again for rework (再借), both loans
        borrowed = set(session.scalars(select(BorrowRegisterEntry.borrow_batch_id).where(
            BorrowRegisterEntry.volume_id == volume.id)))
        if volume.borrow_batch_id is not None:
            borrowed.add(volume.borrow_batch_id)
        if borrowed:
            conds.append(and_(StageEvent.borrow_batch_id.in_(sorted(borrowed)),
                              StageEvent.volume_id.is_(None),
                              StageEvent.work_batch_id.is_(None)))
        events = session.scalars(select(StageEvent).where(
            StageEvent.project_id == ctx.project_id, or_(*conds))
            .order_by(StageEvent.at, StageEvent.id)).all()
        confirmed = _confirmed_reworks(session, events)
        lines = [HistoryLine(e.id, e.at, e.kind, e.stage or "",
                             "volume" if e.volume_id else
                             "work_batch" if e.work_batch_id else "borrow_batch",
                             e.person, _said(e, confirmed.get(e.id, e.remarks)), e.data or {},
                             e.corrects_id, what_happened(e.kind, e.stage or "", e.data or {}))
                 for e in events]
        keyings = _keyings(session, volume.id)
    return sorted(lines + keyings, key=lambda h: h.at) if keyings else lines


def _said(event: StageEvent, remarks: str) -> str:
    """An event's remarks, with what its data says of work changing hands in words: the
    unsigned work a hand-back left and why (``left_work``, ``left_work_reason``), and whose
    work a sign-off redid (``redone``) — ``services.left_work``."""
    data = event.data or {}
    words = []
    if event.kind == wf.EVENT_RELEASE and data.get(LEFT_WORK_REASON):
        words.append(t("history.left_work", volumes=join(data.get(LEFT_WORK) or []),
                       reason=data[LEFT_WORK_REASON]))
    redone = data.get(REDONE)
    if event.kind == wf.EVENT_SIGNOFF and isinstance(redone, dict) and redone:
        names = dict.fromkeys(str(n) for who in redone.values() for n in who)
        words.append(t("history.redone", names=join(names), volumes=join(redone)))
    return t("i18n.clause_sep").join([remarks, *words] if remarks else words)


def _confirmed_reworks(session: Session, events: Sequence[StageEvent]) -> dict[int, str]:
    """Event id → the remarks of a 复检通过 line: the rework confirmed (its number and
    reason) and the inspector's remark, if any."""
    decided = {e.id: (int(e.data["rework_id"]), e.remarks) for e in events
               if what_happened(e.kind, e.stage or "", e.data or {}) == "rework_verified"}
    if not decided:
        return {}
    reasons = dict(session.execute(select(Rework.id, Rework.reason).where(
        Rework.id.in_({rid for rid, _r in decided.values()}))).all())
    return {eid: t("history.rework_verified_remarks" if remarks else "history.rework_verified",
                   id=rid, reason=reasons.get(rid) or "—", remarks=remarks)
            for eid, (rid, remarks) in decided.items()}


def _keyings(session: Session, volume_id: int) -> list[HistoryLine]:
    """The volume's keying rounds, each with its keyer (a typing made in a spreadsheet names
    its typist or resolver in its data) and, from round 2 on, its number of differences."""
    rows = session.scalars(select(CatalogueKeying).where(
        CatalogueKeying.volume_id == volume_id).order_by(CatalogueKeying.id)).all()
    if not rows:
        return []
    ids = {k.worker_id for k in rows if k.worker_id is not None}
    names = dict(session.execute(select(Worker.id, Worker.name).where(
        Worker.id.in_(ids))).all()) if ids else {}
    out = []
    for k in rows:
        data = k.data or {}
        n = len(k.differences or [])
        what = (f"keying_{k.round}" if k.round in (1, 2)
                else "keying_resolved" if n else "keying_agreed")
        person = names.get(k.worker_id) if k.worker_id is not None else None
        person = person or str(data.get("typist") or data.get("resolver") or "")
        out.append(HistoryLine(-k.id, k.created_at, KEYING, wf.INDEX, "volume", person,
                               t("history.keying_differences", count=n) if k.round > 1 else "",
                               {"round": k.round, "source": k.source}, None, what))
    return out


@dataclass
class ReplayedState:
    volume_stage: dict[int, str] = field(default_factory=dict)
    batch_stage: dict[int, str] = field(default_factory=dict)
    open_claims: dict[int, tuple[int, str, str, int]] = field(default_factory=dict)
    borrow_status: dict[int, str] = field(default_factory=dict)
    # the ids of the sign-offs that are their volume's first of the stage (what
    # ``StageEvent.first_signoff`` must mark)
    first_signoffs: set[int] = field(default_factory=set)


def replay(session: Session, project_id: int, graph: wf.StageGraph) -> ReplayedState:
    """Fold the event log into the state it implies."""
    state = ReplayedState()
    events = session.scalars(select(StageEvent).where(StageEvent.project_id == project_id)
                             .order_by(StageEvent.id)).all()
    signed: set[tuple[int, str | None]] = set()
    for e in events:
        data = e.data or {}
        if e.kind == wf.EVENT_SIGNOFF and e.volume_id is not None \
                and (e.volume_id, e.stage) not in signed:
            signed.add((e.volume_id, e.stage))
            state.first_signoffs.add(e.id)
        if e.kind == wf.EVENT_BORROW_LIST and e.volume_id is not None:
            state.volume_stage[e.volume_id] = wf.BORROW
            if e.borrow_batch_id is not None:
                state.borrow_status[e.borrow_batch_id] = wf.BORROW_PLANNED
        elif e.kind == wf.EVENT_BORROW_REMOVE and e.volume_id is not None:
            # taken off a pending borrow batch: back as before its listing
            if data.get("stage", wf.REGISTERED) == wf.REGISTERED:
                state.volume_stage.pop(e.volume_id, None)
            else:
                state.volume_stage[e.volume_id] = str(data["stage"])
        elif e.kind == wf.EVENT_BORROW_CANCEL and e.borrow_batch_id is not None:
            state.borrow_status[e.borrow_batch_id] = wf.BORROW_CANCELLED
        elif e.kind == wf.EVENT_BORROW_CONFIRM and e.borrow_batch_id is not None:
            state.borrow_status[e.borrow_batch_id] = wf.BORROW_OUT
        elif e.kind == wf.EVENT_RETURN_CONFIRM and e.borrow_batch_id is not None:
            state.borrow_status[e.borrow_batch_id] = wf.BORROW_RETURNED
        elif e.kind == wf.EVENT_SPLIT and e.work_batch_id is not None:
            state.batch_stage[e.work_batch_id] = e.stage or graph.first_work_stage
        elif e.kind == wf.EVENT_CLAIM:
            state.open_claims[int(data["claim_id"])] = (
                e.work_batch_id or 0, e.stage or "", wf.STAGE_ROLE[e.stage or ""], e.worker_id or 0)
        elif e.kind == wf.EVENT_RELEASE:
            state.open_claims.pop(int(data["claim_id"]), None)
        elif e.kind == wf.EVENT_SIGNOFF:
            if data.get("off_line"):
                continue
            nxt = wf.DONE if e.stage == wf.RETURN else graph.next(e.stage or "")
            if e.volume_id is not None:
                # borrowed again for rework (再借): the stage it went to, and its work batch's
                state.volume_stage[e.volume_id] = str(data.get("next") or nxt)
                if data.get("work_batch_stage") and e.work_batch_id is not None:
                    state.batch_stage[e.work_batch_id] = str(data["work_batch_stage"])
            elif e.work_batch_id is not None:
                state.batch_stage[e.work_batch_id] = nxt
                role = wf.STAGE_ROLE.get(e.stage or "")
                for cid, (bid, stage, r, _w) in list(state.open_claims.items()):
                    if bid == e.work_batch_id and r == role and stage == e.stage:
                        del state.open_claims[cid]
    return state
