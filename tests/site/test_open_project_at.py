"""``open_project_at``: a project opened on the database and storage named by the caller,
never on those of the environment (a site's DANGAN_* settings name the live project)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dangan.services.project import init_project, open_project, open_project_at
from dangan.services.workers import add_worker, list_workers


def test_the_named_database_and_storage_win_over_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = init_project(tmp_path / "live", "court", name="现场")
    copy = tmp_path / "copy"
    shutil.copytree(live.home, copy)  # the same id, its own database and storage
    monkeypatch.setenv("DANGAN_DATABASE_URL", live.database_url)
    monkeypatch.setenv("DANGAN_STORAGE_URL", live.storage.url)
    url = f"sqlite:///{copy / 'dangan.sqlite'}"
    ctx = open_project_at(copy, url, str(copy / "storage"))
    assert (ctx.home, ctx.database_url) == (copy.resolve(), url)
    assert Path(ctx.storage.root) == (copy / "storage").resolve()
    assert ctx.project_uuid == live.project_uuid and not ctx.read_only
    add_worker(ctx, "副本", ["scan_operator"])
    assert [w.name for w in list_workers(open_project(live.home), None)] == []


def test_a_missing_database_file_is_named(tmp_path: Path) -> None:
    from dangan.errors import StorageError

    home = init_project(tmp_path / "p", "court", name="甲").home
    missing = tmp_path / "无此库.sqlite"
    with pytest.raises(StorageError) as err:
        open_project_at(home, f"sqlite:///{missing}", str(home / "storage"))
    assert err.value.key == "project.db_missing" and not missing.exists()
