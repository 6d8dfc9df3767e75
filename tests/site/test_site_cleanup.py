"""The local-copy rule on a real scan station folder: what goes, why the rest stays."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from site_helpers import returned_and_open, store_files
from sqlalchemy import select, update
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import BorrowBatch, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, NotFoundError, StateError
from dangan.export.tracking_sheet import write_tracking_sheet
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from dangan.services.history import replay, volume_history
from dangan.services.ingest_markers import RECEIPT
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup
from dangan.services.workflow_state import graph_for
from dangan.storage import Area
from workflow.helpers import add_volumes


def _ingested(ctx: ProjectContext, code: str, folder: Path) -> None:
    """What ingest leaves: every page of the local folder stored as a master in 已扫描 with
    its checksum, the volume's tracking sheet beside them, and the receipt in the local
    folder."""
    files = {}
    with ctx.transaction() as s:
        volume = ws.volume_by_code(s, ctx.project_id, code)
        volume.folder_name = volume.folder_name or code  # as ingest records it
        volume_id, base = volume.id, volume.folder_name
        for page in sorted(folder.glob("*.jpg")):
            data = page.read_bytes()
            rel = f"{Area.SCANNED.value}/{base}/{page.name}"
            target = Path(ctx.storage.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            sha = hashlib.sha256(data).hexdigest()
            s.add(StoredFile(project_id=ctx.project_id, volume_id=volume.id,
                             area=Area.SCANNED.key, path=rel, kind="page", sha256=sha,
                             size=len(data)))
            files[page.name] = sha
    write_tracking_sheet(ctx, volume_id)  # written last by ingest: its ingest is finished
    (folder / RECEIPT).write_text(str(files), "utf-8")


def _station(root: Path, codes: list[str], ctx: ProjectContext | None = None) -> Path:
    """A scan station's folder: volume folders inside a work-batch folder, plus a stray one.
    With ``ctx`` every volume's pages are ingested (stored, receipt written)."""
    for code in codes:
        folder = root / "1-1" / code
        folder.mkdir(parents=True)
        for i in (1, 2, 3):
            (folder / f"{i:04d}.jpg").write_bytes(os.urandom(500))
        if ctx is not None:
            _ingested(ctx, code, folder)
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
    root = _station(tmp_path / "扫描站", [*done, *still, *late], ctx)
    (root / "1-1" / done[0] / "Thumbs.db").write_bytes(b"windows thumbnails")
    with ctx.transaction() as s:
        bad = s.scalars(select(StoredFile).join(Volume).where(
            Volume.archive_code == done[1], StoredFile.area == Area.RETOUCHED.key)).first()
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
        f"1-1/{late[0]}": cleanup.NOT_RETURNED, "杂项": cleanup.NOT_A_VOLUME,
        "1-1": cleanup.LOOSE_FILES}  # kept, and its volume folders still looked at
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
    assert event.person == "张扫" and event.data["count"] == 5 and event.data["verified"] == 5
    assert event.data["folder"] == str(root.resolve() / "1-1" / done[0])
    # the history in words says which folder went and how many files, not only the kind
    assert event.data["folder"] in event.remarks and "删除 5 个文件" in event.remarks
    local = {f["name"]: f["sha256"] for f in event.data["files"]}
    assert set(local) == {"0001.jpg", "0002.jpg", "0003.jpg", RECEIPT, "Thumbs.db"}
    with ctx.transaction() as s:
        scanned = dict(s.execute(select(StoredFile.path, StoredFile.sha256).join(Volume).where(
            Volume.archive_code == done[0], StoredFile.area == Area.SCANNED.key)).all())
    assert {p.rsplit("/", 1)[-1]: sha for p, sha in scanned.items()} == {
        k: v for k, v in local.items() if k.endswith(".jpg")}
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
    assert _reasons(report) == {done[0]: cleanup.SYMLINK}  # listed, kept, not followed
    assert (storage / "已修图" / done[0] / "0001.jpg").exists()


def test_cleanup_command_is_a_dry_run_in_chinese_and_apply_needs_a_person(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    runner = CliRunner()
    out = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home)])
    assert out.exit_code == 0, out.output
    assert "可删除" in out.output and "试运行" in out.output
    assert (root / "1-1" / done[0]).exists()
    refused = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply"])
    assert refused.exit_code == 2, refused.output  # a usage error, like a missing -w elsewhere
    assert "操作人" in refused.output and "--worker" in refused.output
    assert (root / "1-1" / done[0] / "0001.jpg").exists()
    missing = runner.invoke(app, ["cleanup", str(tmp_path / "无此目录"), "-p", str(ctx.home)])
    assert isinstance(missing.exception, NotFoundError)  # exit 5, as ingest's missing folder
    assert missing.exception.key == "site.cleanup.no_root" and missing.exception.exit_code == 5
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
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    real = cleanup._decide

    def decide_then_reborrow(c: ProjectContext, volume: Volume, returned: bool,
                             folder: Path, *guard: cleanup.StorageGuard) -> cleanup.Verdict:
        verdict = real(c, volume, returned, folder, *guard)
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


