"""还卷上架: the paper goes back complete, in order, counted, with both sides signing.

Only when every volume of the batch is rebound and passed QC, no defect is open, every earlier
borrow batch is back (never skipping a batch; a re-borrow batch, 再借, neither waits for the
others nor holds them back), and the hand-over matches the register in count
and order. The shelving rule agreed with the archive room is recorded with the return.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowBatch, BorrowRegisterEntry, Rework, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.i18n import join, t
from dangan.services import actors, engine, reborrow
from dangan.services import workflow_state as ws
from dangan.services.borrow import BorrowBatchInfo, borrow_batch_info
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext


def return_problems(session: Session, project_id: int, graph: wf.StageGraph,
                    batch: BorrowBatch) -> list[str]:
    """Every reason the batch cannot go back yet (empty when it can)."""
    problems: list[str] = []
    if batch.status != wf.BORROW_OUT:
        return [t("return.not_out", no=batch.no, status=t(f"workflow.status.{batch.status}"))]
    if not reborrow.listings(session, batch.id):
        # first loans go back in order; a re-borrow batch (再借, one volume's paper rework)
        # neither waits for them nor holds them back
        earlier = session.execute(select(BorrowBatch.id, BorrowBatch.no).where(
            BorrowBatch.project_id == project_id, BorrowBatch.no < batch.no,
            BorrowBatch.status.not_in((wf.BORROW_RETURNED, wf.BORROW_CANCELLED)))
            .order_by(BorrowBatch.no)).all()
        for batch_id, no in earlier:
            if not reborrow.listings(session, batch_id):
                problems.append(t("return.earlier_not_returned", no=no))
    pairs = session.execute(
        select(BorrowRegisterEntry, Volume).join(Volume, Volume.id == BorrowRegisterEntry.volume_id)
        .where(BorrowRegisterEntry.borrow_batch_id == batch.id)
        .order_by(BorrowRegisterEntry.seq)).all()
    for _entry, volume in pairs:
        if volume.work_batch_id is None and graph.work_stages:
            problems.append(t("return.not_batched", code=volume.archive_code))
        elif volume.stage != wf.RETURN:
            problems.append(t("return.not_rebound", code=volume.archive_code,
                              stage=t(f"stage.{volume.stage}")))
    problems += _pages_differ_unexplained(session, [v for _e, v in pairs
                                                    if v.stage == wf.RETURN])
    ids = [v.id for _e, v in pairs]
    for defect in ws.blocking_defects(session, ids):
        code = next(v.archive_code for _e, v in pairs if v.id == defect.volume_id)
        problems.append(t("return.open_defect", code=code, defect=t(f"defect.{defect.code}")))
    open_rework = session.scalars(select(Rework.id).where(Rework.volume_id.in_(ids),
                                                          Rework.status == "open")).all()
    if open_rework:
        problems.append(t("return.open_rework", count=len(open_rework)))
    return problems


def _pages_differ_unexplained(session: Session, rebound: Sequence[Volume]) -> list[str]:
    """Volumes rebound though their pages differ (from the register, or fewer ingested than
    numbered) with no reason recorded — rebindings signed before the reason was required:
    the paper does not go back until the reason is recorded (``rebind sign --accept-missing``
    records it afterwards), so the client is never handed a difference nobody explained."""
    from dangan.services.rebind import page_checks

    batches = dict(session.execute(select(WorkBatch.id, WorkBatch.code).where(
        WorkBatch.id.in_({v.work_batch_id for v in rebound if v.work_batch_id}))).all())
    checks = page_checks(session, rebound)
    return [t("return.pages_differ_no_reason", code=v.archive_code, words=checks[v.id].words(),
              batch=batches.get(v.work_batch_id or 0, "-"))
            for v in rebound if checks[v.id].differs and not checks[v.id].reason]


def return_batch(ctx: ProjectContext, actor: Actor, no: int, archive_staff: str, *,
                 handed: Sequence[str] | None = None, counted: int | None = None,
                 shelving_rule: str | None = None, at: datetime | None = None,
                 remarks: str = "") -> BorrowBatchInfo:
    """Both sides present: count and order checked against the register, then both sign.

    The hand-over is recorded first (both sides' confirmations, order, shelving rule); the
    engine then signs the return for every volume and work batch."""
    graph = ws.graph_for(ctx.config)
    if not archive_staff.strip():
        raise InputError("borrow.archive_staff_required")
    at = at or ws.now()
    with ctx.transaction() as session:
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no, lock=True)
        engine.require_role(actor, wf.RETURN)
        problems = return_problems(session, ctx.project_id, graph, batch)
        if problems:
            raise StateError("return.not_ready", no=no, count=len(problems), details=problems)
        pairs = session.execute(
            select(BorrowRegisterEntry, Volume)
            .join(Volume, Volume.id == BorrowRegisterEntry.volume_id)
            .where(BorrowRegisterEntry.borrow_batch_id == batch.id)
            .order_by(BorrowRegisterEntry.seq)).all()
        register = [v.archive_code for _e, v in pairs]
        if counted is not None and counted != len(register):
            raise StateError("return.count_mismatch", no=no, counted=counted,
                             registered=len(register))
        if handed is not None:
            missing, extra = wf.missing_in_return(register, handed)
            if missing or extra:
                raise StateError("return.list_mismatch", no=no,
                                 details=[t("return.missing", codes=join(missing))] * bool(missing)
                                 + [t("return.extra", codes=join(extra))] * bool(extra))
            pos = wf.first_order_mismatch(register, list(handed))
            if pos is not None:
                raise StateError("return.order_mismatch", no=no, position=pos + 1,
                                 expected=register[pos], found=list(handed)[pos])
        rule = (shelving_rule or "").strip() or _previous_rule(session, ctx.project_id, batch.no)
        if not rule:
            raise InputError("return.shelving_rule_required")
        for entry, _volume in pairs:
            entry.returned_seq = entry.seq
            entry.returned_at = at
        batch.return_clerk_id = actor.worker_id
        batch.returned_at = at
        batch.return_archive_staff = actors.archive_side(session, ctx.project_id, archive_staff,
                                                         other_side=actor, no=no,
                                                         stage=wf.RETURN)
        batch.return_confirmed_at = at
        batch.shelving_rule = rule
        batch.status = wf.BORROW_RETURNED
        ws.add_event(session, ctx.project_id, wf.EVENT_RETURN_CONFIRM, actor.name,
                     stage=wf.RETURN, worker_id=actor.worker_id, borrow_batch_id=batch.id, at=at,
                     remarks=remarks, data={"side": "clerk", "count": len(register),
                                            "shelving_rule": rule})
        ws.add_event(session, ctx.project_id, wf.EVENT_RETURN_CONFIRM, batch.return_archive_staff,
                     stage=wf.RETURN, borrow_batch_id=batch.id, at=at,
                     data={"side": "archive", "count": len(register),
                           "shelving_rule": rule})
    engine.sign_borrow_batch(ctx, actor, no, wf.RETURN, remarks, at)
    return borrow_batch_info(ctx, no)


def check_return(ctx: ProjectContext, no: int) -> list[str]:
    """What still stands between this batch and its return (for the CLI and the web)."""
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no)
        return return_problems(session, ctx.project_id, graph, batch)


def _previous_rule(session: Session, project_id: int, no: int) -> str:
    return session.scalar(select(BorrowBatch.shelving_rule).where(
        BorrowBatch.project_id == project_id, BorrowBatch.no < no,
        BorrowBatch.shelving_rule.is_not(None)).order_by(BorrowBatch.no.desc()).limit(1)) or ""
