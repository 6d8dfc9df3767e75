"""Recorded work stays its maker's when a work batch changes hands (责任到人).

A stage's work on a volume is recorded under the person who did it (a sort record, a scan
record: ``domain.registry.STAGE_WORK_RECORDS``), but pay and later QC findings follow the
stage's sign-off. The sign-off stands on the volume's record in force — the newest one (a
later sort record corrects the earlier; the sort guard reads the newest) — so the rule is:
a volume's unsigned work is its newest record's maker's, and only they sign it.

- ``hand_back_data``: the holder may hand back a batch holding their own unsigned work only
  by saying why (the reason and the volumes go into the release event's data); otherwise
  the hand-back is refused, naming the volumes: sign them first (per volume), or give the
  reason (a blank one is refused as such).
- ``others_work``: a sign-off of volumes whose newest unsigned record was made by someone
  else is refused, naming the volumes and whose work it is: the holder hands the batch back
  so that person can claim it and sign, or redoes the work and records it. Once the signer's
  own record is the newest, the volume is theirs to sign; its sign-off row says whose earlier
  records it replaced (``redone``: volume -> their makers). ``--redone`` (saying "I redid
  it") adds nothing then, and without such a record it is refused, saying to record the
  work first (``workflow.redone_without_record``).

A volume's work is "unsigned" when recorded after the volume's last sign-off of that stage
(a volume sent back by rework is judged by its new records only). Stages without such a
record (retouch runs, catalogues typed twice, packaging, QC, rebinding) are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Claim, StageEvent, Volume, WorkBatch
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.actors import Actor

LEFT_WORK = "left_work"  # release data: the volumes whose unsigned work the holder left
LEFT_WORK_REASON = "left_work_reason"  # release data: why they handed back leaving it
REDONE = "redone"  # sign-off data: volume -> whose work the signer redid


def unsigned_records(session: Session, batch_id: int, stage: str,
                     volume_ids: Sequence[int]) -> dict[int, list[int]]:
    """volume id -> the makers of its ``stage`` records in this batch since the volume's last
    ``stage`` sign-off, oldest first: the last is the maker of the record in force (empty when
    the stage keeps no such record)."""
    kinds = registry.STAGE_WORK_RECORDS.get(stage)
    if not kinds or not volume_ids:
        return {}
    ids = list(volume_ids)
    signed: dict[int, int] = {
        volume_id: last for volume_id, last in session.execute(
            select(StageEvent.volume_id, func.max(StageEvent.id)).where(
                StageEvent.volume_id.in_(ids), StageEvent.kind == wf.EVENT_SIGNOFF,
                StageEvent.stage == stage).group_by(StageEvent.volume_id))
        if volume_id is not None}
    work: dict[int, list[int]] = {}
    for volume_id, event_id, worker_id in session.execute(
            select(StageEvent.volume_id, StageEvent.id, StageEvent.worker_id).where(
                StageEvent.volume_id.in_(ids), StageEvent.kind.in_(kinds),
                StageEvent.work_batch_id == batch_id)
            .order_by(StageEvent.at, StageEvent.id)):
        if volume_id is None or worker_id is None:
            continue
        if event_id > (signed.get(volume_id) or 0):
            work.setdefault(volume_id, []).append(worker_id)
    return work


def unsigned_work(session: Session, batch_id: int, stage: str,
                  volume_ids: Sequence[int]) -> dict[int, int]:
    """volume id -> whose its unsigned ``stage`` work is: the maker of its newest record."""
    return {v: makers[-1] for v, makers in
            unsigned_records(session, batch_id, stage, volume_ids).items()}


def hand_back_data(session: Session, batch: WorkBatch, held: Claim,
                   leave_work: str = "") -> dict[str, Any]:
    """What the release event records beyond the claim: nothing when the holder leaves no
    unsigned work of their own at the stage; with ``leave_work`` (a reason), the reason and
    the volumes. Without a reason (or with a blank one) such a hand-back is refused, naming
    the volumes."""
    at_stage = list(session.scalars(select(Volume).where(
        Volume.work_batch_id == batch.id, Volume.stage == held.stage).order_by(Volume.id)))
    work = unsigned_work(session, batch.id, held.stage, [v.id for v in at_stage])
    left = [v.archive_code for v in at_stage if work.get(v.id) == held.worker_id]
    if not left:
        return {}
    reason = leave_work.strip()
    if not reason:
        params = {"batch": batch.code, "stage": t(f"stage.{held.stage}"),
                  "name": ws.worker_name(session, held.worker_id), "count": len(left),
                  "first": left[0]}
        if leave_work:  # given, but only spaces
            raise InputError("workflow.leave_work_blank", details=left, **params)
        raise StateError("workflow.hand_back_unsigned_work", details=left, **params)
    return {LEFT_WORK: left, LEFT_WORK_REASON: reason}


def others_work(session: Session, batch: WorkBatch, volumes: Sequence[Volume], stage: str,
                actor: Actor, redone: bool = False) -> dict[int, dict[str, Any]]:
    """Before ``actor`` signs ``volumes`` at ``stage``: refused when a volume's newest
    unsigned record was made by another worker (``workflow.others_work``; with ``redone``,
    ``workflow.redone_without_record``: record the work first). Returns, by volume id, what
    its sign-off row adds to the data: ``redone`` (volume -> the makers of the earlier
    records the signer's newest one replaced) for a volume whose earlier records are
    others'."""
    work = unsigned_records(session, batch.id, stage, [v.id for v in volumes])
    theirs: dict[str, int] = {}
    replaced: dict[int, tuple[str, list[int]]] = {}
    for v in volumes:
        makers = work.get(v.id)
        if not makers:
            continue
        if makers[-1] != actor.worker_id:
            theirs[v.archive_code] = makers[-1]
            continue
        earlier = sorted({w for w in makers if w != actor.worker_id})
        if earlier:
            replaced[v.id] = (v.archive_code, earlier)
    names = {w: ws.worker_name(session, w)
             for w in {*theirs.values(), *(w for _c, ids in replaced.values() for w in ids)}}
    if theirs:
        lines = [t("workflow.others_work_line", code=code, names=names[w])
                 for code, w in theirs.items()]
        raise ConflictError("workflow.redone_without_record" if redone
                            else "workflow.others_work", batch=batch.code,
                            stage=t(f"stage.{stage}"), count=len(lines), first=lines[0],
                            record=t(f"workflow.record_work.{stage}"), details=lines)
    return {vid: {REDONE: {code: [names[w] for w in ids]}}
            for vid, (code, ids) in replaced.items()}
