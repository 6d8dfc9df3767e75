"""A volume rebound with pages missing (`rebind sign --accept-missing REASON`) is recorded as
a ``work_waived`` event of 装订, like a stage signed ``--without-work``; its history must say
what happened — rebound with pages missing, for the reason given — not "signed without its
recorded work"."""

from __future__ import annotations

import json

from cli.runner import dangan
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import claims, history, rebind
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import (
    STAGE_PEOPLE,
    add_people,
    add_volumes,
    borrow_and_split,
    do_stage,
    pass_qc,
    volume_codes,
)

REASON = "原件第9页缺失，档案室确认"


def test_history_names_a_rebind_with_pages_missing(project: ProjectContext) -> None:
    ctx = project
    add_people(ctx)
    add_volumes(ctx, 1)
    _no, (made,) = borrow_and_split(ctx, 1, pages_per_batch=10_000)
    for stage in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        do_stage(ctx, made, stage, STAGE_PEOPLE[stage])  # 扫描 signed without work: no page
    pass_qc(ctx, made, "孙检")
    binder = resolve_actor(ctx, "吴装")
    claims.claim(ctx, binder, made)
    (code,) = volume_codes(ctx, made)
    rebind.agree_binding(ctx, "thread", "档案室刘主任", trial_codes=[code])
    signed = rebind.rebind(ctx, binder, made, accept_missing=REASON)
    assert signed.accepted_missing == (code,)  # the command names them with the reason

    lines = history.volume_history(ctx, code)
    waived = [(h.stage, h.what, h.remarks) for h in lines if h.kind == wf.EVENT_WORK_WAIVED]
    # the scan signed without its work stays so named; the rebind says what was decided
    assert (wf.SCAN, wf.EVENT_WORK_WAIVED, "工作流测试：不做实际扫描/打包") in waived
    assert (wf.REBIND, history.MISSING_PAGES_ACCEPTED, REASON) in waived
    assert t(f"workflow.event.{history.MISSING_PAGES_ACCEPTED}").startswith("缺页仍装订")
    assert "无工作记录" not in t(f"workflow.event.{history.MISSING_PAGES_ACCEPTED}")

    r = dangan("history", code, "-p", str(ctx.home), "--json")
    assert r.returncode == 0, r.stderr
    shown = [(e["stage"], e["what"], e["remarks"]) for e in json.loads(r.stdout)
             if e["kind"] == wf.EVENT_WORK_WAIVED]
    assert (wf.REBIND, history.MISSING_PAGES_ACCEPTED, REASON) in shown

    r = dangan("history", code, "-p", str(ctx.home), env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert t(f"workflow.event.{history.MISSING_PAGES_ACCEPTED}") in r.stdout
