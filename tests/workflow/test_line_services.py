"""The line step by step on a real database: borrow → … → return, and the refusals."""

from __future__ import annotations

import pytest

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, StateError
from dangan.services import history, progress, qc, rebind, returns, rework, signoff
from dangan.services.engine import resolve_actor
from workflow.helpers import (
    STAGE_PEOPLE,
    WITHOUT_WORK,
    add_people,
    add_volumes,
    borrow_and_split,
    do_stage,
    pass_qc,
    volume_codes,
)


def test_whole_line_with_one_rework(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 4)
    no, batch_codes = borrow_and_split(ctx, 4, pages_per_batch=80)
    assert batch_codes == ["1-2-1", "1-2-2"]
    for b in batch_codes:
        for stage in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
            do_stage(ctx, b, stage, STAGE_PEOPLE[stage])
    # batch 1: the inspector finds a skewed page → rework to the retoucher, then re-inspection
    first = batch_codes[0]
    from dangan.services import claims

    claims.claim(ctx, resolve_actor(ctx, "孙检"), first)
    sample = qc.draw_sample(ctx, resolve_actor(ctx, "孙检"), first, seed=1)
    assert sample.inspection_id is not None and sample.units
    d = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), codes[0], "skew", page_no=3)
    assert d.stage == wf.RETOUCH and d.responsible == "赵修"
    verdict = qc.decide(ctx, resolve_actor(ctx, "孙检"), first)
    assert not verdict.passed and verdict.reworks == 1
    open_items = rework.list_rework(ctx, assignee="赵修")
    assert len(open_items) == 1
    with pytest.raises(ConflictError):
        rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), open_items[0].id)
    rework.complete_rework(ctx, resolve_actor(ctx, "赵修"), open_items[0].id, "已重新纠偏")
    # rebinding is refused while the defect is fixed but not yet verified
    again = pass_qc(ctx, first, "孙检", seed=2)
    assert again.passed and again.batch_advanced
    assert pass_qc(ctx, batch_codes[1], "孙检").passed
    # rebind: agreement, trial first
    with pytest.raises(StateError):
        rebind.rebind(ctx, resolve_actor(ctx, "吴装"), first)
    rebind.agree_binding(ctx, "thread", "档案室刘主任", trial_codes=[codes[0]])
    from dangan.services import claims as c2

    c2.claim(ctx, resolve_actor(ctx, "吴装"), first)
    with pytest.raises(StateError, match="试装") as refused:
        rebind.rebind(ctx, resolve_actor(ctx, "吴装"), first)
    assert refused.value.key == "rebind.trial_first"
    assert refused.value.params["trial"] == codes[0]  # the refusal names the trial volume
    rebind.rebind(ctx, resolve_actor(ctx, "吴装"), first, [codes[0]], accept_missing=WITHOUT_WORK)
    rebind.approve_trial(ctx, "档案室刘主任")
    rebind.rebind(ctx, resolve_actor(ctx, "吴装"), first, accept_missing=WITHOUT_WORK)
    do_stage(ctx, batch_codes[1], wf.REBIND, "吴装")
    # return: order and count against the register
    with pytest.raises(StateError):
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师", handed=list(reversed(codes)),
                             shelving_rule="从右至左，从上到下")
    with pytest.raises(StateError):
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师", counted=3,
                             shelving_rule="从右至左，从上到下")
    info = returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师", handed=codes, counted=4,
                                shelving_rule="从右至左，从上到下")
    assert info.status == wf.BORROW_RETURNED
    assert [r.returned_seq for r in info.rows] == [1, 2, 3, 4]
    lines = history.volume_history(ctx, codes[0])
    kinds = [line.kind for line in lines]
    assert kinds[0] == wf.EVENT_BORROW_LIST and wf.EVENT_REWORK_DONE in kinds
    assert kinds[-1] == wf.EVENT_RETURN_CONFIRM or wf.EVENT_SIGNOFF in kinds
    rows = progress.stage_progress(ctx)
    assert [(r.stage, r.volumes) for r in rows] == [(wf.DONE, 4)]
    assert volume_codes(ctx, first) == codes[:2]
    assert signoff  # imported for the public API
