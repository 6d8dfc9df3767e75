"""A stage is signed only with its recorded work: pages ingested before 扫描 is signed, every
configured delivery form made before 上传 is signed — or a recorded decision (who, when, why)
to sign without it. On real generated scans, SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import DanganError
from dangan.samples import SetTruth, generate_set
from dangan.services import batches, claims, indexing, intake, signoff
from dangan.services.delivery import packaging
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import project as retouch_project
from workflow.helpers import line_to, volume_codes
from workflow.test_engine import assert_every_signature_is_a_registered_claimant, assert_replays

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("stage-work") / "scan"
    return root, generate_set(root, 2, seed=23, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def _register(ctx: ProjectContext, truth: SetTruth) -> None:
    with ctx.transaction() as session:
        for row, v in enumerate(truth.volumes, 1):
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count, list_row=row))


def _waivers(ctx: ProjectContext, stage: str) -> list[tuple[str, str]]:
    with ctx.transaction() as s:
        return [(e.person, e.remarks) for e in s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_WORK_WAIVED, StageEvent.stage == stage))]


def test_scan_signoff_needs_ingested_pages_or_a_recorded_reason(any_project: ProjectContext,
                                                                scans: Any) -> None:
    ctx = any_project
    _register(ctx, scans[1])
    batch = line_to(ctx, wf.SCAN)  # 张扫 holds the batch at 扫描; nothing ingested
    operator = resolve_actor(ctx, "张扫")
    with pytest.raises(DanganError) as err:
        signoff.sign_off(ctx, operator, batch, wf.SCAN)
    assert err.value.key == "workflow.pages_not_ingested"
    assert err.value.params["count"] == 2
    assert batches.work_batch_info(ctx, batch).stage == wf.SCAN
    with pytest.raises(DanganError) as err:  # a waiver needs its reason
        signoff.sign_off(ctx, operator, batch, wf.SCAN, without_work="  ")
    assert err.value.key == "workflow.waiver_needs_reason"
    result = signoff.sign_off(ctx, operator, batch, wf.SCAN, without_work="原卷霉变，暂缓扫描，交项目经理")
    assert result.volumes == 2 and result.batch_advanced
    assert _waivers(ctx, wf.SCAN) == [("张扫", "原卷霉变，暂缓扫描，交项目经理")] * 2
    assert_replays(ctx)
    assert_every_signature_is_a_registered_claimant(ctx)


def test_a_stage_without_a_waivable_guard_cannot_be_waived(project: ProjectContext, scans: Any) -> None:
    ctx = project
    _register(ctx, scans[1])
    batch = line_to(ctx, wf.RETOUCH)
    with pytest.raises(DanganError) as err:
        signoff.sign_off(ctx, resolve_actor(ctx, "赵修"), batch, wf.RETOUCH,
                         without_work="没修图")
    assert err.value.key == "workflow.not_waivable"
    assert _waivers(ctx, wf.RETOUCH) == []


def test_upload_is_signed_once_every_configured_form_is_made(any_project: ProjectContext,
                                                             scans: Any, tmp_path: Path) -> None:
    toml = any_project.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('forms = ["pdf"]', 'forms = ["pdf", "zip"]'),
                    encoding="utf-8")
    ctx = open_project(any_project.home)
    assert ctx.config.delivery.forms == ["pdf", "zip"]
    root, truth = scans
    _register(ctx, truth)
    batch = line_to(ctx, wf.SCAN)
    scan_root = tmp_path / "scan"
    shutil.copytree(root, scan_root)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scan_root)  # records and signs 扫描
    retoucher = resolve_actor(ctx, "赵修")
    claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    indexer = resolve_actor(ctx, "钱标")
    claims.claim(ctx, indexer, batch, wf.INDEX)
    catalogue = write_catalogue(
        tmp_path / "目录.xlsx",
        [[v.archive_code, f"案卷{i}", "1997", "永久", 1, v.image_count]
         for i, v in enumerate(truth.volumes, 1)],
        [[v.archive_code, 1, "", "某某法院", "判决书", "19970630", f"1-{v.image_count}", ""]
         for v in truth.volumes])
    indexing.import_catalogue(ctx, indexer, [catalogue])
    assert batches.work_batch_info(ctx, batch).stage == wf.UPLOAD
    claims.claim(ctx, indexer, batch, wf.UPLOAD)
    codes = volume_codes(ctx, batch)

    first = packaging.package(ctx, indexer, "pdf")
    assert sorted(first.packaged) == sorted(codes) and first.signed == []
    assert first.waiting == {c: ["zip"] for c in codes}
    assert batches.work_batch_info(ctx, batch).stage == wf.UPLOAD
    with pytest.raises(DanganError) as err:  # nor through the generic sign-off
        signoff.sign_off(ctx, indexer, batch, wf.UPLOAD)
    assert err.value.key == "workflow.forms_not_packaged"
    assert "zip" in err.value.params["first"]

    second = packaging.package(ctx, indexer, "zip")
    assert sorted(second.signed) == sorted(codes) and second.waiting == {}
    assert batches.work_batch_info(ctx, batch).stage == wf.QC
    assert _waivers(ctx, wf.UPLOAD) == []
    assert_replays(ctx)
    assert_every_signature_is_a_registered_claimant(ctx)
