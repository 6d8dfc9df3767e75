"""Claiming a work batch one already holds is harmless: it says so and records nothing; a
batch held by another person of the role is refused, naming the holder."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cli.runner import dangan
from dangan.db.models import Claim, StageEvent
from dangan.domain import workflow as wf
from dangan.errors import ConflictError
from dangan.i18n import t
from dangan.services import claims
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, borrow_and_split


def _claim_events(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(StageEvent).where(
            StageEvent.kind == wf.EVENT_CLAIM)) or 0)


def test_claiming_a_batch_one_holds_records_nothing_and_says_so(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    add_volumes(ctx, 2)
    _no, (code,) = borrow_and_split(ctx, 2)
    first = claims.claim(ctx, resolve_actor(ctx, "李整"), code)
    assert not first.already_held
    again = claims.claim(ctx, resolve_actor(ctx, "李整"), code)
    assert again.already_held and again.id == first.id and again.stage == wf.SORT
    assert _claim_events(ctx) == 1
    with pytest.raises(ConflictError) as exc:
        claims.claim(ctx, resolve_actor(ctx, "李整二"), code)
    assert exc.value.key == "workflow.already_claimed" and "李整" in exc.value.message
    with ctx.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Claim).where(
            Claim.released_at.is_(None))) == 1


def test_claim_again_on_the_command_line_exits_0_with_its_own_message(project) -> None:  # type: ignore[no-untyped-def]
    ctx, home = project, str(project.home)
    add_people(ctx)
    add_volumes(ctx, 1)
    _no, (code,) = borrow_and_split(ctx, 1)
    assert dangan("claim", code, "-w", "李整", "-p", home).returncode == 0
    r = dangan("claim", code, "-w", "李整", "-p", home)
    assert r.returncode == 0, r.stderr
    held = t("workflow.claim_already_yours", worker="李整", batch=code,
             stage=t("stage.sort"), at="").split("（")[0]
    assert held in r.stdout and "领取）" in r.stdout
    assert "另" not in r.stdout and "不能两人分做" not in r.stdout + r.stderr
    assert _claim_events(ctx) == 1
    other = dangan("claim", code, "-w", "李整二", "-p", home)
    assert other.returncode != 0 and "不能两人分做" in other.stderr + other.stdout


def test_holding_the_batch_for_another_stage_of_the_role_has_its_own_message(project) -> None:  # type: ignore[no-untyped-def]
    """A claim left open at another stage of the same role (here 二检, e.g. after the stage
    list was changed) is named as the claimant's own, not as another person's."""
    from dangan.db.models import WorkBatch
    from workflow.helpers import line_to

    ctx = project
    add_volumes(ctx, 1)
    code = line_to(ctx, wf.QC, claim=False)
    inspector = resolve_actor(ctx, "孙检")
    with ctx.transaction() as session:
        batch_id = session.scalar(select(WorkBatch.id).where(WorkBatch.code == code))
        session.add(Claim(work_batch_id=batch_id, stage=wf.QC2, role=wf.QC_INSPECTOR,
                          worker_id=inspector.worker_id))
    with pytest.raises(ConflictError) as exc:
        claims.claim(ctx, inspector, code)
    assert exc.value.key == "workflow.already_yours_other_stage"
    assert exc.value.params["stage"] == t("stage.qc2")
