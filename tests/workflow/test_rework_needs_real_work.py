"""A rework is signed done only once its stage's work on the volume was really done again
(``rework.no_new_output.<stage>``): a scan rework only when the stored masters in 已扫描
changed — renumbering the scan station's copy of an ingested volume changes nothing stored —
and an index rework only when the volume's catalogue changed (an import identical to what is
recorded is no change)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import Rework, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import intake, qc, rework
from dangan.services.engine import resolve_actor
from dangan.services.ingest_markers import RECEIPT
from dangan.services.project import ProjectContext
from faults.support import env_for
from workflow.helpers import (
    add_volumes,
    claimed_for_retouch,
    line_to,
    recatalogue,
    volume_codes,
)


def _masters(ctx: ProjectContext, code: str) -> dict[str, str]:
    with ctx.transaction() as session:
        return dict(session.execute(select(StoredFile.path, StoredFile.sha256).join(
            Volume, Volume.id == StoredFile.volume_id).where(
            Volume.archive_code == code, StoredFile.area == "scanned",
            StoredFile.kind == "page")).all())


def _cli(ctx: ProjectContext, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in env_for(ctx).items() if k not in ("COLUMNS", "LINES")}
    env["COLUMNS"] = "400"
    return subprocess.run([sys.executable, "-m", "dangan", *args, "-p", str(ctx.home)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_scan_rework_is_not_done_by_renumbering_the_scan_station_folder(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx, _retoucher = claimed_for_retouch(project, tmp_path, 1, 3, seed=800_431)
    (code,) = _codes(ctx)
    (folder,) = [p.parent for p in (tmp_path / "扫描工作站").rglob(RECEIPT)]
    stored = _masters(ctx, code)
    wrong = qc.record_defect(ctx, resolve_actor(ctx, "郑经理"), code, "wrong_order", page_no=2)
    assert wrong.responsible == "张扫" and wrong.rework_id is not None
    # the trial's steps: page 2 taken out of the scan station's copy and put back after page 2
    page2 = sorted(p for p in folder.iterdir() if p.suffix == ".jpg")[1]
    kept = shutil.copy(page2, tmp_path / "page2.jpg")
    for args in (["--remove", page2.name], [str(kept), "--insert-after", "2"]):
        moved = _cli(ctx, "renumber", str(folder), *args, "--force", "-w", "张扫")
        assert moved.returncode == 0, moved.stdout + moved.stderr
    refused = _cli(ctx, "rework", "done", str(wrong.rework_id), "-w", "张扫")
    assert refused.returncode == StateError.exit_code, refused.stdout + refused.stderr
    said = " ".join((refused.stdout + refused.stderr).split())
    assert f"返工 #{wrong.rework_id} 不能签字：{code}" in said
    assert "dangan renumber 只改扫描工作站上的文件夹，不改已入库的页" in said
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), wrong.rework_id)
    assert err.value.key == "rework.no_new_output.scan"
    assert _masters(ctx, code) == stored  # the stored pages are as they were
    with ctx.transaction() as session:
        item = session.get(Rework, wrong.rework_id)
        assert item is not None and item.status == "open"
    # ingest takes no changed folder over the stored masters (refused by the check, or
    # named as a conflict with them): an ingested volume's scan rework cannot be done yet
    (again,) = intake.ingest(ctx, resolve_actor(ctx, "张扫"), folder.parent).volumes
    assert again.state in ("refused", "conflict"), again.message
    assert _masters(ctx, code) == stored
    # a sorting rework (编页码错) is redone in the stored pages too: the paper numbered again
    # and rescanned into 已扫描
    numbered = qc.record_defect(ctx, resolve_actor(ctx, "郑经理"), code, "pagination",
                                page_no=3)
    assert numbered.responsible == "李整" and numbered.rework_id is not None
    with pytest.raises(StateError) as sort:
        rework.complete_rework(ctx, resolve_actor(ctx, "李整"), numbered.rework_id, "已重编")
    assert sort.value.key == "rework.no_new_output.sort"


def _codes(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as session:
        return list(session.scalars(select(Volume.archive_code)))


def test_an_index_rework_needs_a_changed_catalogue(any_project: ProjectContext) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    batch = line_to(ctx, wf.QC, claim=False)
    code = volume_codes(ctx, batch)[0]
    found = qc.record_defect(ctx, resolve_actor(ctx, "郑经理"), code, "catalogue",
                             message="第2件题名与图像不符")
    assert found.responsible == "钱标" and found.rework_id is not None
    indexer = resolve_actor(ctx, "钱标")
    with pytest.raises(StateError) as err:  # nothing changed
        rework.complete_rework(ctx, indexer, found.rework_id, "已改")
    assert err.value.key == "rework.no_new_output.index" and code in str(err.value)
    recatalogue(ctx, batch, code, "钱标", title=f"{code} 卷内文件")  # the same catalogue again
    with pytest.raises(StateError) as same:
        rework.complete_rework(ctx, indexer, found.rework_id, "已改")
    assert same.value.key == "rework.no_new_output.index"
    recatalogue(ctx, batch, code, "钱标", title=f"{code} 判决书")  # the title corrected
    assert rework.complete_rework(ctx, indexer, found.rework_id, "题名已改").status == "done"
