"""``dangan backup`` killed (SIGKILL) around its snapshot's rename: no snapshot folder ever
appears under its real name without its completion marker, and a restore never takes an
unmarked one. A folder an earlier release left that way (renamed into place, killed before
its marker) is removed by the next backup; a snapshot of the format before the marker
(format 1) is kept, taken only when named."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from site_helpers import FILES, returned_and_open
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.errors import IntegrityError, NotFoundError
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup
from dangan.storage.atomic import TMP_PREFIX
from faults.support import dangan, env_for


def _folders(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "snapshots").iterdir())


@pytest.mark.parametrize("point", ["backup.marked", "backup.renamed"])
def test_backup_killed_at_its_rename_leaves_no_unmarked_snapshot(
        project: ProjectContext, tmp_path: Path, point: str) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    args = ("backup", str(out), "-p", str(ctx.home))
    killed = subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                            capture_output=True, text=True, timeout=300,
                            env=env_for(ctx) | {"DANGAN_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    (left,) = _folders(out)
    if point == "backup.marked":  # killed before the rename: only the unfinished folder
        assert left.startswith(TMP_PREFIX) and backup.snapshots(out) == []
        with pytest.raises(NotFoundError) as err:
            backup.restore(out, tmp_path / "恢复")
        assert err.value.key == "site.restore.no_snapshot" and err.value.exit_code == 5
    else:  # killed right after it: the snapshot is whole, marker included
        assert backup.snapshots(out) == [left]
        assert (out / "snapshots" / left / backup.COMPLETE).is_file()
        assert backup.restore(out, tmp_path / "恢复").snapshot == left
    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(not n.startswith(TMP_PREFIX) for n in _folders(out))
    assert _folders(out) == backup.snapshots(out)


def test_a_snapshot_renamed_but_never_marked_is_removed_and_never_restored(
        project: ProjectContext, tmp_path: Path) -> None:
    """What an earlier release left when killed between the rename and the marker: a
    snapshot folder of format 2 under its real name without ``complete.json``."""
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    snap = backup.backup(ctx, out).snapshot
    (snap / backup.COMPLETE).unlink()  # as the old order left it
    assert json.loads((snap / backup.MANIFEST).read_text("utf-8"))["format"] == backup.FORMAT

    runner = CliRunner()
    plain = runner.invoke(app, ["restore", str(out), str(tmp_path / "a")])
    assert isinstance(plain.exception, NotFoundError), plain.output
    # named, as never restored (not offered as an older release's snapshot to name)
    assert plain.exception.key == "site.restore.only_unfinished"
    assert plain.exception.exit_code == 5 and snap.name in plain.exception.message
    named = runner.invoke(app, ["restore", str(out), str(tmp_path / "b"), "--snapshot", snap.name])
    assert isinstance(named.exception, IntegrityError), named.output
    assert named.exception.key == "site.restore.snapshot_unfinished"
    assert named.exception.exit_code == 8
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

    # a format-1 snapshot (before the marker existed) is an older release's: it stays
    legacy = snap.with_name("20200101T000000000000Z")
    shutil.copytree(snap, legacy)
    manifest = json.loads((legacy / backup.MANIFEST).read_text("utf-8"))
    manifest["format"] = 1
    (legacy / backup.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    unreadable = snap.with_name("20200102T000000000000Z")  # no manifest to tell: left alone
    unreadable.mkdir()

    newer = backup.backup(ctx, out).snapshot
    assert not snap.exists()  # the next backup removed it
    assert legacy.exists() and unreadable.exists()
    assert backup.snapshots(out) == [newer.name]
    restored = backup.restore(out, tmp_path / "c")
    assert restored.snapshot == newer.name and fixity(open_project(restored.home)).checked == FILES
