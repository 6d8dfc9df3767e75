"""``retouch`` of a project when the storage fails: the storage root is never recreated on the
local disk, a page that fails for the storage's fault (or a lost worker) is a failed page of
the run — named, its volume unsigned, exit 11 — never a defect charged to the page or its
scanner, and a rerun that does the page again settles the findings it no longer makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import project as retouch_project
from workflow.helpers import claimed_for_retouch

VOLUMES, PAGES = 2, 2


@pytest.fixture
def claimed(project: ProjectContext, tmp_path: Path) -> tuple[ProjectContext, Actor]:
    return claimed_for_retouch(project, tmp_path, VOLUMES, PAGES, 47)


def _retouch_defects(ctx: ProjectContext) -> list[Defect]:
    with ctx.transaction() as s:
        return list(s.scalars(select(Defect).where(Defect.source == "retouch")).all())


def _signed(ctx: ProjectContext) -> int:
    with ctx.transaction() as s:
        return len(s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.RETOUCH,
            StageEvent.volume_id.is_not(None))).all())


@pytest.mark.parametrize("gone", ["root", "area"])
def test_the_storage_gone_midway_is_never_recreated(
        claimed: tuple[ProjectContext, Actor], monkeypatch: pytest.MonkeyPatch,
        gone: str) -> None:
    """The NAS drops while a page is being retouched (read before, written after): the page
    fails as storage unreachable and no folder is made — neither the root nor its area."""
    from dangan.imaging import files

    ctx, retoucher = claimed
    root = Path(ctx.storage.root)
    folder = root if gone == "root" else root / "已修图"
    away = folder.with_name(folder.name + "-away")
    real = files.retouch_bytes
    calls = []

    def unmount_on_second_page(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            folder.rename(away)
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "retouch_bytes", unmount_on_second_page)
    with pytest.raises(StorageError) as err:
        retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert err.value.exit_code == 11
    assert not folder.exists()  # nothing of the storage made on the local disk
    assert not _retouch_defects(ctx) and _signed(ctx) == 0


def test_the_retouched_area_gone_fails_the_run_with_exit_11_naming_it(
        claimed: tuple[ProjectContext, Actor]) -> None:
    from dangan.cli.main import app

    ctx, _retoucher = claimed
    area = Path(ctx.storage.root) / "已修图"
    shutil.rmtree(area)
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                      "--workers", "1"])
    assert isinstance(result.exception, StorageError), result.output
    assert result.exception.key == "retouch.storage_failed"
    assert result.exception.params["count"] == VOLUMES * PAGES
    assert str(area) in result.exception.params["path"]
    assert not area.exists()  # refused, not recreated
    assert not _retouch_defects(ctx) and _signed(ctx) == 0
    with ctx.transaction() as s:
        assert not s.scalars(select(StoredFile).where(StoredFile.area == "retouched")).all()


def _target_folders(ctx: ProjectContext) -> list[Path]:
    """The 已修图 folder of each volume, in volume order."""
    with ctx.transaction() as s:
        paths = s.scalars(select(StoredFile.path).where(
            StoredFile.area == "scanned", StoredFile.kind == "page")
            .order_by(StoredFile.volume_id, StoredFile.path)).all()
    folders = dict.fromkeys(str(Path(p).parent).split("/", 1)[1] for p in paths)
    return [Path(ctx.storage.root) / "已修图" / f for f in folders]


def test_an_unwritable_volume_folder_is_a_storage_fault_not_a_page_defect(
        claimed: tuple[ProjectContext, Actor]) -> None:
    """With a local pool: a volume's 已修图 folder that cannot be written (here a file stands
    in its place) fails its pages as the storage's fault — exit 11 naming the path, no defect
    charged to anyone, the volume unsigned — while the other volume is done and signed."""
    from dangan.cli.main import app

    ctx, _retoucher = claimed
    blocked = _target_folders(ctx)[0]
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_bytes(b"in the way")
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                      "--workers", "2"])
    assert isinstance(result.exception, StorageError), result.output
    assert result.exception.key == "retouch.storage_failed"
    assert result.exception.params["count"] == PAGES
    assert str(blocked) in result.exception.params["path"]
    assert not _retouch_defects(ctx)
    assert _signed(ctx) == VOLUMES - 1
    blocked.unlink()  # the storage mended: the rerun does only that volume, and signs it
    again = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                     "--workers", "1"])
    assert again.exit_code == 0, again.output
    assert _signed(ctx) == VOLUMES


class _LosingExecutor:
    """Every task's worker dies (as Dask reports a task that killed its workers)."""

    workers = 1

    def map_unordered(self, fn, items, on_lost=None):  # type: ignore[no-untyped-def]
        for item in items:
            yield on_lost(item, PermissionError("worker died"))

    def close(self) -> None:
        return None


