"""复检不通过: a re-inspection can reject a rework. The rework is closed as rejected with the
inspector and time, its defect stays open (charged once), and a new rework goes back to the
same stage and worker; the re-inspection needs a QC inspector other than the worker, the
reason, and — while the batch is at a QC level — that level's claim (in the service, so the
command line is held to it as the web desk is)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from dangan.db.models import Defect, Rework, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.reports import quality
from dangan.services import claims, qc, rework
from dangan.services.engine import resolve_actor
from faults.support import env_for
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_return


def _after_qc_rework(ctx) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A batch past QC (rebound); a blurred page found then, reworked by the scanner."""
    add_people(ctx)
    codes = add_volumes(ctx, 2)
    _no, made = borrow_and_split(ctx, 2)
    take_to_return(ctx, made[0])
    qc.record_defect(ctx, resolve_actor(ctx, "孙检"), codes[0], "blurred", page_no=2)
    (item,) = rework.list_rework(ctx)
    assert item.assignee == "张扫"
    rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), item.id, "重扫第2页")
    return codes[0], item.id


def test_a_rejected_rework_goes_back_to_the_same_stage_and_worker(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    code, first = _after_qc_rework(ctx)
    with pytest.raises(InputError) as err:  # the worker must read what is still wrong
        qc.reject_rework(ctx, resolve_actor(ctx, "周检"), first, "  ")
    assert err.value.key == "rework.reject_needs_reason"
    with pytest.raises(StateError) as err:  # a QC inspector decides, not the worker
        rework.reject_rework(ctx, resolve_actor(ctx, "张扫"), first, "仍模糊")
    assert err.value.key == "workflow.worker_lacks_role"
    again = qc.reject_rework(ctx, resolve_actor(ctx, "周检"), first, "第2页仍模糊")
    assert again.id != first and again.status == "open" and again.assignee == "张扫"
    assert again.stage == wf.SCAN and again.archive_code == code and again.page_no == 2
    with ctx.transaction() as session:
        old = session.get(Rework, first)
        new = session.get(Rework, again.id)
        assert old is not None and new is not None
        assert old.status == rework.REJECTED and old.verified_at is not None
        assert old.done_at is not None  # the first rework's sign-off stays on record
        assert new.defect_id == old.defect_id and "第2页仍模糊" in new.reason
        defect = session.get(Defect, old.defect_id)
        assert defect is not None and defect.status == "open" and defect.resolved_at is None
        volume = session.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None and volume.status == wf.IN_REWORK
        said = session.scalar(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_QC_DECISION, StageEvent.volume_id == volume.id)
            .order_by(StageEvent.id.desc()).limit(1))
        assert said is not None and said.person == "周检" and said.remarks == "第2页仍模糊"
        assert said.data["decision"] == "rejected" and said.data["rework_id"] == first
        opened = session.scalar(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_REWORK_OPEN).order_by(StageEvent.id.desc()).limit(1))
        assert opened is not None and opened.data["rejected_rework_id"] == first
        defects = session.scalar(select(Defect.id).where(Defect.id != old.defect_id))
        assert defects is None  # still one defect: charged once, not per rework round
    with pytest.raises(StateError) as err:  # decided once: no second verdict on it
        qc.verify_rework(ctx, resolve_actor(ctx, "周检"), first)
    assert err.value.key == "rework.not_done"
    report = quality.quality(ctx)
    assert report.rework == {"open": 1, "rejected": 1}
    # the second round: reworked again, then verified
    rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), again.id, "再次重扫")
    qc.verify_rework(ctx, resolve_actor(ctx, "周检"), again.id, "清晰")
    with ctx.transaction() as session:
        assert session.scalar(select(Defect.status)) == "verified"
    assert quality.quality(ctx).rework == {"rejected": 1, "verified": 1}


def test_reinspection_at_qc_needs_the_claim_in_the_service(any_project) -> None:  # type: ignore[no-untyped-def]
    """A batch failed at QC: its reworks are re-inspected only by the inspector holding the
    QC claim — for both outcomes, by any caller of the service."""
    ctx = any_project
    add_people(ctx)
    add_volumes(ctx, 2)
    _no, made = borrow_and_split(ctx, 2)
    from workflow.helpers import STAGE_PEOPLE, do_stage, volume_codes

    batch = made[0]
    for stage in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        do_stage(ctx, batch, stage, STAGE_PEOPLE[stage])
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    qc.draw_sample(ctx, inspector, batch, seed=800_101)
    qc.record_defect(ctx, inspector, volume_codes(ctx, batch)[0], "skew", page_no=1)
    assert not qc.decide(ctx, inspector, batch).passed
    (item,) = rework.list_rework(ctx)
    rework.complete_rework(ctx, resolve_actor(ctx, item.assignee), item.id)
    for call in (lambda: qc.verify_rework(ctx, inspector, item.id),
                 lambda: qc.reject_rework(ctx, inspector, item.id, "仍歪斜")):
        with pytest.raises(StateError) as err:
            call()
        assert err.value.key == "workflow.not_claimed"
    claims.claim(ctx, resolve_actor(ctx, "周检"), batch)
    with pytest.raises(ConflictError) as other:
        qc.reject_rework(ctx, inspector, item.id, "仍歪斜")
    assert other.value.key == "workflow.claimed_by_other"
    again = qc.reject_rework(ctx, resolve_actor(ctx, "周检"), item.id, "仍歪斜")
    assert again.assignee == item.assignee and again.stage == item.stage
    with ctx.transaction() as session:
        wb = session.scalar(select(WorkBatch).where(WorkBatch.code == batch))
        assert wb is not None and wb.status == wf.IN_REWORK and wb.stage == wf.QC


def test_cli_verify_reject(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    _code, first = _after_qc_rework(ctx)
    run = [sys.executable, "-m", "dangan", "qc", "verify", str(first), "-w", "周检",
           "-p", str(ctx.home), "--reject"]
    refused = subprocess.run(run, capture_output=True, text=True, env=env_for(ctx), timeout=300)
    assert refused.returncode != 0 and "须写明仍有的问题" in refused.stderr + refused.stdout
    done = subprocess.run([*run, "--remarks", "第2页仍模糊"], capture_output=True, text=True,
                          env=env_for(ctx), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "复检不通过" in done.stdout and "张扫" in done.stdout
    assert [r.status for r in rework.list_rework(ctx, status=None)] == ["rejected", "open"]
