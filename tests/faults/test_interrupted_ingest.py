"""``ingest`` killed (SIGKILL) right after a volume's database commit (the volume is recorded
but the scan folder's receipt and its tracking sheet, 电子档案信息跟踪表, are not written
yet), or after the receipt, before the scan sign-off and the sheet (written once, last).
Fixity (exit 8) and status name the volume, and the rerun writes what is missing, signs once,
says so, and leaves nothing pending. Killed after the scan sign-off, before the sign-off
rewrote the sheet, the volume is already at 修图 and status still names it. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import Page, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import IntegrityError
from dangan.export.tracking_sheet import sheet_rel
from dangan.samples import SetTruth, generate_set
from dangan.services.fixity import fixity
from dangan.services.ingest_markers import PENDING, RECEIPT
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import assert_replays, dangan, env_for, scan_root_with
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=7, pages=(4, 4), p_blank=0.0, p_duplicate=0.0)


def _killed_at(ctx: ProjectContext, point: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = env_for(ctx) | {"DANGAN_CRASH_AT": point}
    return subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def _count(ctx: ProjectContext, stmt: object) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(stmt) or 0)  # type: ignore[call-overload]


@pytest.mark.parametrize("point", ["ingest.recorded", "ingest.before_signoff"])
def test_ingest_killed_after_the_commit_is_finished_by_the_rerun(
        any_project: ProjectContext, tmp_path: Path, clean_set: tuple[Path, SetTruth],
        point: str) -> None:
    ctx = any_project
    src, truth = clean_set
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")

    killed = _killed_at(ctx, point, *args)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    first = truth.volumes[0]
    with ctx.transaction() as s:
        row = s.scalar(select(Volume).where(Volume.archive_code == first.archive_code))
        assert row is not None and row.folder_name is not None
        folder_name = row.folder_name
    assert _count(ctx, select(func.count(Page.id))) == first.image_count  # committed
    storage = Path(ctx.storage.root)
    sheet = storage / sheet_rel(folder_name, first.archive_code)
    pending = storage / Area.SCANNED.value / folder_name / PENDING
    receipt = root / first.folder / RECEIPT
    before_receipt = point == "ingest.recorded"
    assert (pending.exists(), sheet.exists(), receipt.exists()) == (
        before_receipt, False, not before_receipt)
    with ctx.transaction() as s:  # not signed yet: the sign-off and the sheet come last
        assert s.scalar(select(Volume.stage).where(
            Volume.archive_code == first.archive_code)) == wf.SCAN

    with pytest.raises(IntegrityError) as bad:  # fixity does not say all is well
        fixity(ctx)
    assert bad.value.key == "intake.fixity.unfinished"  # unfinished, no file differs
    assert any(first.archive_code in d for d in bad.value.details)
    cli = dangan(ctx, "fixity", "-p", str(ctx.home))
    assert cli.returncode == 8 and first.archive_code in cli.stdout + cli.stderr, cli
    status = dangan(ctx, "status", "-p", str(ctx.home), "--json")  # status says so too
    assert status.returncode == 0 and json.loads(status.stdout)["unfinished"] == [
        first.archive_code], status.stdout + status.stderr

    if before_receipt:  # killed while writing the receipt: its temporary is left behind
        (root / first.folder / f".dangan-tmp-{'0' * 32}-{RECEIPT}").write_text("{", "utf-8")
    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list((root / first.folder).glob(".dangan-tmp-*"))  # the rerun removed it
    said = (f"{first.archive_code}: already ingested, unchanged; finished an interrupted "
            f"ingest (tracking sheet and receipt) and the scan stage is now signed by 张扫")
    assert said in " ".join(again.stdout.split()), again.stdout  # the console wraps lines
    assert sheet.exists() and not pending.exists()
    data = json.loads(receipt.read_text("utf-8"))
    assert data["archive_code"] == first.archive_code and data["worker"] == "张扫"
    assert sorted(data["files"]) == sorted(p.file for p in first.pages)
    for vol in truth.volumes:  # the volume the kill never reached is ingested normally
        assert (root / vol.folder / RECEIPT).exists()
    assert fixity(ctx).checked == sum(v.image_count for v in truth.volumes)
    status = dangan(ctx, "status", "-p", str(ctx.home), "--json")
    assert json.loads(status.stdout)["unfinished"] == [], status.stdout + status.stderr
    assert _count(ctx, select(func.count(StoredFile.id))) == sum(
        v.image_count for v in truth.volumes)
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SCAN_RECORD)) == len(truth.volumes)
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN,
        StageEvent.volume_id.is_not(None))) <= len(truth.volumes)
    assert_replays(ctx)

    once_more = dangan(ctx, *args)  # nothing left to do
    assert once_more.returncode == 0, once_more.stdout + once_more.stderr
    assert f"{first.archive_code}: already ingested, unchanged; nothing written" in \
        " ".join(once_more.stdout.split()), once_more.stdout
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SCAN_RECORD)) == len(truth.volumes)


def test_ingest_stopped_after_its_signoff_is_named_by_status_at_the_next_stage(
        any_project: ProjectContext, tmp_path: Path,
        clean_set: tuple[Path, SetTruth]) -> None:
    """Killed after the scan sign-off was committed, before the sign-off rewrote the sheet:
    the volume has moved on to 修图, and status still names it (as fixity does)."""
    ctx = any_project
    src, truth = clean_set
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")

    killed = _killed_at(ctx, "signoff.before_sheets", *args)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    first = truth.volumes[0]
    with ctx.transaction() as s:
        row = s.scalar(select(Volume).where(Volume.archive_code == first.archive_code))
        assert row is not None and row.folder_name is not None
        folder_name, stage = row.folder_name, row.stage
    assert stage == wf.RETOUCH  # signed: it moved on
    storage = Path(ctx.storage.root)
    sheet = storage / sheet_rel(folder_name, first.archive_code)
    assert not sheet.exists()
    assert not (storage / Area.SCANNED.value / folder_name / PENDING).exists()

    cli = dangan(ctx, "fixity", "-p", str(ctx.home))
    assert cli.returncode == 8 and first.archive_code in cli.stdout + cli.stderr, cli
    status = dangan(ctx, "status", "-p", str(ctx.home), "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["unfinished"] == [first.archive_code], status.stdout
    text_status = dangan(ctx, "status", "-p", str(ctx.home))
    assert "unfinished ingest" in " ".join(text_status.stdout.split())
    assert first.archive_code in text_status.stdout

    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    said = (f"{first.archive_code}: already ingested, unchanged; finished an interrupted "
            f"ingest (tracking sheet and receipt)")
    assert said in " ".join(again.stdout.split()), again.stdout
    assert sheet.exists()
    assert fixity(ctx).checked == sum(v.image_count for v in truth.volumes)
    status = dangan(ctx, "status", "-p", str(ctx.home), "--json")
    assert json.loads(status.stdout)["unfinished"] == [], status.stdout + status.stderr
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN,
        StageEvent.volume_id == row.id)) == 1  # signed once, not again by the rerun
    assert_replays(ctx)
