"""借卷: borrow batches and the borrow register (借卷详情登记表).

A borrow batch lists volumes with their exact shelf location; the borrow clerk and the
archive-room staff both confirm, with times; problems seen at borrowing are noted at once.
A volume back in the archive room is listed again only for an open rework that needs the
paper (再借, ``services.reborrow``), on a borrow batch of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowBatch, BorrowRegisterEntry, Rework, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.domain.borrow_notes import LaterNote, NotedRegisterRow
from dangan.domain.records import BorrowBatchInfo, RegisterRow, RemovedVolume
from dangan.errors import ConflictError, InputError, StateError
from dangan.i18n import join, t
from dangan.services import actors, engine, reborrow
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext

PLANNERS = frozenset({wf.BORROW_CLERK, wf.PROJECT_MANAGER})  # who lists and splits batches


def create_borrow_batch(ctx: ProjectContext, actor: Actor, archive_codes: Sequence[str] = (),
                        *, next_count: int | None = None, remarks: str = "") -> BorrowBatchInfo:
    """List volumes on a new borrow batch (planned until both sides confirm); the borrow
    clerk or the project manager lists them. Returned volumes borrowed again for rework
    (``_reborrows``) keep their work batch and status; their listing names the reworks."""
    engine.require_any_role(actor, PLANNERS)
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        if next_count is not None:
            volumes = list(session.scalars(
                select(Volume).where(Volume.project_id == ctx.project_id,
                                     Volume.stage == wf.REGISTERED,
                                     Volume.borrow_batch_id.is_(None))
                .order_by(Volume.list_row, Volume.id).limit(next_count)))
        else:
            volumes = [ws.volume_by_code(session, ctx.project_id, c) for c in archive_codes]
        if not volumes:
            raise InputError("borrow.no_volumes")
        # the rows locked and read again: of two clerks listing one volume at once, the second
        # waits for the first and then sees the volume on its borrow batch (PostgreSQL; SQLite
        # writers are serialised by BEGIN IMMEDIATE)
        session.scalars(select(Volume).where(Volume.id.in_({v.id for v in volumes}))
                        .order_by(Volume.id).with_for_update()
                        .execution_options(populate_existing=True)).all()
        again = _reborrows(session, volumes)
        no = (session.scalar(select(func.max(BorrowBatch.no)).where(
            BorrowBatch.project_id == ctx.project_id)) or 0) + 1
        batch = BorrowBatch(project_id=ctx.project_id, no=no, status=wf.BORROW_PLANNED,
                            remarks=remarks)
        session.add(batch)
        session.flush()
        for seq, v in enumerate(volumes, start=1):
            session.add(BorrowRegisterEntry(borrow_batch_id=batch.id, volume_id=v.id, seq=seq,
                                            location=v.location or "",
                                            pages_at_borrow=v.expected_pages))
            data: dict[str, object] = {"seq": seq}
            if v.id in again:  # 再借: its open reworks stay open; the volume keeps its status
                data |= reborrow.listing_data(again[v.id],
                                              reborrow.previous_borrow_no(session, v))
            else:
                v.status = wf.WAITING
            v.borrow_batch_id = batch.id
            v.stage = wf.BORROW
            ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_LIST, actor.name,
                         stage=wf.BORROW, worker_id=actor.worker_id, volume_id=v.id,
                         borrow_batch_id=batch.id, data=data)
        session.flush()
        assert wf.BORROW in graph
        return _info(session, batch, with_rows=False)


def _reborrows(session: Session, volumes: Sequence[Volume]) -> dict[int, list[Rework]]:
    """Check each volume may be listed; returns the re-borrowed ones (再借) with the open
    reworks that need their paper.

    A volume of the client's list not yet borrowed is listed as always. A volume back in the
    archive room is listed again only for an open rework of a stage done on the paper (a
    defect found at acceptance): else ``borrow.returned_no_paper_rework``. A re-borrow batch
    holds re-borrowed volumes only (``borrow.reborrow_mixed``): they keep their work batches,
    which a first borrowing's volumes are split into."""
    seen: set[int] = set()
    returned: list[Volume] = []
    for v in volumes:
        if v.id in seen:
            raise InputError("borrow.duplicate_volume", code=v.archive_code)
        seen.add(v.id)
        _refuse_open_borrow(session, v)
        if v.stage == wf.DONE and v.work_batch_id is not None:
            returned.append(v)
        elif v.borrow_batch_id is not None or v.stage != wf.REGISTERED:
            raise StateError("borrow.volume_not_available", code=v.archive_code,
                             stage=t(f"stage.{v.stage}"))
    if not returned:
        return {}
    found = reborrow.paper_reworks(session, [v.id for v in returned])
    for v in returned:
        if v.id not in found:
            raise StateError("borrow.returned_no_paper_rework", code=v.archive_code,
                             no=reborrow.previous_borrow_no(session, v) or "-",
                             stages=join(t(f"stage.{s}") for s in wf.ALL_STAGES
                                         if s in reborrow.paper_stages()))
    if len(returned) < len(volumes):
        first = [v.archive_code for v in volumes if v not in returned]
        raise InputError("borrow.reborrow_mixed", count=len(returned),
                         codes=join(v.archive_code for v in returned[:10]),
                         first=join(first[:10]))
    return found