def _deleted_events(ctx: ProjectContext) -> list[StageEvent]:
    with ctx.transaction() as s:
        return list(s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_LOCAL_COPY_DELETED)))


@pytest.mark.parametrize("change", ["page_added", "page_changed", "note", "subfolder",
                                    "appledouble"])
def test_a_local_file_that_is_not_its_stored_master_keeps_the_folder(
        project: ProjectContext, tmp_path: Path, change: str) -> None:
    """A page added after ingest, a page changed after ingest, a note, a subfolder: the folder
    stays, the dry run names the file and why, and --apply deletes nothing of it."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]
    name, reason = {
        "page_added": ("0004.jpg", cleanup.NOT_STORED),
        "page_changed": ("0002.jpg", cleanup.DIFFERS),
        "note": ("说明.txt", cleanup.NOT_STORED),
        "subfolder": ("补扫", cleanup.OTHER_ENTRY),
        "appledouble": ("._0001.jpg", cleanup.NOT_STORED)}[change]
    if change == "subfolder":
        (folder / name).mkdir()
    else:
        (folder / name).write_bytes(os.urandom(400))
    before = sorted(p.name for p in folder.iterdir())

    (decision,) = [d for d in cleanup.plan(ctx, root).folders if d.archive_code == done[0]]
    assert decision.reason == reason and decision.params["name"] == name
    assert name in decision.message() and not decision.goes
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert _reasons(report)[f"1-1/{done[0]}"] == reason
    assert sorted(p.name for p in folder.iterdir()) == before
    assert _deleted_events(ctx) == []


def test_every_file_that_keeps_a_folder_is_named(project: ProjectContext,
                                                  tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    for name in ("0004.jpg", "0005.jpg"):
        (root / "1-1" / done[0] / name).write_bytes(os.urandom(300))
    out = CliRunner().invoke(app, ["cleanup", str(root), "-p", str(ctx.home)])
    assert out.exit_code == 0, out.output
    assert "0004.jpg" in out.output and "0005.jpg" in out.output and "未入库" in out.output


def test_a_folder_changed_after_its_check_is_not_deleted(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page scanned into the folder between its check and the deletion keeps it whole."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]
    real = cleanup._decide

    def decide_then_scan(c: ProjectContext, volume: Volume, returned: bool,
                         folder: Path, *guard: cleanup.StorageGuard) -> cleanup.Verdict:
        verdict = real(c, volume, returned, folder, *guard)
        (folder / "0004.jpg").write_bytes(os.urandom(300))
        return verdict

    monkeypatch.setattr(cleanup, "_decide", decide_then_scan)
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert _reasons(report)[f"1-1/{done[0]}"] == cleanup.CHANGED
    assert (folder / "0001.jpg").exists() and (folder / "0004.jpg").exists()
    assert _deleted_events(ctx) == []


def test_every_folder_is_listed_with_the_reason_it_stays(project: ProjectContext,
                                                         tmp_path: Path) -> None:
    """A folder the naming rule does not take, a link to a volume folder and a volume of the
    project never borrowed are each listed, kept, with their own reason."""
    ctx = project
    done, _ = returned_and_open(ctx)
    (fresh,) = add_volumes(ctx, 1, start=31)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    (root / "random").mkdir()
    (root / "random" / "sub").mkdir()
    (root / "random" / "sub" / "0001.jpg").write_bytes(os.urandom(100))
    elsewhere = tmp_path / "别处" / done[1]
    elsewhere.mkdir(parents=True)
    os.symlink(elsewhere, root / done[1])
    named = ctx.rules.folder_name(fresh, 9, "9-1-1")  # the folder rule, not the bare code
    (root / named).mkdir()
    (root / named / "0001.jpg").write_bytes(os.urandom(100))

    reasons = _reasons(cleanup.plan(ctx, root))
    assert reasons == {f"1-1/{done[0]}": cleanup.DELETABLE, "1-1": cleanup.LOOSE_FILES,
                       "杂项": cleanup.NOT_A_VOLUME, "random": cleanup.NOT_A_VOLUME,
                       done[1]: cleanup.SYMLINK, named: cleanup.NOT_BORROWED}
    out = CliRunner().invoke(app, ["cleanup", str(root), "-p", str(ctx.home)])
    flat = "".join(out.output.split())  # the terminal's width wraps the lines anywhere
    assert "本地目录6个" in flat and "尚未借出" in flat
    cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert (elsewhere.exists() and (root / done[1]).is_symlink()
            and (root / "random" / "sub" / "0001.jpg").exists() and (root / named).exists())
