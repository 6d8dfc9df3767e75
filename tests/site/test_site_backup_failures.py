"""A backup that cannot be whole fails, and leaves nothing a restore takes; a restore checks
the snapshot it reads before writing anything.

The storage root going away during a backup is exit 11 naming the root, with no snapshot;
a snapshot is complete only with its marker (written last); the database copy, manifest and
dangan.toml are checked against the SHA-256 the marker records; an object damaged in the
backup folder is found (by size on every run, by hash with ``verify``) and named by its
place in the backup; OS errors of the backup folder are storage errors naming the path."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from site_helpers import FILES, returned_and_open
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import StoredFile
from dangan.errors import DanganError, InputError, IntegrityError, NotFoundError, StorageError
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup
from dangan.storage.checksum import sha256_file

WIDE = {"COLUMNS": "400"}


def _paths(ctx: ProjectContext) -> list[tuple[str, str]]:
    with ctx.transaction() as s:
        return [(p, h) for p, h in s.execute(
            select(StoredFile.path, StoredFile.sha256).order_by(StoredFile.path))]


def _snap(out: Path) -> Path:
    return out / "snapshots" / backup.snapshots(out)[-1]


def _vanish_after(monkeypatch: pytest.MonkeyPatch, ctx: ProjectContext, calls: int) -> Path:
    """Rename the storage root away once ``calls`` stored files were read by the backup."""
    root = Path(ctx.storage.root)
    moved = root.with_name(root.name + ".off")
    real_exists = type(ctx.storage).exists
    count = {"n": 0}

    def exists(self, rel):
        count["n"] += 1
        if count["n"] == calls and root.exists():
            root.rename(moved)
        return real_exists(self, rel)

    monkeypatch.setattr(type(ctx.storage), "exists", exists)
    return moved


@pytest.mark.parametrize("incremental", [False, True])
def test_storage_gone_mid_backup_is_exit_11_and_leaves_no_snapshot(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        incremental: bool) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    if incremental:
        backup.backup(ctx, out)
    before = backup.snapshots(out)
    moved = _vanish_after(monkeypatch, ctx, 3)
    result = CliRunner().invoke(app, ["backup", str(out), "-p", str(ctx.home)], env=WIDE)
    assert isinstance(result.exception, StorageError), result.output
    assert result.exception.key == "storage.root_missing" and result.exception.exit_code == 11
    assert str(ctx.storage.root) in str(result.exception) and "备份完成" not in result.output
    assert backup.snapshots(out) == before
    assert not list((out / "snapshots").iterdir()) or incremental
    monkeypatch.undo()
    moved.rename(ctx.storage.root)
    if incremental:  # the latest complete snapshot is the earlier, whole one
        restored = backup.restore(out, tmp_path / "恢复")
        assert restored.snapshot == before[-1] and restored.unfinished == ()
        assert fixity(open_project(restored.home)).checked == FILES
    else:
        with pytest.raises(NotFoundError):
            backup.restore(out, tmp_path / "恢复")


def test_a_snapshot_without_its_completion_marker_is_not_restored(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    first = backup.backup(ctx, out).snapshot
    assert json.loads((first / backup.COMPLETE).read_text())["sha256"].keys() == {
        "manifest.json", "dangan.toml", "database.sqlite"}
    later = first.with_name("29991231T000000000000Z")  # e.g. killed before its marker
    shutil.copytree(first, later)
    (later / backup.COMPLETE).unlink()
    assert backup.snapshots(out) == [first.name]
    assert backup.restore(out, tmp_path / "a").snapshot == first.name
    with pytest.raises(IntegrityError) as named:
        backup.restore(out, tmp_path / "b", snapshot=later.name)
    assert named.value.key == "site.restore.snapshot_unfinished" and not (tmp_path / "b").exists()
    # a snapshot written before the marker existed (manifest format 1): taken when named
    shutil.rmtree(later)
    (first / backup.COMPLETE).unlink()
    manifest = json.loads((first / backup.MANIFEST).read_text())
    manifest["format"] = 1
    (first / backup.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))
    with pytest.raises(NotFoundError) as unmarked:
        backup.restore(out, tmp_path / "c")
    assert unmarked.value.key == "site.restore.only_unmarked" and first.name in unmarked.value.message
    assert backup.restore(out, tmp_path / "c", snapshot=first.name).files == FILES


def test_the_first_line_of_a_failing_backup_does_not_say_done(project: ProjectContext,
                                                            tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    Path(ctx.storage.path(_paths(ctx)[0][0])).unlink()
    result = CliRunner().invoke(app, ["backup", str(tmp_path / "备份"), "-p", str(ctx.home)],
                                env=WIDE)
    assert isinstance(result.exception, IntegrityError) and result.exception.exit_code == 8
    first_line = result.output.splitlines()[0]
    assert "备份完成" not in first_line and "备份已写入" in first_line


def _tampered(out: Path, tmp_path: Path) -> pytest.ExceptionInfo[DanganError]:
    with pytest.raises(DanganError) as err:
        backup.restore(out, tmp_path / "恢复")
    assert isinstance(err.value, (IntegrityError, InputError))
    assert not (tmp_path / "恢复").exists()  # refused before anything was written
    return err


def test_a_changed_database_copy_or_manifest_is_refused_before_writing(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    snap = _snap(out)
    db = snap / backup.SQLITE_FILE
    good = db.read_bytes()
    con = sqlite3.connect(db)  # one row's value changed: a valid database, other content
    con.execute("UPDATE worker SET name = name || 'x' WHERE id = (SELECT min(id) FROM worker)")
    con.commit()
    con.close()
    err = _tampered(out, tmp_path)
    assert err.value.key == "site.restore.snapshot_damaged" and err.value.exit_code == 8
    assert str(db) in err.value.message
    db.write_bytes(good)
    manifest = json.loads((snap / backup.MANIFEST).read_text())
    dropped = manifest["files"].pop(0)
    (snap / backup.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))
    err = _tampered(out, tmp_path)
    assert err.value.key == "site.restore.snapshot_damaged"
    assert str(snap / backup.MANIFEST) in err.value.message
    # the marker rewritten to match: the database still names the file the manifest lacks
    marker = json.loads((snap / backup.COMPLETE).read_text())
    marker["sha256"]["manifest.json"] = sha256_file(snap / backup.MANIFEST)
    (snap / backup.COMPLETE).write_text(json.dumps(marker))
    with pytest.raises(IntegrityError) as lacks:
        backup.restore(out, tmp_path / "恢复")
    assert lacks.value.key == "site.restore.manifest_lacks" and lacks.value.details == [dropped[0]]
    assert not (tmp_path / "恢复").exists()


def test_an_unreadable_manifest_or_a_missing_snapshot_file_is_input_error(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    snap = _snap(out)
    (snap / "dangan.toml").unlink()
    err = _tampered(out, tmp_path)
    assert err.value.key == "site.restore.snapshot_file_missing" and err.value.exit_code == 4
    assert str(snap / "dangan.toml") in err.value.message
    shutil.copyfile(ctx.home / "dangan.toml", snap / "dangan.toml")
    (snap / backup.MANIFEST).write_text("{")
    marker = json.loads((snap / backup.COMPLETE).read_text())
    marker["sha256"]["manifest.json"] = sha256_file(snap / backup.MANIFEST)
    (snap / backup.COMPLETE).write_text(json.dumps(marker))
    err = _tampered(out, tmp_path)
    assert err.value.key == "site.restore.snapshot_unreadable" and err.value.exit_code == 4
    (snap / backup.COMPLETE).write_text("{")
    assert backup.snapshots(out) == [snap.name]
    err = _tampered(out, tmp_path)
    assert err.value.key == "site.restore.snapshot_unreadable"
    assert str(snap / backup.COMPLETE) in err.value.message


def test_an_object_damaged_in_the_backup_is_found_named_and_repaired(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    (path, sha), (path2, sha2), (gone, _gone_sha) = _paths(ctx)[:3]
    obj = backup.object_path(out, sha)
    rel = str(obj.relative_to(out))
    data = bytearray(obj.read_bytes())
    obj.write_bytes(bytes(data[:-10]))  # truncated: found by size on the next run
    again = backup.backup(ctx, out)
    assert again.repaired == [rel] and sha256_file(obj) == sha
    data[100] ^= 0xFF  # same size, other content: only a re-hash finds it
    obj.write_bytes(bytes(data))
    assert backup.backup(ctx, out).repaired == []
    restored = CliRunner().invoke(app, ["restore", str(out), str(tmp_path / "恢复")], env=WIDE)
    assert isinstance(restored.exception, IntegrityError) and restored.exception.exit_code == 8
    assert restored.exception.key == "site.restore.object_damaged"
    assert rel in str(restored.exception) and path in str(restored.exception)
    assert not (tmp_path / "恢复").exists()
    verify = CliRunner().invoke(app, ["backup", str(out), "-p", str(ctx.home), "--verify",
                                      "--json"])
    assert verify.exit_code == 0, verify.output
    assert json.loads(verify.output)["repaired"] == [rel] and sha256_file(obj) == sha
    # an object deleted from the backup folder: named with the file it holds
    backup.object_path(out, sha2).unlink()
    with pytest.raises(IntegrityError) as lost:
        backup.restore(out, tmp_path / "恢复")
    assert lost.value.key == "site.restore.objects_missing"
    assert any(path2 in d and str(backup.object_path(out, sha2).relative_to(out)) in d
               for d in lost.value.details)
    backup.backup(ctx, out)
    # missing from the storage when the backup ran: said so, apart from changed files
    Path(ctx.storage.path(gone)).unlink()
    fresh = tmp_path / "新备份"
    assert backup.backup(ctx, fresh).missing_not_held == [gone]
    done = CliRunner().invoke(app, ["restore", str(fresh), str(tmp_path / "恢复2")], env=WIDE)
    assert isinstance(done.exception, IntegrityError)
    assert done.exception.key == "site.restore.incomplete"
    assert "在备份时已从存储区缺失" in done.output and "已与记录不符" not in done.output
    assert backup.restore(fresh, tmp_path / "恢复3").missing_at_backup == (gone,)


def test_backup_folder_errors_are_storage_or_input_errors_naming_the_path(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = project
    returned_and_open(ctx)
    runner = CliRunner()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    res = runner.invoke(app, ["backup", str(a_file), "-p", str(ctx.home)], env=WIDE)
    assert isinstance(res.exception, InputError) and res.exception.exit_code == 4
    assert res.exception.key == "site.backup.not_a_folder" and str(a_file) in str(res.exception)
    for inside in (ctx.home, ctx.home / "dangan.toml", ctx.home / "bk", tmp_path):
        res = runner.invoke(app, ["backup", str(inside), "-p", str(ctx.home)])
        assert isinstance(res.exception, InputError) and res.exception.exit_code == 4, inside
        assert res.exception.key in ("site.backup.inside_home", "site.backup.holds_storage")
    out = tmp_path / "备份"

    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst.name)

    with monkeypatch.context() as m:
        m.setattr(backup, "copy_hashing", full)
        res = runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)], env=WIDE)
    assert isinstance(res.exception, StorageError) and res.exception.exit_code == 11
    assert res.exception.key == "site.backup.write_failed"
    assert str(out / "objects") in str(res.exception) and backup.snapshots(out) == []
    real = backup.copy_hashing
    moved = tmp_path / "备份.off"

    def renamed(src, dst):
        if out.exists():
            out.rename(moved)
        return real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(backup, "copy_hashing", renamed)
        res = runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)], env=WIDE)
    assert isinstance(res.exception, StorageError) and res.exception.exit_code == 11
    assert res.exception.key == "site.backup.folder_gone" and str(out) in str(res.exception)


def test_a_restore_that_cannot_write_is_a_storage_error(project: ProjectContext,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    home = tmp_path / "ro" / "恢复"

    def read_only(path, *a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(Path, "mkdir", read_only)
    res = CliRunner().invoke(app, ["restore", str(out), str(home)], env=WIDE)
    assert isinstance(res.exception, StorageError) and res.exception.exit_code == 11
    assert res.exception.key == "site.restore.write_failed" and str(home.parent) in str(res.exception)