def _refuse_open_borrow(session: Session, volume: Volume) -> None:
    """A volume already on a borrow batch not yet returned (listed or out) is never listed
    on a second one: the refusal names the volume and that borrow batch."""
    if volume.borrow_batch_id is None:
        return
    held = session.get(BorrowBatch, volume.borrow_batch_id)
    if held is not None and held.status != wf.BORROW_RETURNED:
        raise ConflictError("borrow.volume_on_open_borrow", code=volume.archive_code,
                            no=held.no, status=t(f"workflow.status.{held.status}"))


def confirm_borrow(ctx: ProjectContext, actor: Actor, no: int, archive_staff: str, *,
                   at: datetime | None = None, remarks: str = "") -> BorrowBatchInfo:
    """Both sides sign the register: the volumes leave the archive room now (责任转接).

    Recorded first (both sides' confirmations, with times); the engine then signs the
    borrow stage for every volume of the register."""
    if not archive_staff.strip():
        raise InputError("borrow.archive_staff_required")
    at = at or ws.now()
    engine.require_role(actor, wf.BORROW)
    with ctx.transaction() as session:
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no, lock=True)
        if batch.status != wf.BORROW_PLANNED:
            raise StateError("borrow.already_confirmed", no=no,
                             status=t(f"workflow.status.{batch.status}"))
        batch.borrow_clerk_id = actor.worker_id
        batch.borrowed_at = at
        batch.archive_staff = actors.archive_side(session, ctx.project_id, archive_staff,
                                                  other_side=actor, no=no, stage=wf.BORROW)
        batch.archive_confirmed_at = at
        batch.due_at = at + timedelta(days=ctx.config.workload.borrow_due_days)
        batch.status = wf.BORROW_OUT
        count = len(_volumes(session, batch.id))
        ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_CONFIRM, actor.name,
                     stage=wf.BORROW, worker_id=actor.worker_id, borrow_batch_id=batch.id,
                     remarks=remarks, data={"side": "clerk", "count": count}, at=at)
        ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_CONFIRM, batch.archive_staff,
                     stage=wf.BORROW, borrow_batch_id=batch.id,
                     data={"side": "archive", "count": count}, at=at)
    engine.sign_borrow_batch(ctx, actor, no, wf.BORROW, remarks, at)
    return borrow_batch_info(ctx, no)


