"""The local-copy rule on a real scan station folder: what goes, why the rest stays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from site_helpers import returned_and_open, store_files
from sqlalchemy import select, update
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import BorrowBatch, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.services.engine import resolve_actor
from dangan.services.history import replay, volume_history
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup
from dangan.services.workflow_state import graph_for
from workflow.helpers import add_volumes


def _station(root: Path, codes: list[str]) -> Path:
    """A scan station's folder: volume folders inside a work-batch folder, plus a stray one."""
    for code in codes:
        folder = root / "1-1" / code
        folder.mkdir(parents=True)
        for i in (1, 2, 3):
            (folder / f"{i:04d}.jpg").write_bytes(os.urandom(500))
    (root / "杂项").mkdir()
    (root / "杂项" / "说明.txt").write_text("不是案卷", "utf-8")
    (root / "1-1" / "Thumbs.db").write_bytes(b"x")  # Windows' own file: not a loose page
    (root / "1-1" / "备注.txt").write_text("第二卷缺封底", "utf-8")  # a note beside the volumes
    return root


def _reasons(report: cleanup.CleanupReport) -> dict[str, str]:
    return {d.folder: d.reason for d in report.folders}


def test_only_a_finished_returned_verified_volume_leaves_the_station(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, still = returned_and_open(ctx)
    late = add_volumes(ctx, 1, start=50)  # finished and verified, but its return not on record
    root = _station(tmp_path / "扫描站", [*done, *still, *late])
    with ctx.transaction() as s:
        bad = s.scalars(select(StoredFile).join(Volume).where(
            Volume.archive_code == done[1])).first()
        assert bad is not None
        bad_path = bad.path
        stage_of = {c: s.scalar(select(Volume.stage).where(Volume.archive_code == c))
                    for c in done}
        s.execute(update(Volume).where(Volume.archive_code == late[0]).values(
            stage=wf.DONE, borrow_batch_id=s.scalar(select(BorrowBatch.id).where(
                BorrowBatch.status != wf.BORROW_RETURNED))))
    assert set(stage_of.values()) == {wf.DONE}
    store_files(ctx, late[0])
    Path(ctx.storage.path(bad_path)).write_bytes(b"changed on the NAS")

    plan = cleanup.plan(ctx, root)
    assert _reasons(plan) == {
        f"1-1/{done[0]}": cleanup.DELETABLE, f"1-1/{done[1]}": cleanup.FIXITY,
        f"1-1/{still[0]}": cleanup.NOT_DONE, f"1-1/{still[1]}": cleanup.NOT_DONE,
        f"1-1/{late[0]}": cleanup.NOT_RETURNED, "杂项": cleanup.UNKNOWN,
        "1-1": cleanup.UNKNOWN}  # kept, and its volume folders still looked at
    by_folder = {d.folder: d for d in plan.folders}
    assert "整理" in by_folder[f"1-1/{still[0]}"].message()  # the stage, in Chinese
    assert bad_path in by_folder[f"1-1/{done[1]}"].message()
    assert all((root / d.folder).exists() for d in plan.folders)  # a dry run deletes nothing

    with pytest.raises(StateError) as role:
        cleanup.apply(ctx, resolve_actor(ctx, "赵修"), root)
    assert role.value.key == "workflow.worker_lacks_role"
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert [d.folder for d in report.folders if d.reason == cleanup.DELETED] == [f"1-1/{done[0]}"]
    assert not (root / "1-1" / done[0]).exists()
    assert all((root / d.folder).exists() for d in report.folders if d.reason != cleanup.DELETED)
    (event,) = [h for h in volume_history(ctx, done[0]) if h.kind == wf.EVENT_LOCAL_COPY_DELETED]
    assert event.person == "张扫" and event.data["files"] == 3 and event.data["verified"] == 2
    with ctx.transaction() as s:
        assert s.scalar(select(StoredFile.path).where(StoredFile.path == bad_path))
        kinds = s.scalars(select(StageEvent.kind).where(
            StageEvent.kind == wf.EVENT_LOCAL_COPY_DELETED)).all()
    assert len(kinds) == 1
    with ctx.transaction() as s:  # the new kind leaves the replayed state as it was
        state = replay(s, ctx.project_id, graph_for(ctx.config))
        stored = {v.id: v.stage for v in s.scalars(select(Volume).where(
            Volume.archive_code.in_([*done, *still])))}
    assert {k: state.volume_stage[k] for k in stored} == stored


def test_the_storage_is_never_a_scan_root(project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    storage = Path(ctx.storage.root)
    for root in (storage, storage / "已修图", ctx.home):
        with pytest.raises(InputError) as err:
            cleanup.plan(ctx, root)
        assert err.value.key == "site.cleanup.inside_storage"
    station = tmp_path / "站"
    station.mkdir()
    os.symlink(storage / "已修图" / done[0], station / done[0])  # a link is never followed
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), station)
    assert report.folders == []
    assert (storage / "已修图" / done[0] / "0001.jpg").exists()


def test_cleanup_command_is_a_dry_run_in_chinese_and_apply_needs_a_person(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1])
    runner = CliRunner()
    out = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home)])
    assert out.exit_code == 0, out.output
    assert "可删除" in out.output and "试运行" in out.output
    assert (root / "1-1" / done[0]).exists()
    refused = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply"])
    assert isinstance(refused.exception, InputError)
    assert refused.exception.key == "site.cleanup.need_worker"
    applied = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply",
                                  "-w", "张扫", "--json"])
    assert applied.exit_code == 0, applied.output
    assert '"reason": "deleted"' in applied.output
    assert not (root / "1-1" / done[0]).exists()


def test_a_volume_taken_back_after_its_check_keeps_its_copy(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between hashing a volume's files and deleting its folder, the volume is borrowed again
    (here: its batch's return undone in the database): the deletion re-reads and keeps it."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1])
    real = cleanup._decide

    def decide_then_reborrow(*args: object) -> tuple[str, dict[str, object]]:
        verdict = real(*args)  # type: ignore[arg-type]
        with ctx.transaction() as s:
            s.execute(update(BorrowBatch).values(status=wf.BORROW_OUT))
        return verdict

    monkeypatch.setattr(cleanup, "_decide", decide_then_reborrow)
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert _reasons(report)[f"1-1/{done[0]}"] == cleanup.NOT_RETURNED
    assert (root / "1-1" / done[0] / "0001.jpg").exists()
    with ctx.transaction() as s:
        assert s.scalar(select(StageEvent.id).where(
            StageEvent.kind == wf.EVENT_LOCAL_COPY_DELETED)) is None
