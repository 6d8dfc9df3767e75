"""`dangan package` without --form makes every form of ``[delivery] forms`` (what the upload
stage needs), and the upload stage is signed once they are all made."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.db.models import StoredFile
from dangan.domain import workflow as wf
from dangan.samples import generate_set
from dangan.services import batches, claims, indexing, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import project as retouch_project
from dangan.storage import Area
from workflow.helpers import line_to, volume_codes
from workflow.test_stage_work import _register

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def _to_upload(project: ProjectContext, tmp_path: Path) -> tuple[ProjectContext, str]:
    toml = project.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'forms = ["pdf"]', 'forms = ["pdf", "zip"]'), encoding="utf-8")
    ctx = open_project(project.home)
    scan_root = tmp_path / "scan"
    truth = generate_set(scan_root, 2, seed=23, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)
    _register(ctx, truth)
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scan_root)
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
    claims.claim(ctx, indexer, batch, wf.UPLOAD)
    return ctx, batch


def _forms_made(ctx: ProjectContext) -> set[str]:
    with ctx.transaction() as session:
        paths = session.scalars(select(StoredFile.path).where(
            StoredFile.area == Area.UPLOADED.key))
        return {p.split("/")[1] for p in paths}


def test_package_without_form_makes_every_configured_form_and_signs(project: ProjectContext,
                                                                    tmp_path: Path) -> None:
    ctx, batch = _to_upload(project, tmp_path)
    home = str(ctx.home)
    r = dangan("package", "--form", "zip", "-w", "钱标", "-p", home)
    assert r.returncode == 0, r.stderr
    assert _forms_made(ctx) == {"zip"}  # --form narrows it: the upload stage still waits
    assert "还缺交付格式 pdf" in r.stdout
    assert batches.work_batch_info(ctx, batch).stage == wf.UPLOAD
    r = dangan("package", "-w", "钱标", "-p", home)
    assert r.returncode == 0, r.stderr
    assert _forms_made(ctx) == {"pdf", "zip"}
    assert "（pdf）" in r.stdout and "已按同样的请求打包过" in r.stdout  # zip: recognised
    assert "还缺交付格式" not in r.stdout
    assert batches.work_batch_info(ctx, batch).stage == wf.QC
    assert len(volume_codes(ctx, batch)) == 2
    # an option of another form (TIFF pages) changes nothing of these: the same request
    r = dangan("package", "--tiff-single", "-w", "钱标", "-p", home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("已按同样的请求打包过") == 2, r.stdout
