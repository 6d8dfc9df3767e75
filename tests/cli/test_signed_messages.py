"""`dangan index import` and `dangan package` sign their stage for the batch the worker
holds: like every other stage's command they say so — who signed which stage, for which
volumes."""

from __future__ import annotations

import sys
from pathlib import Path

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.domain import workflow as wf
from dangan.samples import SetTruth, generate_set
from dangan.services import claims, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import project as retouch_project
from workflow.helpers import line_to
from workflow.test_stage_work import _register

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def _retouched(ctx: ProjectContext, tmp_path: Path, volumes: int, seed: int
               ) -> tuple[SetTruth, str]:
    """``volumes`` generated volumes of 3 pages scanned, ingested and retouched (signed)."""
    scan_root = tmp_path / "scan"
    truth = generate_set(scan_root, volumes, seed=seed, pages=(3, 3), p_blank=0.0,
                         p_duplicate=0.0)
    _register(ctx, truth)
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scan_root)
    retoucher = resolve_actor(ctx, "赵修")
    claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    return truth, batch


def test_index_import_and_package_say_what_they_signed(project: ProjectContext,
                                                       tmp_path: Path) -> None:
    ctx = project
    truth, batch = _retouched(ctx, tmp_path, 2, seed=23)
    indexer = resolve_actor(ctx, "钱标")
    claims.claim(ctx, indexer, batch, wf.INDEX)
    codes = sorted(v.archive_code for v in truth.volumes)
    catalogue = write_catalogue(
        tmp_path / "目录.xlsx",
        [[v.archive_code, f"案卷{i}", "1997", "永久", 1, v.image_count]
         for i, v in enumerate(truth.volumes, 1)],
        [[v.archive_code, 1, "", "某某法院", "判决书", "19970630", f"1-{v.image_count}", ""]
         for v in truth.volumes])
    home = str(ctx.home)
    r = dangan("--lang", "en", "index", "import", str(catalogue), "-p", home, "-w", "钱标",
               env={"COLUMNS": "300"})
    assert r.returncode == 0, r.stderr
    signed = [line for line in r.stdout.splitlines() if line.startswith("Signed:")]
    assert signed == [f"Signed: 钱标 signed “Index” for 2 volume(s): {', '.join(codes)}"]
    # the same catalogue again signs nothing and says nothing of signing
    r = dangan("index", "import", str(catalogue), "-p", home, "-w", "钱标")
    assert r.returncode == 0, r.stderr
    assert "已签字" not in r.stdout
    claims.claim(ctx, indexer, batch, wf.UPLOAD)
    r = dangan("package", "-p", home, "-w", "钱标", env={"COLUMNS": "300"})
    assert r.returncode == 0, r.stderr
    assert f"已签字：钱标 签“上传”2 卷：{'、'.join(codes)}" in r.stdout.splitlines()
    # the same request again: recognised, nothing signed again; the volumes listed in English
    r = dangan("--lang", "en", "package", "-p", home, "-w", "钱标", env={"COLUMNS": "300"})
    assert r.returncode == 0, r.stderr
    assert "Signed:" not in r.stdout
    assert ", ".join(codes) in r.stdout and "、" not in r.stdout


def test_index_import_without_the_claim_says_why_nothing_was_signed(
        project: ProjectContext, tmp_path: Path) -> None:
    """The catalogue of a batch the indexer does not hold is recorded but not signed: the
    command says so, per volume, instead of staying silent."""
    from dangan.i18n import t

    ctx = project
    truth, batch = _retouched(ctx, tmp_path, 1, seed=29)
    (vol,) = truth.volumes
    catalogue = write_catalogue(
        tmp_path / "目录.xlsx", [[vol.archive_code, "案卷", "1997", "永久", 1, vol.image_count]],
        [[vol.archive_code, 1, "", "某某法院", "判决书", "19970630", f"1-{vol.image_count}", ""]])
    r = dangan("index", "import", str(catalogue), "-p", str(ctx.home), "-w", "钱标",
               env={"COLUMNS": "300"})
    assert r.returncode == 0, r.stderr
    assert "已签字" not in r.stdout
    assert t("workflow.recorded_not_signed", code=vol.archive_code, batch=batch,
             stage=t("stage.index"), worker="钱标") in r.stdout
