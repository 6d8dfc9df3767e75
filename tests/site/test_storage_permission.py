"""Storage this user may not read (permission denied) is said as such — never as files
missing from the storage nor as an unmounted NAS share — and exits 11."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from site_helpers import store_files

from dangan.errors import StorageError
from dangan.services.project import ProjectContext
from dangan.storage import Area, Storage
from workflow.helpers import add_volumes


@contextmanager
def _denied(below: str) -> Iterator[None]:
    """``os.stat`` and ``open`` refuse every path below ``below`` as a user without the
    permission would (root reads everything: chmod alone does not show it)."""
    real_stat: Callable[..., os.stat_result] = os.stat
    real_open = open

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).startswith(below + "/"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    def opener(path: object, *args: object, **kwargs: object) -> object:
        if str(path).startswith(below + "/"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "stat", stat)
        mp.setattr("builtins.open", opener)
        yield


def test_a_file_below_an_unreadable_folder_is_unreadable_not_missing(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path), existing=True)
    storage.create_areas()
    rel = f"{Area.RETOUCHED.value}/卷/0001.jpg"
    storage.write_bytes(rel, b"page")
    folder = storage.path(f"{Area.RETOUCHED.value}/卷")
    with _denied(folder):
        with pytest.raises(StorageError) as seen:
            storage.exists(rel)
        assert seen.value.key == "storage.permission_denied" and seen.value.exit_code == 11
        assert seen.value.message.startswith(f"无法读取（权限不足）：{storage.path(rel)}")
        with pytest.raises(StorageError) as read:
            storage.open(rel)
        assert read.value.key == "storage.permission_denied"
        assert storage.exists(f"{Area.SCANNED.value}/卷/0001.jpg") is False  # really absent


def test_an_unreadable_root_is_not_an_unmounted_share(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "root"), existing=True)
    storage.create_areas()
    # the root's stage folders cannot be looked at
    with _denied(storage.root), pytest.raises(StorageError) as seen:
        storage.require_root()
    assert seen.value.key == "storage.permission_denied"  # was storage.root_empty
    assert seen.value.params["path"] == storage.root
    # the root itself cannot be looked at
    with _denied(str(tmp_path)), pytest.raises(StorageError) as gone:
        storage.require_root()
    assert gone.value.key == "storage.permission_denied"  # was storage.root_missing
    shutil.rmtree(storage.root)
    with pytest.raises(StorageError) as missing:
        storage.require_root()
    assert missing.value.key == "storage.root_missing"


def _without_root_privilege() -> list[str]:
    """The command prefix that makes this process subject to file permissions: as root,
    ``setpriv`` dropping the capabilities that ignore them; as another user, nothing."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv: file permissions cannot be applied")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


def _dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["COLUMNS"] = "400"
    return subprocess.run([*_without_root_privilege(), sys.executable, "-m", "dangan", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_fixity_and_status_name_the_unreadable_folder_and_exit_11(project: ProjectContext) -> None:
    ctx = project
    (code,) = add_volumes(ctx, 1)
    rel, _ = store_files(ctx, code)
    folder = Path(ctx.storage.path(rel)).parent
    folder.chmod(0)
    try:
        fx = _dangan("fixity", "-p", str(ctx.home))
        assert fx.returncode == 11, fx.stdout + fx.stderr  # was 8: "… 缺失"
        flat = "".join(fx.stderr.split())
        assert "无法读取（权限不足）：" in flat and str(folder) in flat, fx.stderr
        assert "缺失" not in fx.stdout + fx.stderr
    finally:
        folder.chmod(0o755)
    root = Path(ctx.storage.root)
    root.chmod(0)
    try:
        st = _dangan("status", "-p", str(ctx.home))
        assert st.returncode == 11, st.stdout + st.stderr
        flat = "".join(st.stderr.split())
        assert f"无法读取（权限不足）：{root}" in flat and "未挂载" not in flat, st.stderr
    finally:
        root.chmod(0o755)
