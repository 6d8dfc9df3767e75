"""A volume not found on the shelf is taken off a borrow batch not yet confirmed (with the
reason), or the whole batch is cancelled: the register no longer lists it, the volume is not
borrowed and goes on a later batch, and the audit trail keeps the listing and the removal
(the batch's history, the volume's history, the replay) — by the service and the command
line; a batch already out is refused."""

from __future__ import annotations

import json
import sys

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.cli.main import run as main_run
from dangan.db.models import BorrowBatch, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.services import borrow, returns
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from dangan.services.history import replay, volume_history
from dangan.services.project import ProjectContext
from workflow.helpers import add_people, add_volumes


def _replays(ctx: ProjectContext) -> None:
    with ctx.transaction() as s:
        state = replay(s, ctx.project_id, ws.graph_for(ctx.config))
        stored = {v.id: v.stage for v in s.scalars(select(Volume)) if v.stage != wf.REGISTERED}
        assert state.volume_stage == stored
        assert state.borrow_status == {b.id: b.status for b in s.scalars(select(BorrowBatch))}


def _volume(ctx: ProjectContext, code: str) -> tuple[str, int | None]:
    with ctx.transaction() as s:
        v = s.scalar(select(Volume).where(Volume.archive_code == code))
        assert v is not None
        return v.stage, v.borrow_batch_id


def test_a_volume_missing_from_the_shelf_is_taken_off_before_confirming(any_project: ProjectContext) -> None:
    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 4)
    clerk = resolve_actor(ctx, "王借")
    info = borrow.create_borrow_batch(ctx, clerk, codes[:3])
    with pytest.raises(InputError) as blank:
        borrow.remove_from_borrow(ctx, clerk, info.no, codes[1], "  ")
    assert blank.value.key == "borrow.remove_reason_required"
    with pytest.raises(StateError) as elsewhere:
        borrow.remove_from_borrow(ctx, clerk, info.no, codes[3], "架上未找到")
    assert elsewhere.value.key == "borrow.not_in_batch"
    with pytest.raises(StateError) as sorter:
        borrow.remove_from_borrow(ctx, resolve_actor(ctx, "李整"), info.no, codes[1], "架上未找到")
    assert sorter.value.key == "workflow.worker_lacks_role"
    after = borrow.remove_from_borrow(ctx, clerk, info.no, codes[1], "架上未找到")
    assert [(r.seq, r.archive_code) for r in after.rows] == [(1, codes[0]), (2, codes[2])]
    assert after.volume_count == 2
    assert [(r.archive_code, r.reason, r.person, r.seq) for r in after.removed] == [
        (codes[1], "架上未找到", "王借", 2)]
    assert _volume(ctx, codes[1]) == (wf.REGISTERED, None)
    _replays(ctx)
    # its history keeps the listing and the removal with the reason
    kinds = [(h.kind, h.remarks) for h in volume_history(ctx, codes[1])]
    assert (wf.EVENT_BORROW_LIST, "") in kinds and (wf.EVENT_BORROW_REMOVE, "架上未找到") in kinds
    # confirmed: only the two volumes that left the shelf
    out = borrow.confirm_borrow(ctx, clerk, info.no, "档案室刘老师")
    assert [r.archive_code for r in out.rows] == [codes[0], codes[2]]
    with pytest.raises(StateError) as late:
        borrow.remove_from_borrow(ctx, clerk, info.no, codes[0], "太晚")
    assert late.value.key == "borrow.not_pending" and "已借出" in late.value.message
    # found later: listed on the next batch as any volume not borrowed
    second = borrow.create_borrow_batch(ctx, clerk, [codes[1]])
    assert _volume(ctx, codes[1])[0] == wf.BORROW and second.no == info.no + 1
    with pytest.raises(StateError) as last:
        borrow.remove_from_borrow(ctx, clerk, second.no, codes[1], "又没找到")
    assert last.value.key == "borrow.remove_last_volume"
    _replays(ctx)


