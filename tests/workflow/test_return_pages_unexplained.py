"""A volume rebound though its pages differ from the register with no reason recorded (a
rebinding signed before the reason was required; here the register's count corrected after
it): the return is refused naming the volume and saying how to record the reason; the reason
recorded afterwards (``rebind sign --accept-missing`` on the signed batch: nothing signed
again) lets the paper go back, the reason on the return list."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import Page, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import rebind, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.volumes import project_status
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_rebind

REASON = "原件第4页缺失，已与委托方核对"


def _rebound(ctx: ProjectContext) -> tuple[int, str, list[str]]:
    """Two volumes of 3 pages, numbered and ingested as registered, rebound (pages agree: no
    reason asked); then the register's count of the second becomes 4."""
    codes = add_volumes(ctx, 2, pages=3)
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    binder = take_to_rebind(ctx, batch)
    with ctx.transaction() as session:
        for volume in session.scalars(select(Volume)):
            session.add_all([Page(volume_id=volume.id, page_no=n, dpi=200, format="jpg")
                             for n in (1, 2, 3)])
            volume.page_count = 3
    rebind.agree_binding(ctx, "glue_tube", "档案室刘主任", trial_codes=codes[:1])
    rebind.rebind(ctx, binder, batch, codes[:1])
    rebind.approve_trial(ctx, "档案室刘主任")
    rebind.rebind(ctx, binder, batch)
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == codes[1]))
        assert volume is not None and volume.stage == wf.RETURN
        volume.expected_pages = 4
    return no, batch, codes


def _rebind_signoffs(ctx: ProjectContext) -> list[tuple[int | None, str]]:
    with ctx.transaction() as session:
        return [(v, p) for v, p in session.execute(select(StageEvent.volume_id, StageEvent.person)
                .where(StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.REBIND)
                .order_by(StageEvent.id))]


def test_return_refused_until_the_reason_is_recorded(any_project: ProjectContext,
                                                    tmp_path: Path) -> None:
    ctx = any_project
    no, batch, codes = _rebound(ctx)
    said = t("return.pages_differ_no_reason", code=codes[1],
             words=t("pages.check.words_numbered", registered=4, numbered=3, scanned=3),
             batch=batch)
    assert returns.check_return(ctx, no) == [said]
    assert [codes[1] in line for line in project_status(ctx).page_differs] == [True]
    checked = CliRunner().invoke(app, ["return", "check", str(no), "-p", str(ctx.home)],
                                 catch_exceptions=False)
    assert checked.exit_code == 7  # a heading, as return confirm says it, then the volume
    flat = "".join(checked.output.split())
    assert flat.startswith("".join(t("return.not_ready", no=no, count=1).split()))
    assert "".join(said.split()) in flat
    with pytest.raises(StateError) as refused:
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                             shelving_rule="从左至右")
    assert refused.value.key == "return.not_ready" and refused.value.details == [said]

    # a volume not waiting for the return, or nothing lacking a reason, records nothing
    with pytest.raises(StateError) as wrong:
        rebind.record_page_reasons(ctx, resolve_actor(ctx, "吴装"), batch, [codes[0]], REASON)
    assert wrong.value.key == "rebind.reason_nothing"
    with pytest.raises(StateError) as role:
        rebind.record_page_reasons(ctx, resolve_actor(ctx, "张扫"), batch, [codes[1]], REASON)
    assert role.value.key == "workflow.worker_lacks_role"

    signed_before = _rebind_signoffs(ctx)
    out = CliRunner().invoke(app, ["rebind", "sign", batch, "--volume", codes[1],
                                   "--accept-missing", REASON, "-w", "郑经理",
                                   "-p", str(ctx.home)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    recorded = t("rebind.reason_recorded", count=1, codes=codes[1], reason=REASON)
    assert "".join(recorded.split()) in "".join(out.output.split())
    assert _rebind_signoffs(ctx) == signed_before  # recorded, nothing signed again
    check = rebind.borrow_page_checks(ctx, no)[codes[1]]
    assert check.reason == REASON and check.by == "郑经理"

    assert returns.check_return(ctx, no) == []
    assert project_status(ctx).page_differs == []  # settled with the client: status stops asking
    with pytest.raises(StateError) as again:
        rebind.record_page_reasons(ctx, resolve_actor(ctx, "吴装"), batch, (), REASON)
    assert again.value.key == "rebind.reason_nothing"
    info = returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                                shelving_rule="从左至右")
    assert info.status == wf.BORROW_RETURNED

    # the return list's 登记页数 says the register changed since borrowing (3 then, 4 now), as
    # the reason beside it does, instead of the borrowing's 3 alone
    listed = CliRunner().invoke(app, ["return", "list", str(no), "-o", str(tmp_path / "r.xlsx"),
                                      "-p", str(ctx.home)], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None
    rows = [[str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    head = next(r for r in rows if t("return.col.registered") in r)
    mine = next(r for r in rows if codes[1] in r)
    assert mine[head.index(t("return.col.registered"))] == t("return.registered_changed", now=4,
                                                             then=3)
    first = next(r for r in rows if codes[0] in r)
    assert first[head.index(t("return.col.registered"))] == "3"  # unchanged: as registered
