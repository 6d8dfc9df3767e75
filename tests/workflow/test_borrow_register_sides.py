"""One person never signs both sides of the borrow register: a worker holding both the borrow
clerk's and the archive room's roles confirms as the clerk, never also as the archive room —
for the borrowing and for the return, through the service every path calls and the command
line (exit code 7, ``borrow.same_person_both_sides``)."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.cli.main import run as main_run
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import batches, borrow, returns, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_people, add_volumes, take_to_return

KEY = "borrow.same_person_both_sides"


def _dual(ctx: ProjectContext) -> None:
    add_people(ctx)
    workers.add_worker(ctx, "兼职王", [wf.BORROW_CLERK, wf.ARCHIVE_STAFF])
    workers.add_worker(ctx, "档案室周", [wf.ARCHIVE_STAFF])


def test_the_clerk_is_not_also_the_archive_side_of_a_borrowing(any_project: ProjectContext) -> None:
    ctx = any_project
    _dual(ctx)
    codes = add_volumes(ctx, 2)
    dual = resolve_actor(ctx, "兼职王")
    info = borrow.create_borrow_batch(ctx, dual, codes)
    for typed in ("兼职王", " 兼职王 "):
        with pytest.raises(StateError) as refused:
            borrow.confirm_borrow(ctx, dual, info.no, typed, remarks="一人两签")
        assert refused.value.key == KEY and refused.value.exit_code == 7
        assert "兼职王" in refused.value.message and f"借卷批次 {info.no}" in refused.value.message
    assert borrow.borrow_batch_info(ctx, info.no).status == wf.BORROW_PLANNED  # nothing signed
    done = borrow.confirm_borrow(ctx, dual, info.no, "档案室周")
    assert (done.clerk, done.archive_staff, done.status) == ("兼职王", "档案室周", wf.BORROW_OUT)


def test_the_clerk_is_not_also_the_archive_side_of_a_return(project: ProjectContext) -> None:
    ctx = project
    _dual(ctx)
    add_volumes(ctx, 2)
    dual = resolve_actor(ctx, "兼职王")
    info = borrow.create_borrow_batch(ctx, dual, next_count=2)
    borrow.confirm_borrow(ctx, dual, info.no, "档案室周")
    (made,) = batches.split_borrow_batch(ctx, dual, info.no)
    take_to_return(ctx, made.code)
    with pytest.raises(StateError) as refused:
        returns.return_batch(ctx, dual, info.no, "兼职王", counted=2, shelving_rule="从右至左")
    assert refused.value.key == KEY and "还卷" in refused.value.message
    back = returns.return_batch(ctx, dual, info.no, "档案室周", counted=2,
                                shelving_rule="从右至左")
    assert (back.return_clerk, back.return_archive_staff) == ("兼职王", "档案室周")


def test_the_command_line_refuses_one_name_on_both_sides(project: ProjectContext) -> None:
    home = str(project.home)
    _dual(project)
    code = add_volumes(project, 1)[0]
    runner = CliRunner()
    made = runner.invoke(app, ["borrow", "create", "--code", code, "-w", "兼职王", "-p", home])
    assert made.exit_code == 0, made.output
    argv = ["borrow", "confirm", "1", "-w", "兼职王", "--archive-staff", "兼职王", "-p", home]
    refused = runner.invoke(app, argv)
    assert isinstance(refused.exception, StateError) and refused.exception.key == KEY
    sys.argv = ["dangan", *argv]
    with pytest.raises(SystemExit) as exited:
        main_run()
    assert exited.value.code == 7
    assert borrow.borrow_batch_info(project, 1).status == wf.BORROW_PLANNED