def remove_from_borrow(ctx: ProjectContext, actor: Actor, no: int, archive_code: str,
                       reason: str, *, at: datetime | None = None) -> BorrowBatchInfo:
    """Take one volume off a borrow batch not yet confirmed (not found on the shelf…), for
    the reason given: the register no longer lists it (the others keep their order,
    numbered again), the volume is not borrowed again (a re-borrowed one back where it was)
    and may be listed on a later batch. The audit trail keeps its listing and the removal
    (``borrow_remove``, with the reason); the batch's page shows it. The last volume is not
    taken off: the batch is cancelled instead (``cancel_borrow_batch``)."""
    engine.require_any_role(actor, PLANNERS)
    if not reason.strip():
        raise InputError("borrow.remove_reason_required")
    at = at or ws.now()
    with ctx.transaction() as session:
        batch = _pending(session, ctx.project_id, no)
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        entries = list(session.scalars(select(BorrowRegisterEntry).where(
            BorrowRegisterEntry.borrow_batch_id == batch.id).order_by(BorrowRegisterEntry.seq)))
        entry = next((e for e in entries if e.volume_id == volume.id), None)
        if entry is None:
            raise StateError("borrow.not_in_batch", code=volume.archive_code, no=no)
        if len(entries) == 1:
            raise StateError("borrow.remove_last_volume", code=volume.archive_code, no=no)
        _unlist(session, ctx.project_id, actor, batch, entry, volume, reason.strip(), at)
        for seq, kept in enumerate((e for e in entries if e is not entry), start=1):
            if kept.seq != seq:  # one at a time, in order: (batch, seq) stays unique
                kept.seq = seq
                session.flush()
    return borrow_batch_info(ctx, no)


def cancel_borrow_batch(ctx: ProjectContext, actor: Actor, no: int, reason: str, *,
                        at: datetime | None = None) -> int:
    """Cancel a borrow batch not yet confirmed, for the reason given: every volume is taken
    off it as ``remove_from_borrow`` does and the batch is 已取消 (it never holds back a
    later batch's return). Returns how many volumes were taken off."""
    engine.require_any_role(actor, PLANNERS)
    if not reason.strip():
        raise InputError("borrow.cancel_reason_required")
    at = at or ws.now()
    with ctx.transaction() as session:
        batch = _pending(session, ctx.project_id, no)
        pairs = session.execute(
            select(BorrowRegisterEntry, Volume)
            .join(Volume, Volume.id == BorrowRegisterEntry.volume_id)
            .where(BorrowRegisterEntry.borrow_batch_id == batch.id)
            .order_by(BorrowRegisterEntry.seq)).all()
        for entry, volume in pairs:
            _unlist(session, ctx.project_id, actor, batch, entry, volume, reason.strip(), at,
                    cancel=True)
        batch.status = wf.BORROW_CANCELLED
        ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_CANCEL, actor.name,
                     stage=wf.BORROW, worker_id=actor.worker_id, borrow_batch_id=batch.id,
                     remarks=reason.strip(), data={"count": len(pairs)}, at=at)
        return len(pairs)


def _pending(session: Session, project_id: int, no: int) -> BorrowBatch:
    """Borrow batch ``no``, locked, refused unless listed and not yet confirmed."""
    batch = ws.borrow_batch_by_no(session, project_id, no, lock=True)
    if batch.status != wf.BORROW_PLANNED:
        raise StateError("borrow.not_pending", no=no,
                         status=t(f"workflow.status.{batch.status}"))
    return batch


def _unlist(session: Session, project_id: int, actor: Actor, batch: BorrowBatch,
            entry: BorrowRegisterEntry, volume: Volume, reason: str, at: datetime,
            cancel: bool = False) -> None:
    """One volume off a pending borrow batch: back as it was before the listing, the
    removal recorded (the register row goes; the listing event stays)."""
    session.scalars(select(Volume).where(Volume.id == volume.id).with_for_update()
                    .execution_options(populate_existing=True)).all()
    again = reborrow.listings(session, batch.id).get(volume.id)
    if again is not None:  # 再借: back with the borrow batch it was returned with
        previous = again.get("previous_borrow_no")
        volume.borrow_batch_id = session.scalar(select(BorrowBatch.id).where(
            BorrowBatch.project_id == project_id, BorrowBatch.no == previous)) \
            if previous is not None else None
        volume.stage = wf.DONE
    else:
        volume.borrow_batch_id = None
        volume.stage = wf.REGISTERED
        volume.status = wf.WAITING
    ws.add_event(session, project_id, wf.EVENT_BORROW_REMOVE, actor.name, stage=wf.BORROW,
                 worker_id=actor.worker_id, volume_id=volume.id, borrow_batch_id=batch.id,
                 remarks=reason, at=at, data={"seq": entry.seq, "stage": volume.stage,
                                              "cancel": cancel})
    session.delete(entry)
    session.flush()


