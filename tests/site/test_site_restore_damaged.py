"""A backup folder with a damaged object: the restore refuses by default; ``--skip-damaged``
restores the database and every sound file, writes no damaged one, names each and exits 8.
A snapshot taken while a live file was damaged restores the earlier sound copy and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_helpers import returned_and_open
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import StoredFile
from dangan.errors import IntegrityError
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup
from dangan.storage.checksum import sha256_file

WIDE = {"COLUMNS": "400"}


def _files(ctx: ProjectContext) -> list[tuple[str, str]]:
    with ctx.transaction() as s:
        return [(p, h) for p, h in s.execute(
            select(StoredFile.path, StoredFile.sha256).order_by(StoredFile.path))]


def _backed_up(project: ProjectContext, out: Path) -> list[tuple[str, str]]:
    returned_and_open(project)
    assert backup.backup(project, out).failed_verification == []
    return _files(project)


@pytest.mark.parametrize("damage", ["truncated", "flipped", "deleted"])
def test_skip_damaged_restores_all_else_and_names_the_damaged(
        project: ProjectContext, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "备份"
    files = _backed_up(project, out)
    bad_path, bad_sha = files[1]
    obj = backup.object_path(out, bad_sha)
    data = obj.read_bytes()
    if damage == "truncated":
        obj.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # same size: found only while copied
        obj.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        obj.unlink()
    key = "site.restore.object_damaged" if damage == "flipped" else (
        "site.restore.objects_damaged" if damage == "truncated" else "site.restore.objects_missing")
    # the default still refuses, writing nothing
    with pytest.raises(IntegrityError) as refused:
        backup.restore(out, tmp_path / "拒绝")
    assert refused.value.key == key
    assert not (tmp_path / "拒绝").exists()
    # the explicit way: the database and every sound file, the damaged one named
    result = backup.restore(out, tmp_path / "恢复", skip_damaged=True)
    rel = str(obj.relative_to(out))
    assert result.skipped == ((bad_path, rel),)
    assert result.files == len(files) - 1
    restored = open_project(result.home)
    assert not Path(restored.storage.path(bad_path)).exists()  # no damaged file written
    for path, sha in files:
        if path != bad_path:
            assert sha256_file(restored.storage.path(path)) == sha
    with pytest.raises(IntegrityError) as fx:
        fixity(restored)
    assert f"缺失：{bad_path}" in fx.value.details
    assert len(fx.value.details) == 1
    # the command: exit 8, each left-out file named; the JSON lists it too
    r = dangan("restore", str(out), str(tmp_path / "命令"), "--skip-damaged", env=WIDE)
    assert r.returncode == 8, r.stderr
    assert f"{rel}（存储文件 {bad_path}）" in r.stderr
    assert (tmp_path / "命令" / "dangan.toml").is_file()
    js = dangan("restore", str(out), str(tmp_path / "json"), "--skip-damaged", "--json")
    assert js.returncode == 8, js.stderr
    assert json.loads(js.stdout)["skipped_damaged"] == [{"path": bad_path, "object": rel}]


def test_skip_damaged_with_an_older_snapshot_sharing_the_object(
        project: ProjectContext, tmp_path: Path) -> None:
    out = tmp_path / "备份"
    files = _backed_up(project, out)
    first = backup.snapshots(out)[0]
    assert backup.backup(project, out).failed_verification == []
    obj = backup.object_path(out, files[0][1])
    obj.write_bytes(obj.read_bytes()[:10])
    with pytest.raises(IntegrityError) as refused:
        backup.restore(out, tmp_path / "拒绝", snapshot=first)
    assert refused.value.key == "site.restore.objects_damaged"
    result = backup.restore(out, tmp_path / "恢复", snapshot=first, skip_damaged=True)
    assert [p for p, _o in result.skipped] == [files[0][0]]


def test_a_snapshot_taken_while_a_live_file_was_damaged_names_it_on_restore(
        project: ProjectContext, tmp_path: Path) -> None:
    out = tmp_path / "备份"
    files = _backed_up(project, out)
    rotten, sha = files[0]
    gone = files[1][0]
    stored = Path(project.storage.path(rotten))
    data = bytearray(stored.read_bytes())
    data[100] ^= 0xFF
    stored.write_bytes(bytes(data))
    Path(project.storage.path(gone)).unlink()
    taken = backup.backup(project, out)
    assert (taken.damaged, taken.missing) == ([rotten], [gone])
    result = backup.restore(out, tmp_path / "恢复")
    assert result.earlier_copy == tuple(sorted([rotten, gone]))
    assert result.not_backed_up == ()
    restored = open_project(result.home)
    assert sha256_file(restored.storage.path(rotten)) == sha  # the earlier sound copy
    fixity(restored)
    r = dangan("--lang", "en", "restore", str(out), str(tmp_path / "命令"), env=WIDE)
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    assert "2 file(s) were damaged or missing in the storage when the backup ran" in flat
    assert rotten in r.stdout and gone in r.stdout
    js = dangan("restore", str(out), str(tmp_path / "json"), "--json")
    assert json.loads(js.stdout)["earlier_copy"] == sorted([rotten, gone])
