"""Cases a new user met on data of their own: who may sign for the archive room, page numbers
outside the volume, a volume short of pages at rebinding, a repeated scan sign-off, sorting
photos, and defects of the original paper."""

from __future__ import annotations

import pytest

from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import batches, borrow, rebind, returns, workers
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, take_to_return


def test_archive_side_refuses_a_registered_worker_of_another_role(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    workers.add_worker(ctx, "刘档", [wf.ARCHIVE_STAFF])
    codes = add_volumes(ctx, 2)
    clerk = resolve_actor(ctx, "王借")
    info = borrow.create_borrow_batch(ctx, clerk, codes)
    with pytest.raises(StateError) as err:
        borrow.confirm_borrow(ctx, clerk, info.no, "李整")
    assert err.value.key == "workflow.archive_side_wrong_role"
    assert "李整" in str(err.value) and "整理员" in str(err.value)
    assert borrow.borrow_batch_info(ctx, info.no).status == wf.BORROW_PLANNED
    # a registered archive-room worker signs; so does an archive-room person not on the line
    assert borrow.confirm_borrow(ctx, clerk, info.no, "刘档").archive_staff == "刘档"
    (made,) = batches.split_borrow_batch(ctx, clerk, info.no)
    with pytest.raises(StateError) as err:
        rebind.agree_binding(ctx, "thread", "李整", trial_codes=codes[:1])
    assert err.value.key == "workflow.archive_side_wrong_role"
    assert rebind.agreement(ctx) is None
    take_to_return(ctx, made.code)
    with pytest.raises(StateError) as err:
        rebind.approve_trial(ctx, "吴装")
    assert err.value.key == "workflow.archive_side_wrong_role"
    with pytest.raises(StateError) as err:
        returns.return_batch(ctx, clerk, info.no, "李整", shelving_rule="从左至右")
    assert err.value.key == "workflow.archive_side_wrong_role"
    done = returns.return_batch(ctx, clerk, info.no, "档案室刘老师", shelving_rule="从左至右")
    assert done.return_archive_staff == "档案室刘老师"