def note_problem(ctx: ProjectContext, actor: Actor, no: int, archive_code: str,
                 problem: str) -> RegisterRow:
    """A problem with the paper seen at borrowing (damage, missing pages…), noted at once.

    Until both sides sign, the problem joins the register's 借出时情况. Once the register is
    signed (the volumes out, or back) that column is what the archive room co-signed and stays
    as it was: the problem is kept as a later note (后补记录) with its time and the person,
    printed in a column of its own."""
    if not problem.strip():
        raise InputError("borrow.problem_empty")
    with ctx.transaction() as session:
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no)
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        entry = session.scalar(select(BorrowRegisterEntry).where(
            BorrowRegisterEntry.borrow_batch_id == batch.id,
            BorrowRegisterEntry.volume_id == volume.id))
        if entry is None:
            raise StateError("borrow.not_in_batch", code=archive_code, no=no)
        later = batch.status != wf.BORROW_PLANNED
        if not later:
            entry.condition = (entry.condition + "；" if entry.condition else "") + problem.strip()
        ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_PROBLEM, actor.name,
                     stage=wf.BORROW, worker_id=actor.worker_id, volume_id=volume.id,
                     borrow_batch_id=batch.id, remarks=problem.strip(),
                     data={"later": later, "status": batch.status})
        session.flush()
        return _rows(session, batch, [(entry, volume)])[0]


def borrow_batch_info(ctx: ProjectContext, no: int) -> BorrowBatchInfo:
    with ctx.transaction() as session:
        return _info(session, ws.borrow_batch_by_no(session, ctx.project_id, no))


def list_borrow_batches(ctx: ProjectContext, overdue_only: bool = False) -> list[BorrowBatchInfo]:
    with ctx.transaction() as session:
        batches = session.scalars(select(BorrowBatch).where(
            BorrowBatch.project_id == ctx.project_id).order_by(BorrowBatch.no)).all()
        infos = [_info(session, b, with_rows=False) for b in batches]
    return [i for i in infos if i.overdue or not overdue_only]


def _volumes(session: Session, batch_id: int) -> list[Volume]:
    return list(session.scalars(
        select(Volume).join(BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id)
        .where(BorrowRegisterEntry.borrow_batch_id == batch_id)
        .order_by(BorrowRegisterEntry.seq)))


def _rows(session: Session, batch: BorrowBatch,
          pairs: Sequence[tuple[BorrowRegisterEntry, Volume]]) -> list[RegisterRow]:
    """Register rows: 借出时情况 as co-signed, the notes made after signing apart.

    A problem event says whether it came after signing (``later``); one recorded before that
    flag existed is later when it is dated after the archive room confirmed. Where a volume
    has problem events, 借出时情况 is those noted before signing (an older database appended
    later notes to the co-signed column; they are shown apart again). A volume borrowed again
    for rework (再借) says so first, naming the defects (``reborrow.register_note``)."""
    events = session.scalars(select(StageEvent).where(
        StageEvent.borrow_batch_id == batch.id, StageEvent.kind == wf.EVENT_BORROW_PROBLEM,
        StageEvent.volume_id.in_([v.id for _e, v in pairs]))
        .order_by(StageEvent.at, StageEvent.id)).all()
    signed = batch.archive_confirmed_at
    before: dict[int, list[str]] = {}
    after: dict[int, list[LaterNote]] = {}
    for ev in events:
        flag = (ev.data or {}).get("later")
        if flag is None:
            flag = signed is not None and _aware(ev.at) > _aware(signed)
        if flag:
            after.setdefault(ev.volume_id or 0, []).append(LaterNote(ev.at, ev.person, ev.remarks))
        else:
            before.setdefault(ev.volume_id or 0, []).append(ev.remarks)
    again = reborrow.listings(session, batch.id)
    rows: list[RegisterRow] = []
    for entry, volume in pairs:
        noted = volume.id in before or volume.id in after
        condition = "；".join(before.get(volume.id, [])) if noted else entry.condition
        if volume.id in again:  # 再借 for rework: said first, the defects named
            condition = "；".join(filter(None, (reborrow.register_note(session,
                                                                     again[volume.id]),
                                                condition)))
        rows.append(NotedRegisterRow(
            entry.seq, volume.archive_code, volume.title, entry.location, entry.pages_at_borrow,
            condition, volume.stage, entry.returned_seq, entry.returned_at,
            later_notes=tuple(after.get(volume.id, []))))
    return rows


