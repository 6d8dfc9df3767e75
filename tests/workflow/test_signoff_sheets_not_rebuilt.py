"""A sign-off whose tracking sheets cannot be rebuilt after its commit (the storage read-only,
full or gone) is recorded: the engine's ``sign`` (``signoff``), ``rebind`` with the shortfall
accepted and the borrow batch's return say so — ``workflow.signed_sheets_not_rebuilt``,
exit 11, the place and the cause — never that the sign-off failed. The sheet write fails for
real: a file lies where the volume's scan folder should be in the storage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import Page, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.services import rebind, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.signoff import sign_off
from dangan.storage import Area
from workflow.helpers import (
    WITHOUT_WORK,
    add_volumes,
    line_to,
    take_to_rebind,
)

KEY = "workflow.signed_sheets_not_rebuilt"


def _ingested(ctx: ProjectContext, code: str, pages: bool = True) -> list[str]:
    """The batch's volumes as ingest leaves them (scan folder, page count, pages): they have
    a tracking sheet, which every sign-off rebuilds."""
    with ctx.transaction() as s:
        batch = s.scalar(select(WorkBatch).where(WorkBatch.code == code))
        assert batch is not None
        volumes = list(s.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                 .order_by(Volume.archive_code)))
        for v in volumes:
            v.folder_name, v.page_count = v.archive_code, 3
            if pages:
                s.add_all([Page(volume_id=v.id, page_no=n, format="jpg") for n in (1, 2, 3)])
        return [v.archive_code for v in volumes]


def _block_sheets(ctx: ProjectContext, codes: list[str]) -> Path:
    """A file where each volume's scan folder goes: its sheet cannot be written (as root too)."""
    scanned = Path(ctx.storage.root) / Area.SCANNED.value
    for c in codes:
        (scanned / c).write_bytes(b"not a folder")
    return scanned / codes[0]


def _signed(ctx: ProjectContext, stage: str) -> list[str]:
    with ctx.transaction() as s:
        return sorted(set(s.scalars(select(Volume.archive_code).join(
            StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage))))


def _stage(ctx: ProjectContext, code: str) -> str:
    with ctx.transaction() as s:
        return str(s.scalar(select(WorkBatch.stage).where(WorkBatch.code == code)))


def test_a_signoff_whose_sheets_fail_says_it_is_recorded(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SCAN)
    codes = _ingested(ctx, code)
    blocked = _block_sheets(ctx, codes)
    monkeypatch.setenv("DANGAN_LANG", "en")
    with pytest.raises(StorageError) as err:
        sign_off(ctx, resolve_actor(ctx, "张扫"), code)
    assert err.value.key == KEY and err.value.exit_code == 11
    assert _signed(ctx, wf.SCAN) == codes  # recorded: the batch moved on
    assert _stage(ctx, code) == wf.RETOUCH
    said = " ".join(str(err.value).split())
    assert "“Scan” is signed by 张扫 and recorded in the database, no need to sign again" in said
    assert f"of 2 volume(s) ({codes[0]}, {codes[1]}) could not be rebuilt" in said
    assert str(blocked) in said and "File exists" in said  # the place, the cause
    assert "rebuilt at its next sign-off" in said
    with pytest.raises(Exception) as again:  # signed once: nothing to sign twice
        sign_off(ctx, resolve_actor(ctx, "张扫"), code)
    assert getattr(again.value, "key", "") == "workflow.already_signed"


def test_the_cli_says_the_signoff_is_recorded(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SCAN)
    codes = _ingested(ctx, code)
    _block_sheets(ctx, codes)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    run = dangan("--lang", "en", "signoff", code, "-w", "张扫", "-p", str(ctx.home),
                 env={"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"]})
    assert run.returncode == 11, run.stderr
    said = " ".join(run.stderr.split())
    assert "is signed by 张扫 and recorded in the database, no need to sign again" in said
    assert "could not be rebuilt" in said and "File exists" in said
    assert _signed(ctx, wf.SCAN) == codes and _stage(ctx, code) == wf.RETOUCH


def test_rebind_and_return_whose_sheets_fail_say_they_are_recorded(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SORT, claim=False)
    binder = take_to_rebind(ctx, code)
    codes = _ingested(ctx, code, pages=False)  # scanned without pages: rebound short of them
    rebind.agree_binding(ctx, "glue_tube", "档案室刘主任", trial_codes=codes)
    _block_sheets(ctx, codes)
    monkeypatch.setenv("DANGAN_LANG", "en")
    with pytest.raises(StorageError) as err:
        rebind.rebind(ctx, binder, code, accept_missing=WITHOUT_WORK)
    assert err.value.key == KEY
    assert "“Rebind” is signed by 吴装 and recorded in the database" in str(err.value)
    assert _signed(ctx, wf.REBIND) == codes and _stage(ctx, code) == wf.RETURN

    with ctx.transaction() as s:
        no = s.scalar(select(WorkBatch.borrow_batch_id).where(WorkBatch.code == code))
    from dangan.db.models import BorrowBatch

    with ctx.transaction() as s:
        borrow = s.get(BorrowBatch, no)
        assert borrow is not None
        borrow_no = borrow.no
    with pytest.raises(StorageError) as back:
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), borrow_no, "刘老师",
                             handed=codes, shelving_rule="从右至左")
    assert back.value.key == KEY and back.value.exit_code == 11
    said = " ".join(str(back.value).split())
    assert "“Return” is signed by 王借 and recorded in the database" in said
    assert "return is the last stage, so no later sign-off rebuilds them" in said
    assert _signed(ctx, wf.RETURN) == codes and _stage(ctx, code) == wf.DONE
