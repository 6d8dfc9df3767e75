"""Recorded work stays its maker's when a work batch changes hands (责任到人).

A stage's work on a volume is recorded under the person who did it (a sort record, a scan
record: ``domain.registry.STAGE_WORK_RECORDS``), but pay and later QC findings follow the
stage's sign-off. So when the holder hands a batch back with such work not yet signed, the
next claimant's sign-off would take it. Two rules keep it with its maker:

- ``hand_back_data``: the holder may hand back a batch holding their own unsigned work only
  by saying why (the reason and the volumes go into the release event's data); otherwise
  the hand-back is refused, naming the volumes: sign them first (per volume), or give the
  reason.
- ``others_work``: a sign-off of volumes whose unsigned work at the stage was recorded by
  someone else is refused, naming the volumes and whose work it is, unless the signer says
  they redid it (recorded in the sign-off's data, ``redone``: volume → whose work it was).

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
from dangan.errors import ConflictError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.actors import Actor

LEFT_WORK = "left_work"  # release data: the volumes whose unsigned work the holder left
LEFT_WORK_REASON = "left_work_reason"  # release data: why they handed back leaving it
REDONE = "redone"  # sign-off data: volume -> whose work the signer redid


def unsigned_work(session: Session, batch_id: int, stage: str,
                  volume_ids: Sequence[int]) -> dict[int, set[int]]:
    """volume id -> the workers who recorded ``stage`` work on it in this batch since the
    volume's last ``stage`` sign-off (empty when the stage keeps no such record)."""
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
    work: dict[int, set[int]] = {}
    for volume_id, event_id, worker_id in session.execute(
            select(StageEvent.volume_id, StageEvent.id, StageEvent.worker_id).where(
                StageEvent.volume_id.in_(ids), StageEvent.kind.in_(kinds),
                StageEvent.work_batch_id == batch_id)):
        if volume_id is None or worker_id is None:
            continue
        if event_id > (signed.get(volume_id) or 0):
            work.setdefault(volume_id, set()).add(worker_id)
    return work


def hand_back_data(session: Session, batch: WorkBatch, held: Claim,
                   leave_work: str = "") -> dict[str, Any]:
    """What the release event records beyond the claim: nothing when the holder leaves no
    unsigned work of their own at the stage; with ``leave_work`` (a reason), the reason and
    the volumes. Without a reason such a hand-back is refused, naming the volumes."""
    at_stage = list(session.scalars(select(Volume).where(
        Volume.work_batch_id == batch.id, Volume.stage == held.stage).order_by(Volume.id)))
    work = unsigned_work(session, batch.id, held.stage, [v.id for v in at_stage])
    left = [v.archive_code for v in at_stage if held.worker_id in work.get(v.id, set())]
    if not left:
        return {}
    reason = leave_work.strip()
    if not reason:
        raise StateError("workflow.hand_back_unsigned_work", batch=batch.code,
                         stage=t(f"stage.{held.stage}"),
                         name=ws.worker_name(session, held.worker_id), count=len(left),
                         first=left[0], details=left)
    return {LEFT_WORK: left, LEFT_WORK_REASON: reason}


def others_work(session: Session, batch: WorkBatch, volumes: Sequence[Volume], stage: str,
                actor: Actor, redone: bool = False) -> dict[str, Any]:
    """Before ``actor`` signs ``volumes`` at ``stage``: refused when another worker recorded
    the volumes' unsigned work, unless ``redone`` (then returned as the sign-off's data:
    ``redone``, volume -> whose work it was). Nothing when the work is the signer's own."""
    work = unsigned_work(session, batch.id, stage, [v.id for v in volumes])
    theirs: dict[str, list[int]] = {}
    for v in volumes:
        others = sorted(w for w in work.get(v.id, set()) if w != actor.worker_id)
        if others:
            theirs[v.archive_code] = others
    if not theirs:
        return {}
    names = {w: ws.worker_name(session, w) for ids in theirs.values() for w in ids}
    by_code = {code: [names[w] for w in ids] for code, ids in theirs.items()}
    if not redone:
        lines = [t("workflow.others_work_line", code=code, names="、".join(who))
                 for code, who in by_code.items()]
        raise ConflictError("workflow.others_work", batch=batch.code,
                            stage=t(f"stage.{stage}"), count=len(lines), first=lines[0],
                            details=lines)
    return {REDONE: by_code}
