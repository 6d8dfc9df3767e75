"""A storage root that is not there — a NAS share not mounted — is refused with exit 11 and
its path, never recreated on the local disk; only ``dangan init`` creates a root."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from dangan.errors import StorageError
from dangan.services.project import init_project, open_project
from dangan.storage import Area, Storage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cli.runner import dangan


@pytest.fixture
def nas_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A project whose storage is a share below a mount point, created by init."""
    share = tmp_path / "mnt" / "nas" / "dangan-项目"
    home = tmp_path / "proj"
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(share))
    init_project(home, "court", name="测试项目")
    assert all((share / a.value).is_dir() for a in Area)  # init creates the root
    return home, share


def _unmount(share: Path) -> Path:
    """What a share looks like when the NAS is not mounted: its folder is gone."""
    away = share.parent.parent / "elsewhere"
    share.rename(away)
    return away


@pytest.mark.parametrize("args", [
    ["status"], ["progress"], ["fixity"], ["db", "upgrade"], ["package", "-w", "钱标"],
    ["retouch", "--project"],
])
def test_commands_refuse_a_missing_root(nas_project: tuple[Path, Path],
                                        args: list[str]) -> None:
    home, share = nas_project
    _unmount(share)
    cmd = [*args, str(home)] if args[-1] == "--project" else [*args, "-p", str(home)]
    done = dangan(*cmd, env={"DANGAN_STORAGE_URL": str(share), "DANGAN_LANG": "en"})
    assert done.returncode == 11, (cmd, done.stdout, done.stderr)
    said = done.stdout + done.stderr
    assert str(share) in said.replace("\n", "") or share.name in said, said
    assert "does not exist" in said and "NAS" in said, said
    assert not share.exists()  # nothing recreated on the local disk


def test_an_empty_mount_point_is_refused(nas_project: tuple[Path, Path]) -> None:
    home, share = nas_project
    _unmount(share)
    share.mkdir()  # the mount point's own, empty folder
    done = dangan("status", "-p", str(home), env={"DANGAN_STORAGE_URL": str(share)})
    assert done.returncode == 11, done.stdout + done.stderr
    assert "存储根目录" in done.stdout + done.stderr
    assert list(share.iterdir()) == []


def test_service_layer_and_writes_refuse(nas_project: tuple[Path, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    home, share = nas_project
    ctx = open_project(home)
    away = _unmount(share)
    with pytest.raises(StorageError) as err:
        open_project(home)
    assert err.value.key == "storage.root_missing" and err.value.exit_code == 11
    assert err.value.params["path"] == str(share)
    with pytest.raises(StorageError) as err:
        open_project(home, upgrade=True)
    assert err.value.key == "storage.root_missing"
    # unmounted while a command runs: a write is refused, not made on the local disk
    for write in (lambda: ctx.storage.write_bytes(f"{Area.RETOUCHED.value}/x/0001.jpg", b"x"),
                  lambda: ctx.storage.write_batch([(f"{Area.UPLOADED.value}/x/a.pdf", b"x",
                                                    None)])):
        with pytest.raises(StorageError) as err:
            write()
        assert err.value.key == "storage.root_missing"
    assert not share.exists()
    away.rename(share)  # mounted again: everything works
    assert open_project(home).storage.write_bytes(f"{Area.RETOUCHED.value}/x/0001.jpg", b"x")


def test_init_creates_a_missing_root(tmp_path: Path) -> None:
    share = tmp_path / "new" / "share"
    done = dangan("init", "-p", str(tmp_path / "p"), env={"DANGAN_STORAGE_URL": str(share)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (share / Area.SCANNED.value).is_dir()


def test_other_fsspec_stores_are_not_checked_as_local_paths() -> None:
    Storage("memory://dangan-root-check").require_root()  # no error: not a local path
    assert not os.path.isdir("/dangan-root-check")
