"""``fixity`` counts the stored files that differ or are missing apart from the work left
unfinished: an ingest stopped before its tracking sheet is named as unfinished, not counted
as a bad file ("校验 4 个文件，1 个不一致或缺失" while all four matched)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import IntegrityError
from dangan.export.tracking_sheet import sheet_rel
from dangan.samples import generate_set
from dangan.services.fixity import fixity
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext
from workflow.helpers import actor, line_to, register_set


def test_an_unfinished_ingest_is_no_bad_file(any_project: ProjectContext,
                                             tmp_path: Path) -> None:
    ctx = any_project
    src = tmp_path / "gen"
    truth = generate_set(src, 2, seed=800_433, pages=(2, 2), p_blank=0.0, p_duplicate=0.0)
    root = tmp_path / "scan"
    shutil.copytree(src, root)
    register_set(ctx, truth)
    line_to(ctx, wf.SCAN)
    ingest(ctx, actor(ctx, "张扫"), root, workers=1)
    with ctx.transaction() as s:
        folders = dict(s.execute(select(Volume.archive_code, Volume.folder_name)).all())
        pages = sorted(s.scalars(select(StoredFile.path)))
    codes = sorted(folders)
    assert fixity(ctx).checked == len(pages) == 4
    # A run stopped after the sign-off, before the sheet of the first volume was written.
    ctx.storage.fs.rm(ctx.storage.path(sheet_rel(str(folders[codes[0]]), codes[0])))

    with pytest.raises(IntegrityError) as err:
        fixity(ctx)
    assert err.value.key == "intake.fixity.unfinished" and err.value.exit_code == 8
    assert (err.value.params["count"], err.value.params["bad"],
            err.value.params["unfinished"]) == (4, 0, 1)
    assert err.value.message.startswith("校验 4 个文件，全部一致；另有 1 项工作中途停止")
    assert len(err.value.details) == 1 and codes[0] in err.value.details[0]
    assert "入库未完成" in err.value.details[0]

    changed = next(p for p in pages if f"/{folders[codes[1]]}/" in p)
    Path(ctx.storage.path(changed)).write_bytes(b"overwritten on the NAS")
    with pytest.raises(IntegrityError) as err:
        fixity(ctx)
    assert err.value.key == "intake.fixity.bad"
    assert (err.value.params["bad"], err.value.params["unfinished"]) == (1, 1)
    assert err.value.message == "校验 4 个文件，1 个不一致或缺失"
    assert [d for d in err.value.details if changed in d] and \
        [d for d in err.value.details if codes[0] in d and "入库未完成" in d]