def register_rows(session: Session, batch_id: int) -> list[RegisterRow]:
    batch = session.get(BorrowBatch, batch_id)
    assert batch is not None
    pairs = session.execute(
        select(BorrowRegisterEntry, Volume).join(Volume, Volume.id == BorrowRegisterEntry.volume_id)
        .where(BorrowRegisterEntry.borrow_batch_id == batch_id)
        .order_by(BorrowRegisterEntry.seq)).all()
    return _rows(session, batch, [(e, v) for e, v in pairs])


def _info(session: Session, batch: BorrowBatch, with_rows: bool = True) -> BorrowBatchInfo:
    count, pages = session.execute(
        select(func.count(BorrowRegisterEntry.id),
               func.coalesce(func.sum(BorrowRegisterEntry.pages_at_borrow), 0))
        .where(BorrowRegisterEntry.borrow_batch_id == batch.id)).one()
    due = batch.due_at
    overdue = bool(batch.status == wf.BORROW_OUT and due is not None
                   and _aware(due) < ws.now())
    return BorrowBatchInfo(
        no=batch.no, status=batch.status, volume_count=count, pages=int(pages or 0),
        clerk=ws.worker_name(session, batch.borrow_clerk_id),
        archive_staff=batch.archive_staff or "", borrowed_at=batch.borrowed_at,
        archive_confirmed_at=batch.archive_confirmed_at, due_at=due,
        return_clerk=ws.worker_name(session, batch.return_clerk_id),
        return_archive_staff=batch.return_archive_staff or "",
        returned_at=batch.returned_at, return_confirmed_at=batch.return_confirmed_at,
        shelving_rule=batch.shelving_rule or "", remarks=batch.remarks, overdue=overdue,
        rows=register_rows(session, batch.id) if with_rows else [],
        confirm_remarks=_clerk_remarks(session, batch, wf.EVENT_BORROW_CONFIRM)
        if with_rows else "",
        return_remarks=_clerk_remarks(session, batch, wf.EVENT_RETURN_CONFIRM)
        if with_rows else "",
        removed=_removed(session, batch) if with_rows else [],
    )


def _clerk_remarks(session: Session, batch: BorrowBatch, kind: str) -> str:
    """The remarks the clerk typed when confirming the borrowing / the return."""
    if batch.status == wf.BORROW_PLANNED or (kind == wf.EVENT_RETURN_CONFIRM
                                             and batch.status != wf.BORROW_RETURNED):
        return ""
    events = session.scalars(select(StageEvent).where(
        StageEvent.borrow_batch_id == batch.id, StageEvent.kind == kind)
        .order_by(StageEvent.id)).all()
    return next((e.remarks for e in events if (e.data or {}).get("side") == "clerk"), "")


def _removed(session: Session, batch: BorrowBatch) -> list[RemovedVolume]:
    """The volumes taken off the batch before it was confirmed (one by one, or all when it
    was cancelled), and its cancellation (a line with no archive code, ``cancel``)."""
    events = session.execute(select(StageEvent, Volume.archive_code, Volume.title)
                             .outerjoin(Volume, Volume.id == StageEvent.volume_id).where(
        StageEvent.borrow_batch_id == batch.id,
        StageEvent.kind.in_((wf.EVENT_BORROW_REMOVE, wf.EVENT_BORROW_CANCEL)))
        .order_by(StageEvent.id)).all()
    out: list[RemovedVolume] = []
    for ev, code, title in events:
        data = ev.data or {}
        if ev.kind == wf.EVENT_BORROW_CANCEL:
            out.append(RemovedVolume(0, "", "", ev.remarks, ev.person, ev.at, cancel=True))
        else:
            out.append(RemovedVolume(int(data.get("seq") or 0), code or "", title or "",
                                     ev.remarks, ev.person, ev.at,
                                     cancel=bool(data.get("cancel"))))
    return out


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything dangan writes is UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
