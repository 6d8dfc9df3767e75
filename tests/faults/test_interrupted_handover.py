"""``handover build`` killed (SIGKILL) midway leaves its temporary beside the bag; the rerun
removes it (no live run owns it), builds the bag once, and a repeated request for the same
delivery is recognised as done. A temporary held by a live run is never removed. On SQLite
and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from dangan.errors import ConflictError
from dangan.services import indexing
from dangan.services.delivery import handover, packaging
from dangan.services.project import ProjectContext
from faults.support import dangan, env_for
from indexing.dangan_index_fixtures import add_volume, write_catalogue
from workflow.helpers import actor

CODE = "1997-民-0014-0025"


@pytest.fixture
def packaged(any_project: ProjectContext, tmp_path: Path) -> ProjectContext:
    add_volume(any_project, CODE, 4, size=(400, 566))
    path = write_catalogue(
        tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1997", "永久", 2, 4]],
        [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "法院", "民事判决书", "19970630", "3", ""]])
    who = actor(any_project, "钱标", "indexer", "uploader")
    indexing.import_catalogue(any_project, who, [path])
    packaging.package(any_project, who, "pdf")
    return any_project


def _temporaries(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.tmp-"))


@pytest.mark.parametrize("point", ["handover.first_temporary", "handover.bagged"])
def test_handover_killed_midway_then_rerun(packaged: ProjectContext, tmp_path: Path,
                                           point: str) -> None:
    ctx = packaged
    out = tmp_path / "delivery" / "out.bag"
    args = ("handover", "build", str(out), "-p", str(ctx.home))
    killed = subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                            capture_output=True, text=True, timeout=300,
                            env=env_for(ctx) | {"DANGAN_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert not out.exists() and len(_temporaries(out)) == 1  # what the kill left

    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _temporaries(out) == []
    bagit.Bag(str(out)).validate()
    assert (out / "data" / "files" / "pdf" / CODE / f"{CODE}-002.pdf").is_file()

    repeated = dangan(ctx, *args)  # the same request: recognised as done, nothing written
    assert repeated.returncode == 0, repeated.stdout + repeated.stderr
    assert "already the handover bag" in " ".join(repeated.stdout.split())
    result = handover.build_handover(ctx, out)
    assert result.already and result.files == 2
    assert _temporaries(out) == []
    bagit.Bag(str(out)).validate()


def test_a_live_runs_temporary_is_kept(packaged: ProjectContext, tmp_path: Path) -> None:
    out = tmp_path / "out.bag"
    live = tmp_path / f".{out.name}.tmp-live0001"
    live.mkdir()
    (live / "part").write_bytes(b"x")
    fd = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held as a running handover holds its own
        result = handover.build_handover(packaged, out)
    finally:
        os.close(fd)
    assert not result.already and live.is_dir() and (live / "part").is_file()
    bagit.Bag(str(out)).validate()


def test_a_different_bag_at_the_path_is_refused(packaged: ProjectContext, tmp_path: Path) -> None:
    out = tmp_path / "out.bag"
    out.mkdir()
    (out / "bag-info.txt").write_text("Bag-Count: 1 of 1\n", encoding="utf-8")
    with pytest.raises(ConflictError) as refused:
        handover.build_handover(packaged, out)
    assert refused.value.key == "handover.exists"
