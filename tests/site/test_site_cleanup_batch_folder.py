"""A work-batch folder whose volume folders cleanup deleted is said to be one (kept: cleanup
deletes volume folders only), not "not a volume folder"; "1 such file" in English."""

from __future__ import annotations

import os
from pathlib import Path

from site_helpers import returned_and_open
from sqlalchemy import select
from test_site_cleanup import _ingested

from dangan.db.models import Volume, WorkBatch
from dangan.i18n import set_language
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup


def _batch_of(ctx: ProjectContext, code: str) -> str:
    with ctx.transaction() as s:
        return str(s.scalar(select(WorkBatch.code).join(
            Volume, Volume.work_batch_id == WorkBatch.id).where(Volume.archive_code == code)))


def test_an_emptied_work_batch_folder_is_named_as_one(project: ProjectContext,
                                                      tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    batch = _batch_of(ctx, done[0])
    root = tmp_path / "扫描站"
    folder = root / batch / done[0]
    folder.mkdir(parents=True)
    for i in (1, 2):
        (folder / f"{i:04d}.jpg").write_bytes(os.urandom(500))
    _ingested(ctx, done[0], folder)
    (root / "杂项").mkdir()
    applied = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert {d.folder: d.reason for d in applied.folders}[f"{batch}/{done[0]}"] == cleanup.DELETED
    assert not folder.exists() and (root / batch).is_dir()
    decisions = {d.folder: d for d in cleanup.plan(ctx, root).folders}
    assert decisions[batch].reason == cleanup.WORK_BATCH and not decisions[batch].goes
    assert decisions["杂项"].reason == cleanup.NOT_A_VOLUME  # any other folder as before
    assert batch in decisions[batch].message() and "工作小批次" in decisions[batch].message()


def test_one_such_file_is_singular_in_english(project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    done, _ = returned_and_open(ctx)
    folder = tmp_path / "扫描站" / "1-1" / done[0]
    folder.mkdir(parents=True)
    (folder / "0001.jpg").write_bytes(os.urandom(500))
    _ingested(ctx, done[0], folder)
    (folder / "0009.jpg").write_bytes(os.urandom(300))  # never stored
    (decision,) = [d for d in cleanup.plan(ctx, tmp_path / "扫描站").folders
                   if d.archive_code == done[0]]
    assert decision.reason == cleanup.NOT_STORED and decision.params["count"] == 1
    set_language("en")
    try:
        said = decision.message()
        assert "1 such file)" in said and "such files" not in said
        (folder / "0010.jpg").write_bytes(os.urandom(300))
        (two,) = [d for d in cleanup.plan(ctx, tmp_path / "扫描站").folders
                  if d.archive_code == done[0]]
        assert "2 such files)" in two.message()
    finally:
        set_language(None)
