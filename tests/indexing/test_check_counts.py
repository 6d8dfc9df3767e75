"""``index check`` and ``link check`` on the whole project: every volume at or past 标引 is
checked (one with no catalogue at all too), and the summary says how much was checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dangan_index_fixtures import add_volume, write_catalogue

from dangan.db.models import Volume
from dangan.services import indexing
from dangan.services.delivery import packaging
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
EMPTY = "1997-民-0014-0026"
EARLY = "1997-民-0014-0027"


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def _project(project: Any, tmp_path: Path) -> Any:
    add_volume(project, CODE, 3, size=(400, 566))
    add_volume(project, EMPTY, 2, size=(400, 566))  # at 标引, no catalogue at all
    add_volume(project, EARLY, 2, size=(400, 566))
    with project.transaction() as session:
        session.query(Volume).filter(Volume.archive_code == EARLY).one().stage = "retouch"
    path = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "案卷", "", "", 2, 3]],
                           [[CODE, 1, "", "a", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "b", "判决书", "1997", "2", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    return project


def test_whole_project_index_check_covers_a_volume_with_no_catalogue(project: Any, tmp_path: Path) -> None:
    home = str(_project(project, tmp_path).home)
    r = dangan("index", "check", "-p", home)
    assert r.returncode == 9, r.stdout + r.stderr
    assert EMPTY in r.stdout and "catalogue_empty" in r.stdout
    assert "已检查 2 卷" in r.stdout and "(1)" not in r.stdout and " - " not in r.stdout
    found = json.loads(dangan("index", "check", "-p", home, "--json").stdout)
    assert [(d["volume"], d["code"]) for d in found] == [(EMPTY, "catalogue_empty")]
    r = dangan("index", "check", "-p", home, "--volume", CODE)
    assert r.returncode == 0 and "已检查 1 卷，未发现错误" in r.stdout, r.stdout + r.stderr
    defects, checked = indexing.check_index_counted(project)
    assert checked == 2 and [d.code for d in defects] == ["catalogue_empty"]


def test_link_check_says_how_many_volumes_and_files_it_checked(project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 3, size=(400, 566))
    path = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "案卷", "", "", 2, 3]],
                           [[CODE, 1, "", "a", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "b", "判决书", "1997", "2", ""]])
    who = actor(project, "钱标", "indexer", "uploader")
    indexing.import_catalogue(project, who, [path])
    packaging.package(project, who, "pdf")
    r = dangan("link", "check", "-p", str(project.home), "--form", "pdf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "挂接检查：已检查 1 卷、2 个交付文件（pdf），0 处错误" in r.stdout


def test_link_check_and_handover_do_not_skip_a_volume_without_catalogue(project: Any, tmp_path: Path) -> None:
    from dangan.errors import DefectsFound
    from dangan.services.delivery import handover, linking

    _project(project, tmp_path)
    packaging.package(project, actor(project, "钱标"), "pdf")
    check = linking.check_links_counted(project)
    assert check.volumes == 2 and check.files == 2
    assert [(d.volume, d.code) for d in check.defects] == [(EMPTY, "catalogue_empty")]
    try:
        handover.build_handover(project, tmp_path / "out.bag")
    except DefectsFound as exc:
        assert exc.key == "handover.refused" and any(EMPTY in d for d in exc.details)
    else:
        raise AssertionError("handed over without the volume that has no catalogue")
    assert not (tmp_path / "out.bag").exists()
