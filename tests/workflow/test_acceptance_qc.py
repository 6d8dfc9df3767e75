"""验收: a defect the client's acceptance finds after the paper went back is recorded, by a QC
inspector (no QC claim: the batch is past QC) or the project manager; its rework goes to the
worker responsible — one needing the paper (scan) waits until the volume is borrowed again
(再借, ``test_reborrow``). The handover is refused while
such a defect is open; the volume and batch are finished again once it is closed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from dangan.db.models import Rework
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import qc, returns
from dangan.services.defects import waive_defect
from dangan.services.delivery.readiness import check_ready
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.rework import complete_rework
from faults.support import env_for
from workflow.helpers import (
    add_people,
    add_volumes,
    borrow_and_split,
    take_to_return,
    volume_and_batch_state,
)


def _returned(ctx: ProjectContext) -> str:
    code, _other = add_volumes(ctx, 2)  # two: the trial rebinding takes the first
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    take_to_return(ctx, batch)
    returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                         shelving_rule="从左至右")
    return code


def test_a_defect_found_at_acceptance_is_recorded_and_reworked(any_project: ProjectContext) -> None:
    ctx = any_project
    code = _returned(ctx)
    assert volume_and_batch_state(ctx, code) == (wf.DONE, wf.FINISHED, wf.DONE, wf.FINISHED)
    with pytest.raises(StateError) as err:  # still only an inspector or the manager
        qc.record_defect(ctx, resolve_actor(ctx, "钱标"), code, "skew", page_no=3)
    assert err.value.key == "qc.record_not_inspector"
    # an inspector holding no claim (none applies past QC): a retouch defect, no paper needed
    skew = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=3)
    assert skew.returned and not skew.needs_paper and skew.rework_id is not None
    assert skew.responsible == "赵修" and skew.inspection_id is None
    # the manager: a scan defect, whose rework needs the paper again
    blurred = qc.record_defect(ctx, resolve_actor(ctx, "郑经理"), code, "blurred", page_no=4)
    assert blurred.returned and blurred.needs_paper and blurred.responsible == "张扫"
    catalogue = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "catalogue")
    assert catalogue.responsible == "钱标" and not catalogue.needs_paper
    with ctx.transaction() as session:
        reworks = {r.id: (r.stage, r.status) for r in session.scalars(select(Rework))}
    assert reworks == {skew.rework_id: (wf.RETOUCH, "open"), blurred.rework_id: (wf.SCAN, "open"),
                       catalogue.rework_id: (wf.INDEX, "open")}
    assert volume_and_batch_state(ctx, code) == (wf.DONE, wf.IN_REWORK, wf.DONE, wf.IN_REWORK)
    # the paper rework waits until the volume is borrowed again (再借: test_reborrow)
    with pytest.raises(StateError) as again:
        complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id or 0)
    assert again.value.key == "rework.needs_paper_out"
    # the handover is refused while they are open, naming each
    with pytest.raises(StateError) as refused:
        check_ready(ctx, [code])
    assert refused.value.key == "handover.open_defects"
    assert all(f"#{d.id}" in str(refused.value) for d in (skew, blurred, catalogue))
    paper = [line for line in refused.value.details if "须再借出" in line]
    assert len(paper) == 1 and paper[0].startswith(f"#{blurred.id} ")
    # once every one is closed, the volume and its batch are finished again
    manager = resolve_actor(ctx, "郑经理")
    for d in (skew, blurred, catalogue):
        waive_defect(ctx, manager, d.id, "验收时看错")
    assert volume_and_batch_state(ctx, code) == (wf.DONE, wf.FINISHED, wf.DONE, wf.FINISHED)
    check_ready(ctx, [code])


def test_qc_record_on_a_returned_volume_says_the_rework_waits_for_the_paper(
        project: ProjectContext) -> None:
    ctx = project
    code = _returned(ctx)
    env = {k: v for k, v in env_for(ctx).items() if k not in ("COLUMNS", "LINES")}
    env["COLUMNS"] = "400"
    run = [sys.executable, "-m", "dangan", "qc", "record", code, "-c", "missed_scan",
           "--page", "5", "-w", "孙检", "-p", str(ctx.home)]
    done = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id))
    said = t("qc.returned_reborrow", code=code, rework=rework_id, stage=t("stage.scan"))
    assert " ".join(said.split()) in " ".join(done.stdout.split()), done.stdout
    assert f"dangan borrow create --code {code}" in done.stdout