def test_a_lost_worker_fails_the_page_without_a_defect(
        claimed: tuple[ProjectContext, Actor]) -> None:
    from dangan.errors import InputError
    from dangan.services.retouch import failure_error

    ctx, retoucher = claimed
    summary = retouch_project.run(ctx, _LosingExecutor(), actor=retoucher)
    assert summary.counts == {"failed": VOLUMES * PAGES}
    assert not _retouch_defects(ctx) and _signed(ctx) == 0
    error = failure_error(summary, project=True)
    assert isinstance(error, InputError) and error.key == "retouch.pages_failed"
    assert len(summary.unsigned) == VOLUMES
    assert all("不是页面本身的问题" in line for line in summary.unsigned)


def test_a_rerun_settles_the_earlier_findings_it_no_longer_makes(
        claimed: tuple[ProjectContext, Actor]) -> None:
    """An older release recorded a lost worker as the page's ``unreadable`` defect (stage
    scan): the rerun that retouches the page waives it, with why, and keeps the row; a finding
    the page no longer shows is marked fixed (QC verifies it); nothing is deleted."""
    from dangan.db.models import Volume

    ctx, retoucher = claimed
    with ctx.transaction() as s:
        volume = s.scalars(select(Volume).order_by(Volume.id)).first()
        assert volume is not None
        vid, archive_code = volume.id, volume.archive_code
        for page_no, code, detail, stage in [(1, "unreadable", "worker_lost:PermissionError",
                                              "scan"),
                                             (2, "content_at_edge", "margin=-9mm", "retouch")]:
            s.add(Defect(project_id=ctx.project_id, volume_id=vid, page_no=page_no, code=code,
                         source="retouch", severity="error", stage=stage, message="",
                         data={"detail": detail}))
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert "failed" not in summary.counts
    with ctx.transaction() as s:
        rows = {(d.page_no, d.code): d for d in s.scalars(select(Defect).where(
            Defect.volume_id == vid, Defect.source == "retouch"))}
    lost = rows[(1, "unreadable")]
    assert lost.status == "waived" and lost.resolved_at is not None
    assert lost.data["resolution"]["reason"] == "run_fault"
    edge = rows[(2, "content_at_edge")]
    page_2 = next(r for r in summary.pages if summary.places[r.source] == (archive_code, 2))
    assert "content_at_edge" not in {d.code for d in page_2.defects}  # a clean page
    assert edge.status == "fixed" and edge.resolved_at is not None
    assert edge.data["resolution"]["reason"] == "not_found_again"
    assert _signed(ctx) == VOLUMES


def test_a_project_run_with_a_damaged_page_exits_4_naming_it(
        claimed: tuple[ProjectContext, Actor]) -> None:
    """A page's own failure (a damaged master) is recorded as its defect, as before; the run
    records and signs what came out, then exits 4 naming the page (archive code, page)."""
    from dangan.cli.main import app
    from dangan.db.models import Volume
    from dangan.errors import InputError

    ctx, _retoucher = claimed
    with ctx.transaction() as s:
        master, code = s.execute(select(StoredFile.path, Volume.archive_code)
                                 .join(Volume, Volume.id == StoredFile.volume_id)
                                 .where(StoredFile.area == "scanned", StoredFile.kind == "page")
                                 .order_by(StoredFile.volume_id, StoredFile.path)).first()
    damaged = Path(ctx.storage.root) / master
    damaged.write_bytes(damaged.read_bytes()[:400])  # cut short on the disk
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                      "--workers", "1"])
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.key == "retouch.pages_failed"
    assert result.exception.params["count"] == 1
    assert result.exception.params["names"] == f"{code} 1"
    assert _signed(ctx) == VOLUMES - 1  # the other volume came out whole and is signed
    defects = _retouch_defects(ctx)
    assert [(d.page_no, d.code) for d in defects if d.code == "unreadable"] == [(1, "unreadable")]


def test_a_page_that_fails_on_its_own_settles_nothing(
        claimed: tuple[ProjectContext, Actor]) -> None:
    """A page whose master is now damaged was not retouched again: its earlier findings
    stay open (nothing was seen that settles them), and its failure is its own defect."""
    from dangan.db.models import Volume

    ctx, retoucher = claimed
    with ctx.transaction() as s:
        master, vid = s.execute(select(StoredFile.path, StoredFile.volume_id)
                                .join(Volume, Volume.id == StoredFile.volume_id)
                                .where(StoredFile.area == "scanned", StoredFile.kind == "page")
                                .order_by(StoredFile.volume_id, StoredFile.path)).first()
        s.add(Defect(project_id=ctx.project_id, volume_id=vid, page_no=1, code="skew",
                     source="retouch", severity="error", stage="retouch", message="",
                     data={"detail": "after=4.0"}))
    damaged = Path(ctx.storage.root) / master
    damaged.write_bytes(damaged.read_bytes()[:400])
    retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    rows = {(d.page_no, d.code): d.status for d in _retouch_defects(ctx) if d.volume_id == vid}
    assert rows[(1, "skew")] == "open" and rows[(1, "unreadable")] == "open"
