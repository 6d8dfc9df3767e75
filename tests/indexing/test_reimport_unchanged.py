"""``dangan index import`` of a catalogue already imported exactly so: "unchanged", exit 0,
nothing written (no second backup, no event); a changed one is still refused (exit 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dangan_index_fixtures import add_volume, write_catalogue
from sqlalchemy import func, select

from dangan.db.models import ImportLog, StageEvent
from dangan.domain import workflow as wf
from dangan.services.workers import add_worker

CODE = "1997-民-0014-0025"


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def _catalogue(path: Path, title: str = "判决书") -> Path:
    return write_catalogue(path, [[CODE, "案卷", "", "", 2, 3]],
                           [[CODE, 1, "", "a", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "b", title, "1997", "2", ""]])


def _counts(project: Any) -> tuple[int, int]:
    with project.transaction() as s:
        return (s.scalar(select(func.count()).select_from(ImportLog)) or 0,
                s.scalar(select(func.count()).select_from(StageEvent)
                         .where(StageEvent.kind == wf.EVENT_CATALOGUE)) or 0)


def test_the_same_catalogue_again_is_unchanged_and_exits_0(project: Any, tmp_path: Path) -> None:
    home = str(project.home)
    add_volume(project, CODE, 3, size=(400, 566))
    add_worker(project, "钱标", ["indexer", "uploader"])
    first = _catalogue(tmp_path / "目录.xlsx")
    r = dangan("index", "import", str(first), "-p", home, "-w", "钱标")
    assert r.returncode == 0, r.stdout + r.stderr
    before = _counts(project)
    assert before == (1, 1)
    r = dangan("index", "import", str(first), "-p", home, "-w", "钱标")
    assert r.returncode == 0, r.stdout + r.stderr
    out = "".join(r.stdout.split())  # the console folds long lines
    assert "完全相同，未改动：" in out and "unchanged" not in out and CODE in out and "导入完成" not in out
    assert _counts(project) == before
    r = dangan("index", "import", str(_catalogue(tmp_path / "改.xlsx", "民事判决书")), "-p", home,
               "-w", "钱标")
    assert r.returncode == 6 and "--replace" in r.stderr, r.stdout + r.stderr
    assert _counts(project) == before
