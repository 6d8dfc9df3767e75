"""Recorded work that cannot be signed because the person does not hold the batch's claim:
the advice never names a claim that would be refused. Another person holding the stage is
named; a person whose roles do not allow the stage is told who may claim it."""

from __future__ import annotations

import pytest

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, StateError
from dangan.services import claims, engine, workers
from dangan.services.engine import resolve_actor
from workflow.helpers import add_volumes, line_to, volume_codes


def test_the_holder_is_named_not_a_refused_claim(project) -> None:  # type: ignore[no-untyped-def]
    add_volumes(project, 2)
    batch = line_to(project, wf.SCAN)  # 张扫 holds the scan
    code = volume_codes(project, batch)[0]
    outcome = engine.sign_recorded(project, resolve_actor(project, "张扫二"), [code], wf.SCAN)
    (_code, key, params), = outcome.unsigned
    assert key == "workflow.recorded_held_by_other" and params["holder"] == "张扫"
    (message,) = outcome.messages()
    assert f"dangan signoff {batch} -w 张扫" in message
    assert f"dangan claim {batch} -w 张扫二" not in message
    with pytest.raises(ConflictError) as err:  # what the old advice said to do
        claims.claim(project, resolve_actor(project, "张扫二"), batch)
    assert err.value.key == "workflow.already_claimed"


def test_who_may_claim_is_named_when_the_roles_do_not_allow(project) -> None:  # type: ignore[no-untyped-def]
    add_volumes(project, 2)
    batch = line_to(project, wf.SCAN, claim=False)
    workers.add_worker(project, "陈静", [wf.INDEXER])
    code = volume_codes(project, batch)[0]
    outcome = engine.sign_recorded(project, resolve_actor(project, "陈静"), [code], wf.SCAN)
    (_code, key, params), = outcome.unsigned
    assert key == "workflow.recorded_role_cannot_claim"
    (message,) = outcome.messages()
    assert "陈静 没有“扫描员”岗位" in message and "张扫、张扫二" in message
    assert "-w 陈静" not in message
    with pytest.raises(StateError) as err:  # what the old advice said to do
        claims.claim(project, resolve_actor(project, "陈静"), batch)
    assert err.value.key == "workflow.worker_lacks_role"
    assert claims.claim(project, resolve_actor(project, params["first"]), batch).worker == "张扫"


def test_a_claim_that_would_be_taken_is_still_advised(project) -> None:  # type: ignore[no-untyped-def]
    add_volumes(project, 2)
    batch = line_to(project, wf.SCAN, claim=False)
    code = volume_codes(project, batch)[0]
    outcome = engine.sign_recorded(project, resolve_actor(project, "张扫二"), [code], wf.SCAN)
    (_code, key, _params), = outcome.unsigned
    assert key == "workflow.recorded_not_signed"
    assert f"dangan claim {batch} -w 张扫二" in outcome.messages()[0]
    claims.claim(project, resolve_actor(project, "张扫二"), batch)
