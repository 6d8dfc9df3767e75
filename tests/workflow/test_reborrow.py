"""再借: a defect the client's acceptance finds after the return, whose rework needs the paper,
has the volume borrowed again — on a borrow batch of its own, the register naming the
defects — reworked, re-inspected, rebound through the engine and returned with a new return
list; the tracking sheet and the audit trail hold the second loan. A returned volume without
such a rework is refused, and so is a paper rework signed off while the paper is away."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import BorrowBatch, Claim, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.export.return_list import write_return_list
from dangan.export.tracking_sheet import sheet_data
from dangan.i18n import t
from dangan.services import batches, borrow, claims, qc, rebind, returns
from dangan.services.delivery.readiness import check_ready
from dangan.services.engine import resolve_actor
from dangan.services.history import replay, volume_history
from dangan.services.project import ProjectContext
from dangan.services.rework import complete_rework
from faults.support import env_for
from workflow.helpers import (
    WITHOUT_WORK,
    add_people,
    add_volumes,
    borrow_and_split,
    take_to_return,
    volume_and_batch_state,
)


def _returned(ctx: ProjectContext) -> tuple[str, str, str]:
    """Two volumes through the line and back in the archive room (borrow batch 1), and a third
    never borrowed; (the trial volume, the other, the third)."""
    first, second = add_volumes(ctx, 2)  # two: the trial rebinding takes the first
    (third,) = add_volumes(ctx, 1, start=3)
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    take_to_return(ctx, batch)
    returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                         shelving_rule="从左至右")
    return first, second, third


def _work_batch(ctx: ProjectContext, code: str) -> str:
    with ctx.transaction() as session:
        return session.scalar(select(WorkBatch.code).join(
            Volume, Volume.work_batch_id == WorkBatch.id).where(Volume.archive_code == code)) or ""


def _replays(ctx: ProjectContext) -> None:
    """The append-only trail folds back to the stored state (as the state machine checks)."""
    with ctx.transaction() as s:
        state = replay(s, ctx.project_id, wf.StageGraph.build(ctx.config.workflow.stages,
                                                              ctx.config.qc.rounds))
        assert state.volume_stage == {v.id: v.stage for v in s.scalars(select(Volume))
                                      if v.stage != wf.REGISTERED}
        assert state.batch_stage == {b.id: b.stage for b in s.scalars(select(WorkBatch))}
        assert state.open_claims == {
            c.id: (c.work_batch_id, c.stage, c.role, c.worker_id)
            for c in s.scalars(select(Claim).where(Claim.released_at.is_(None)))}
        assert state.borrow_status == {b.id: b.status for b in s.scalars(select(BorrowBatch))}
        assert state.first_signoffs == set(s.scalars(select(StageEvent.id).where(
            StageEvent.first_signoff.is_(True))))


def test_a_returned_volume_is_borrowed_again_for_a_paper_rework(
        any_project: ProjectContext, tmp_path: Path) -> None:
    ctx = any_project
    code, other, fresh = _returned(ctx)
    clerk, inspector = resolve_actor(ctx, "王借"), resolve_actor(ctx, "孙检")
    blurred = qc.record_defect(ctx, inspector, code, "blurred", page_no=4)  # scan: the paper
    skew = qc.record_defect(ctx, inspector, code, "skew", page_no=3)  # retouch: no paper
    assert blurred.needs_paper and not skew.needs_paper
    assert blurred.rework_id is not None and skew.rework_id is not None
    # the scan rework waits for the paper: not signed off while the volume is in the archive
    with pytest.raises(StateError) as waiting:
        complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id)
    assert waiting.value.key == "rework.needs_paper_out"
    assert f"dangan borrow create --code {code}" in waiting.value.message
    # a re-borrow is a borrow batch of its own
    with pytest.raises(InputError) as mixed:
        borrow.create_borrow_batch(ctx, clerk, [code, fresh])
    assert mixed.value.key == "borrow.reborrow_mixed"
    info = borrow.create_borrow_batch(ctx, clerk, [code], remarks="验收返工")
    assert info.no == 2 and volume_and_batch_state(ctx, code)[:2] == (wf.BORROW, wf.IN_REWORK)
    (row,) = borrow.borrow_batch_info(ctx, info.no).rows
    assert row.condition.startswith("再借返工（此前随借卷批次 1 归还）")
    assert f"问题 #{blurred.id} 模糊（第 4 页，扫描）" in row.condition
    assert f"#{skew.id}" not in row.condition  # the retouch rework needs no paper
    with pytest.raises(StateError) as listed:  # listed, not yet out: still in the archive
        complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id)
    assert listed.value.key == "rework.needs_paper_out"
    # both sides sign: out, to be rebound after the rework; its work batch back to 装订
    borrow.confirm_borrow(ctx, clerk, info.no, "档案室陈老师")
    with pytest.raises(StateError) as split:  # its volumes keep their work batch
        batches.split_borrow_batch(ctx, clerk, info.no)
    assert split.value.key == "batch.reborrow_not_split"
    batch = _work_batch(ctx, code)
    assert volume_and_batch_state(ctx, code) == (wf.REBIND, wf.IN_REWORK, wf.REBIND, wf.IN_REWORK)
    assert volume_and_batch_state(ctx, other) == (wf.DONE, wf.FINISHED, wf.REBIND, wf.IN_REWORK)
    _replays(ctx)
    assert returns.check_return(ctx, info.no)  # not rebound, rework open
    complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id, remarks="重扫第4页")
    complete_rework(ctx, resolve_actor(ctx, "赵修"), skew.rework_id)
    with pytest.raises(StateError) as unverified:  # re-inspection first
        binder = resolve_actor(ctx, "吴装")
        claims.claim(ctx, binder, batch)
        rebind.rebind(ctx, binder, batch, accept_missing=WITHOUT_WORK)
    assert unverified.value.key == "rebind.refused"
    for rework_id in (blurred.rework_id, skew.rework_id):
        qc.verify_rework(ctx, resolve_actor(ctx, "周检"), rework_id)
    # the binder rebinds it through the engine: only the re-borrowed volume is signed
    signed = rebind.rebind(ctx, binder, batch, accept_missing=WITHOUT_WORK)
    assert signed.volumes == 1 and signed.batch_advanced
    assert volume_and_batch_state(ctx, code) == (wf.RETURN, wf.WAITING, wf.RETURN, wf.WAITING)
    _replays(ctx)
    assert returns.check_return(ctx, info.no) == []
    back = returns.return_batch(ctx, clerk, info.no, "档案室陈老师", handed=[code], counted=1)
    assert back.status == wf.BORROW_RETURNED and back.shelving_rule == "从左至右"
    assert volume_and_batch_state(ctx, code) == (wf.DONE, wf.FINISHED, wf.DONE, wf.FINISHED)
    assert volume_and_batch_state(ctx, other)[:2] == (wf.DONE, wf.FINISHED)
    _replays(ctx)
    listed_back = write_return_list(back, tmp_path / "还卷清单-2.xlsx", "测试项目")
    assert listed_back.stat().st_size > 0
    check_ready(ctx, [code, other])  # nothing open: the handover may go
    # the audit trail: both loans, each with both sides; the sheet: the second loan
    lines = volume_history(ctx, code)
    borrows = [(ln.kind, ln.scope) for ln in lines if ln.stage == wf.BORROW]
    assert borrows.count((wf.EVENT_BORROW_LIST, "volume")) == 2
    assert borrows.count((wf.EVENT_BORROW_CONFIRM, "borrow_batch")) == 4
    assert [ln.stage for ln in lines if ln.kind == wf.EVENT_SIGNOFF and ln.scope == "volume"
            ].count(wf.RETURN) == 2
    again = [ln for ln in lines if ln.kind == wf.EVENT_SIGNOFF and ln.stage == wf.BORROW][-1]
    assert again.data["reborrow"] and again.data["next"] == wf.REBIND
    assert f"#{blurred.id}" in again.remarks
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None
        sheet = sheet_data(ctx, session, volume)
    assert "档案室陈老师" in sheet["signatures"][wf.BORROW]["person"]
    assert sheet["signatures"][wf.BORROW]["remarks"].startswith("再借返工")
    assert "档案室陈老师" in sheet["signatures"][wf.RETURN]["person"]


def test_a_returned_volume_without_a_paper_rework_is_not_borrowed_again(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, other, _fresh = _returned(ctx)
    clerk = resolve_actor(ctx, "王借")
    with pytest.raises(StateError) as nothing:  # nothing open at all
        borrow.create_borrow_batch(ctx, clerk, [other])
    assert nothing.value.key == "borrow.returned_no_paper_rework"
    assert nothing.value.params["no"] == 1
    skew = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=3)
    with pytest.raises(StateError) as retouch:  # a rework done on the images only
        borrow.create_borrow_batch(ctx, clerk, [code])
    assert retouch.value.key == "borrow.returned_no_paper_rework"
    assert skew.rework_id is not None  # done without the paper
    complete_rework(ctx, resolve_actor(ctx, "赵修"), skew.rework_id)
    with ctx.transaction() as session:
        assert session.scalar(select(BorrowBatch.no).order_by(BorrowBatch.no.desc())) == 1


def test_the_cli_says_how_to_borrow_again_in_chinese(project: ProjectContext) -> None:
    ctx = project
    code, other, _fresh = _returned(ctx)
    env = {k: v for k, v in env_for(ctx).items() if k not in ("COLUMNS", "LINES")}
    env["COLUMNS"] = "400"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dangan", *args, "-p", str(ctx.home)],
                              capture_output=True, text=True, env=env, timeout=300)

    said = run("qc", "record", code, "-c", "missed_scan", "--page", "5", "-w", "孙检")
    assert said.returncode == 0, said.stdout + said.stderr
    flat = " ".join(said.stdout.split())
    assert "要用原件，须再借出后才能做" in flat
    assert f"dangan borrow create --code {code}（登记为再借返工）" in flat
    refused = run("borrow", "create", "--code", other, "-w", "王借")
    assert refused.returncode == 7, refused.stdout + refused.stderr
    assert f"案卷 {other} 已随借卷批次 1 归还档案室，没有要用原件" in " ".join(
        (refused.stdout + refused.stderr).split())
    listed = run("borrow", "create", "--code", code, "-w", "王借")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert t("borrow.created", no=2, count=1) in listed.stdout
    shown = run("borrow", "show", "2")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "再借返工（此前随借卷批次 1 归还）" in shown.stdout
    assert "漏扫" in shown.stdout


def test_a_reborrow_batch_neither_waits_for_nor_holds_back_other_batches(
        any_project: ProjectContext) -> None:
    """First loans go back in order; a volume borrowed again for a paper rework goes back when
    it is rebound, while an earlier first loan is still out, and a later first loan waits
    only for the earlier first loans."""
    ctx = any_project
    code, _other, fresh = _returned(ctx)
    (fourth,) = add_volumes(ctx, 1, start=4)
    clerk = resolve_actor(ctx, "王借")
    blurred = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "blurred", page_no=4)
    assert blurred.rework_id is not None
    still_out, _ = borrow_and_split(ctx, 1)  # the third volume: out for weeks
    again = borrow.create_borrow_batch(ctx, clerk, [code])
    borrow.confirm_borrow(ctx, clerk, again.no, "档案室陈老师")
    later, (later_batch,) = borrow_and_split(ctx, 1)
    assert (still_out, again.no, later) == (2, 3, 4)
    complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id, remarks="重扫第4页")
    qc.verify_rework(ctx, resolve_actor(ctx, "周检"), blurred.rework_id)
    binder, batch = resolve_actor(ctx, "吴装"), _work_batch(ctx, code)
    claims.claim(ctx, binder, batch)
    rebind.rebind(ctx, binder, batch, accept_missing=WITHOUT_WORK)
    assert returns.check_return(ctx, again.no) == []  # batch 2 still out: not waited for
    take_to_return(ctx, later_batch)
    assert volume_and_batch_state(ctx, fourth)[0] == wf.RETURN
    assert returns.check_return(ctx, later) == [t("return.earlier_not_returned", no=still_out)]
    back = returns.return_batch(ctx, clerk, again.no, "档案室陈老师", handed=[code], counted=1)
    assert back.status == wf.BORROW_RETURNED
    assert volume_and_batch_state(ctx, fresh)[0] != wf.DONE  # the first loan is still out
    _replays(ctx)
