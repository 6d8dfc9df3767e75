"""``dangan sheets rebuild``: the tracking sheets a sign-off could not rebuild after its commit
(here the return, the last stage: no later sign-off rebuilds them) are rebuilt from the
database, written atomically and read back for their checksum; a second run finds them up to
date; storage still failing exits 11 naming the place and cause; an unknown volume exits 5.
The sheet write fails for real: a file lies where the volume's scan folder should be."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import BorrowBatch, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import NotFoundError, StorageError
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import t
from dangan.services import rebind, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.sheet_rebuild import rebuild_sheets
from dangan.storage import Area
from workflow.helpers import WITHOUT_WORK, add_volumes, line_to, take_to_rebind


def _returned_without_sheets(ctx: ProjectContext) -> tuple[list[str], Path]:
    """Two volumes taken through the line and returned, the return's sheet rebuild failing
    (the rebind's sheets were written); the storage is then repaired. Their codes and the
    scanned area."""
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SORT, claim=False)
    binder = take_to_rebind(ctx, code)
    with ctx.transaction() as s:
        batch = s.scalar(select(WorkBatch).where(WorkBatch.code == code))
        assert batch is not None
        volumes = list(s.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                 .order_by(Volume.archive_code)))
        for v in volumes:  # as ingest leaves them, without pages: rebound short of them
            v.folder_name, v.page_count = v.archive_code, 3
        codes = [v.archive_code for v in volumes]
        borrow = s.get(BorrowBatch, batch.borrow_batch_id)
        assert borrow is not None
        borrow_no = borrow.no
    rebind.agree_binding(ctx, "glue_tube", "档案室刘主任", trial_codes=codes)
    rebind.rebind(ctx, binder, code, accept_missing=WITHOUT_WORK)  # sheets written
    scanned = Path(ctx.storage.root) / Area.SCANNED.value
    for c in codes:  # a file where each scan folder goes: the return cannot write the sheets
        (scanned / c).rename(scanned / f"{c}.aside")
        (scanned / c).write_bytes(b"not a folder")
    with pytest.raises(StorageError) as err:
        returns.return_batch(ctx, resolve_actor(ctx, "王借"), borrow_no, "刘老师",
                             handed=codes, shelving_rule="从右至左")
    assert err.value.key == "workflow.signed_sheets_not_rebuilt"
    assert "dangan sheets rebuild" in str(err.value)
    return codes, scanned


def _repair(scanned: Path, codes: list[str]) -> None:
    for c in codes:
        (scanned / c).unlink()
        (scanned / f"{c}.aside").rename(scanned / c)


def _return_row(path: Path) -> tuple[str, ...]:
    ws = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    label = t("stage.return")
    return next(tuple(str(v or "") for v in row) for row in ws.iter_rows(values_only=True)
                if row and row[0] == label)


def _cli(ctx: ProjectContext, *args: str) -> subprocess.CompletedProcess[str]:
    return dangan("--lang", "en", "sheets", "rebuild", "-p", str(ctx.home), *args,
                  env={"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"]})


def test_sheets_rebuild_after_a_return_whose_sheets_failed(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    monkeypatch.setenv("DANGAN_LANG", "en")
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    codes, scanned = _returned_without_sheets(ctx)
    _repair(scanned, codes)
    sheets = [Path(ctx.storage.root) / sheet_rel(c, c) for c in codes]
    assert "王借" not in _return_row(sheets[0])[1]  # the sheet shows the rebind, not the return

    run = _cli(ctx, "--json")
    assert run.returncode == 0, run.stderr
    said = json.loads(run.stdout)
    assert [(o["archive_code"], o["outcome"]) for o in said] == [(c, "rebuilt") for c in codes]
    for outcome, sheet in zip(said, sheets, strict=True):
        assert outcome["path"] == sheet_rel(outcome["archive_code"], outcome["archive_code"])
        assert outcome["sha256"] == hashlib.sha256(sheet.read_bytes()).hexdigest()
        row = _return_row(sheet)
        assert "王借" in row[1] and "刘老师" in row[1] and row[2]  # the return, signed, timed
    assert not [p for p in scanned.rglob("*") if ".tmp" in p.name or p.name.startswith(".")]

    again = _cli(ctx)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert [f"{c}: tracking sheet up to date" for c in codes] == lines[:2]
    assert "2 volume(s): 0 rebuilt, 2 up to date, 0 failed" in lines[2]
    assert [o.outcome for o in rebuild_sheets(ctx, [codes[1]])] == ["up_to_date"]


def test_sheets_rebuild_still_failing_says_where_and_exits_11(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    monkeypatch.setenv("DANGAN_LANG", "en")
    codes, scanned = _returned_without_sheets(ctx)
    (scanned / codes[1]).unlink()  # the second volume's folder repaired, the first's not
    (scanned / f"{codes[1]}.aside").rename(scanned / codes[1])
    outcomes = rebuild_sheets(ctx)
    assert [(o.archive_code, o.outcome) for o in outcomes] == [
        (codes[0], "failed"), (codes[1], "rebuilt")]
    assert outcomes[0].place.startswith(str(scanned / codes[0]))  # where
    assert "File exists" in outcomes[0].cause  # why

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    run = _cli(ctx)
    assert run.returncode == 11, run.stderr
    out = run.stdout
    assert f"{codes[0]}: tracking sheet could not be rebuilt: {scanned / codes[0]}" in out
    assert f"{codes[1]}: tracking sheet up to date" in out
    said = " ".join(run.stderr.split())
    assert f"of 1 volume(s) ({codes[0]}) could not be rebuilt" in said

    (scanned / codes[0]).unlink()
    shutil.rmtree(scanned / f"{codes[0]}.aside")  # the sheet gone with its folder: missing
    assert [o.outcome for o in rebuild_sheets(ctx, [codes[0]])] == ["rebuilt"]
    assert "王借" in _return_row(Path(ctx.storage.root) / sheet_rel(codes[0], codes[0]))[1]


def test_sheets_rebuild_of_an_unknown_volume_exits_5(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    codes = add_volumes(ctx, 1)
    with pytest.raises(NotFoundError) as err:
        rebuild_sheets(ctx, [codes[0], "NO-SUCH-1"])
    assert err.value.key == "workflow.volume_not_found"
    assert [o.outcome for o in rebuild_sheets(ctx, codes)] == ["no_sheet"]  # not ingested
    monkeypatch.delenv("COLUMNS", raising=False)
    run = _cli(ctx, "--volume", "NO-SUCH-1")
    assert run.returncode == 5, run.stderr
    assert "No volume with archive code NO-SUCH-1" in run.stderr
