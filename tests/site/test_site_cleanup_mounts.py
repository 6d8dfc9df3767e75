"""The storage reached through a second mount with another device number: one filesystem
mounted twice (two loop devices over one image: the real case, run when this machine lets
the test mount), and one network share mounted twice (read from the kernel's mountinfo: the
parsing on recorded lines, the refusal with the mounts the kernel would list)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import returned_and_open
from test_site_cleanup import _reasons, _station
from test_site_cleanup_trial import _masters
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.errors import InputError
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, dispose_engines, init_project
from dangan.services.site import cleanup, mounts, storage_guard
from dangan.storage import Area

RECORDED = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684096k
31 27 0:40 / /srv/nas rw,relatime - cifs //NAS01/Archive rw,vers=3.1.1,cache=strict
32 27 0:41 / /mnt/nas\040backup rw,relatime - cifs //nas01/archive/项目 ro,vers=3.0
33 27 0:42 / /mnt/export rw,relatime - nfs4 nas02:/export rw,vers=4.2
34 27 0:43 / /scans/archive rw,relatime - nfs4 nas02:/export/archive rw,vers=4.2
35 27 0:44 / /tmp rw,relatime - tmpfs tmpfs rw
36 27 8:1 /data/scans /scans/local rw,relatime - ext4 /dev/sda1 rw
"""


def test_mountinfo_lines_name_each_mount_s_source_and_place() -> None:
    found = mounts.parse_mountinfo(RECORDED + "broken line\n")
    assert len(found) == 8
    by_point = {m.mount_point: m for m in found}
    assert by_point["/mnt/nas backup"].source == "//nas01/archive/项目"  # \040 is a space
    assert by_point["/scans/local"].root == "/data/scans"
    assert mounts.mount_of("/srv/nas/storage/已扫描", found) == by_point["/srv/nas"]
    assert mounts.mount_of("/srv/nasty", found) is None  # no "/" line was recorded


def test_one_share_mounted_twice_is_one_place() -> None:
    found = mounts.parse_mountinfo(RECORDED)

    def place(path: str) -> mounts.SharePlace | None:
        return mounts.share_place(path, found)

    storage = place("/srv/nas/项目/storage")
    assert storage is not None and storage.server == "smb://nas01"
    # the same SMB share by another mount (other case, other options, a sub-folder mounted)
    assert place("/mnt/nas backup/storage/已扫描").nests(storage)  # type: ignore[union-attr]
    assert not place("/mnt/nas backup/scans").nests(storage)  # type: ignore[union-attr]
    # an NFS export and a folder of it mounted on its own
    export = place("/mnt/export/archive/storage")
    assert place("/scans/archive/storage/已修图").nests(export)  # type: ignore[union-attr]
    assert not place("/scans/archive/station").nests(export)  # type: ignore[union-attr]
    # local filesystems and tmpfs are not shares (their second mount keeps its device number)
    assert place("/tmp/x") is None and place("/scans/local/x") is None


def test_a_scan_root_on_the_storage_s_share_is_refused(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel lists the storage's folder and the scan root as two mounts of one SMB
    share (here given to the check as mountinfo lines naming this test's folders)."""
    ctx = project
    done, _ = returned_and_open(ctx)
    storage = Path(ctx.storage.root)
    station = _station(tmp_path / "扫描站", done[:1], ctx)
    second = tmp_path / "second"  # where the share is mounted a second time
    shutil.copytree(storage, second / storage.name)
    esc = lambda p: str(p).replace(" ", "\\040")  # noqa: E731
    lines = (f"40 27 0:50 / {esc(storage.parent)} rw - cifs //nas/archive rw\n"
             f"41 27 0:51 / {esc(second)} rw - cifs //NAS/Archive rw\n")
    monkeypatch.setattr(storage_guard, "read_mounts", lambda: mounts.parse_mountinfo(lines))
    for root in (second / storage.name / Area.SCANNED.value, second):
        with pytest.raises(InputError) as err:
            cleanup.plan(ctx, root)
        assert err.value.key == "site.cleanup.same_share" and err.value.exit_code == 4
        assert err.value.params["source"] == "//NAS/Archive"
    out = CliRunner().invoke(app, ["cleanup", str(second), "-p", str(ctx.home), "--apply",
                                   "-w", "张扫"])
    assert isinstance(out.exception, InputError) and out.exception.exit_code == 4, out.output
    assert out.exception.key == "site.cleanup.same_share"
    assert (second / storage.name / Area.SCANNED.value).exists()
    # a station on its own disk is not on the share: decided on as always
    assert _reasons(cleanup.plan(ctx, station))[f"1-1/{done[0]}"] == cleanup.DELETABLE


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def one_filesystem_twice(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """An ext4 image mounted read-write at ``a``; ``b`` is filled in by the test (the second
    mount, another loop device, another device number). Skipped where mounting is not
    permitted."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4") or not shutil.which("losetup"):
        pytest.skip("mounting a second view of a filesystem needs root, mkfs.ext4 and losetup")
    image, a, b = tmp_path / "nas.img", tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(64 << 20)
    _run("mkfs.ext4", "-q", str(image))
    devices: list[str] = []
    try:
        devices.append(_run("losetup", "-f", "--show", str(image)))
        _run("mount", devices[0], str(a))
    except (subprocess.CalledProcessError, OSError) as exc:
        for dev in devices:
            subprocess.run(["losetup", "-d", dev], check=False)
        pytest.skip(f"this machine does not let the test mount a loop device: {exc}")
    try:
        yield a, b
    finally:
        dispose_engines()
        for point in (b, a):
            subprocess.run(["umount", str(point)], check=False, capture_output=True)
        for dev in devices + [d for d in _loops(image) if d not in devices]:
            subprocess.run(["losetup", "-d", dev], check=False)


def _loops(image: Path) -> list[str]:
    out = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True).stdout
    return [line.split(":", 1)[0] for line in out.splitlines() if line]


def test_the_storage_through_a_second_device_number_is_refused(
        one_filesystem_twice: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The storage lives on one filesystem, mounted a second time through another loop
    device: every file shows another st_dev there, the same inode, size and mtime. A scan
    root given inside that second view is refused before anything is decided on."""
    a, b = one_filesystem_twice
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(a / "storage"))
    ctx = init_project(tmp_path / "proj2", "court", name="两次挂载")
    done, _ = returned_and_open(ctx)
    station = _station(tmp_path / "扫描站", done[:1], ctx)
    os.sync()
    _run("mount", "-o", "remount,ro", str(a))
    second = _run("losetup", "-f", "--show", "-r", str(tmp_path / "nas.img"))
    _run("mount", "-o", "ro", second, str(b))
    master = _masters(ctx, done[0])["0001.jpg"]
    alias = b / master.relative_to(a)
    assert os.stat(master).st_dev != os.stat(alias).st_dev
    assert os.stat(master).st_ino == os.stat(alias).st_ino

    root = b / "storage" / Area.SCANNED.value
    with pytest.raises(InputError) as err:
        cleanup.plan(ctx, root)
    assert err.value.key == "site.cleanup.storage_same_file" and err.value.exit_code == 4
    assert err.value.params["path"] == alias and err.value.params["stored"] == str(master)
    out = CliRunner().invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply",
                                   "-w", "张扫"])
    assert isinstance(out.exception, InputError) and out.exception.exit_code == 4, out.output
    assert out.exception.key == "site.cleanup.storage_same_file"
    # the station's own copy is no alias: it goes, checked against the read-only storage
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), station)
    assert _reasons(report)[f"1-1/{done[0]}"] == cleanup.DELETED
    assert master.exists()