def test_a_pending_batch_is_cancelled_and_never_holds_back_a_return(any_project: ProjectContext) -> None:
    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 3)
    clerk = resolve_actor(ctx, "王借")
    first = borrow.create_borrow_batch(ctx, clerk, codes[:2])
    with pytest.raises(InputError) as blank:
        borrow.cancel_borrow_batch(ctx, clerk, first.no, "")
    assert blank.value.key == "borrow.cancel_reason_required"
    assert borrow.cancel_borrow_batch(ctx, clerk, first.no, "委托方改期") == 2
    info = borrow.borrow_batch_info(ctx, first.no)
    assert info.status == wf.BORROW_CANCELLED and info.rows == []
    assert [(r.archive_code, r.cancel) for r in info.removed] == [
        (codes[0], True), (codes[1], True), ("", True)]
    assert all(_volume(ctx, c) == (wf.REGISTERED, None) for c in codes[:2])
    with pytest.raises(StateError) as again:
        borrow.cancel_borrow_batch(ctx, clerk, first.no, "再取消")
    assert again.value.key == "borrow.not_pending" and "已取消" in again.value.message
    with pytest.raises(StateError) as confirm:
        borrow.confirm_borrow(ctx, clerk, first.no, "档案室刘老师")
    assert confirm.value.key == "borrow.already_confirmed"
    second = borrow.create_borrow_batch(ctx, clerk, codes)
    borrow.confirm_borrow(ctx, clerk, second.no, "档案室刘老师")
    assert not any("借卷批次 1" in p for p in returns.check_return(ctx, second.no))
    _replays(ctx)
    with ctx.transaction() as s:
        kinds = {e.kind for e in s.scalars(select(StageEvent).where(
            StageEvent.borrow_batch_id == s.scalar(select(BorrowBatch.id).where(
                BorrowBatch.no == first.no))))}
    assert {wf.EVENT_BORROW_LIST, wf.EVENT_BORROW_REMOVE, wf.EVENT_BORROW_CANCEL} <= kinds


def test_remove_and_cancel_from_the_command_line(project: ProjectContext) -> None:
    home = str(project.home)
    add_people(project)
    codes = add_volumes(project, 3)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "-p", home])
        assert result.exit_code == 0, result.output
        return result.output

    run("borrow", "create", "--code", codes[0], "--code", codes[1], "-w", "王借")
    said = run("borrow", "remove", "1", codes[1], "--reason", "架上未找到", "-w", "王借")
    assert f"已从借卷批次 1 撤下案卷 {codes[1]}（原因：架上未找到）" in said
    shown = run("borrow", "show", "1")
    assert "从本批次撤下的案卷" in shown and "架上未找到" in shown and "待出库" in shown
    register = json.loads(run("borrow", "show", "1", "--json"))
    assert [r["archive_code"] for r in register["rows"]] == [codes[0]]
    assert register["removed"][0]["archive_code"] == codes[1]
    missing = runner.invoke(app, ["borrow", "remove", "1", codes[0], "-w", "王借", "-p", home])
    assert missing.exit_code == 2  # --reason is required
    refused = runner.invoke(app, ["borrow", "remove", "1", codes[0], "--reason", "x",
                                  "-w", "王借", "-p", home])
    assert isinstance(refused.exception, StateError)
    assert refused.exception.key == "borrow.remove_last_volume"
    assert "已取消" in run("borrow", "cancel", "1", "--reason", "改期", "-w", "王借")
    assert "已取消" in run("borrow", "list")
    argv = ["borrow", "cancel", "1", "--reason", "再取消", "-w", "王借", "-p", home]
    sys.argv = ["dangan", *argv]
    with pytest.raises(SystemExit) as exited:
        main_run()
    assert exited.value.code == 7
    assert "已登记借卷批次 2：3 卷" in run("borrow", "create", "--next", "3", "-w", "王借")


def test_a_volume_borrowed_again_is_taken_off_back_to_its_return(project: ProjectContext) -> None:
    from dangan.services import qc, reborrow
    from workflow.test_reborrow import _returned

    ctx = project
    code, other, _fresh = _returned(ctx)
    clerk, inspector = resolve_actor(ctx, "王借"), resolve_actor(ctx, "孙检")
    for c in (code, other):
        assert qc.record_defect(ctx, inspector, c, "blurred", page_no=4).needs_paper
    again = borrow.create_borrow_batch(ctx, clerk, [code, other])  # 再借, not yet out
    listed_on = _volume(ctx, code)[1]
    after = borrow.remove_from_borrow(ctx, clerk, again.no, code, "架上未找到")
    assert [r.archive_code for r in after.rows] == [other]
    stage, held = _volume(ctx, code)
    assert stage == wf.DONE and held is not None and held != listed_on
    with ctx.transaction() as s:
        first = s.scalar(select(BorrowBatch.id).where(BorrowBatch.no == 1))
    assert held == first  # back with the borrow batch it was returned with
    assert borrow.cancel_borrow_batch(ctx, clerk, again.no, "改期") == 1
    assert _volume(ctx, other) == (wf.DONE, first)
    with ctx.transaction() as s:
        offered = {c.archive_code for c in reborrow.candidates(s, ctx.project_id)}
    assert {code, other} <= offered
    _replays(ctx)
    assert borrow.create_borrow_batch(ctx, clerk, [code]).volume_count == 1
    _replays(ctx)
