"""Borrow register, overdue volumes, return order across batches, the printed return list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.export.return_list import write_return_list
from dangan.services import batches, borrow, progress, qc, returns
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, take_to_return


def test_returns_never_skip_a_batch_and_the_list_is_in_borrow_order(project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = project
    add_people(ctx)
    codes = add_volumes(ctx, 4)
    clerk = resolve_actor(ctx, "王借")
    first = borrow.create_borrow_batch(ctx, clerk, codes[:2])
    second = borrow.create_borrow_batch(ctx, clerk, codes[2:])
    long_ago = datetime.now(UTC) - timedelta(days=45)
    borrow.confirm_borrow(ctx, resolve_actor(ctx, "王借"), first.no, "档案室刘老师", at=long_ago)
    borrow.confirm_borrow(ctx, resolve_actor(ctx, "王借"), second.no, "档案室刘老师")
    late = progress.overdue(ctx)
    assert [(o.no, o.volumes) for o in late] == [(1, 2)]
    assert [b.no for b in borrow.list_borrow_batches(ctx, overdue_only=True)] == [1]
    (b1,) = batches.split_borrow_batch(ctx, clerk, 1)
    (b2,) = batches.split_borrow_batch(ctx, clerk, 2)
    take_to_return(ctx, b2.code)
    problems = returns.check_return(ctx, 2)
    assert any("借卷批次 1 还没有归还" in p for p in problems)
    with pytest.raises(StateError):
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), 2, "刘老师", shelving_rule="从右至左")
    take_to_return(ctx, b1.code)
    # a defect found now (after rebinding) blocks the return until reworked and re-inspected
    qc.record_defect(ctx, resolve_actor(ctx, "孙检"), codes[0], "blurred", page_no=2)
    assert any("模糊" in p or "blurred" in p or "返工" in p for p in returns.check_return(ctx, 1))
    from dangan.services import rework

    (item,) = rework.list_rework(ctx)
    assert item.assignee == "张扫"  # the scanner who signed the scan of that volume
    rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), item.id)
    with pytest.raises(StateError):
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), 1, "刘老师", shelving_rule="从右至左")
    with pytest.raises(StateError):
        qc.verify_rework(ctx, resolve_actor(ctx, "张扫"), item.id)  # not an inspector
    qc.verify_rework(ctx, resolve_actor(ctx, "周检"), item.id, "复检清晰")
    info = returns.return_batch(ctx, resolve_actor(ctx, "王借"), 1, "刘老师", handed=codes[:2],
                                shelving_rule="从右至左，从上到下")
    assert info.status == wf.BORROW_RETURNED
    path = write_return_list(info, tmp_path / "还卷清单.xlsx", "测试项目")
    sheet = load_workbook(path).active
    assert sheet is not None
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row]
    assert flat.index(codes[0]) < flat.index(codes[1])
    assert any("从右至左" in v for v in flat) and any("刘老师" in v for v in flat)
    back = returns.return_batch(ctx, resolve_actor(ctx, "王借"), 2, "刘老师", counted=2)  # rule carried over
    assert back.shelving_rule == "从右至左，从上到下"
