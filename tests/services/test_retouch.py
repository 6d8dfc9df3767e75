"""Retouch a plain folder tree: mirror paths, report, skip on rerun, bad files, Dask, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest
from typer.testing import CliRunner

from dangan.compute.executors import DaskExecutor, InProcessExecutor
from dangan.errors import InputError
from dangan.imaging.context import RetouchOptions
from dangan.imaging.files import TEMP_MARK, write_atomic
from dangan.samples.page import PageSpec, render_page
from dangan.services.retouch import plan_tree, run_tasks, write_report


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two volumes of generated scans plus an empty and a truncated file."""
    root = tmp_path_factory.mktemp("scans")
    for i, kind in enumerate(["text", "table", "seal", "sparse"]):
        folder = root / "B01-W01" / f"1997-民-0014-{i // 2 + 1:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = render_page(PageSpec(kind=kind, seed=77_000 + i)).encode()
        (folder / f"{i % 2 + 1:04d}.jpg").write_bytes(data)
    bad = root / "B01-W01" / "bad"
    bad.mkdir()
    (bad / "0001.jpg").write_bytes(b"")
    (bad / "0002.jpg").write_bytes(data[: len(data) // 3])
    (bad / "notes.txt").write_text("not a page")
    return root


def _outputs(dst: Path) -> list[str]:
    return sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file())


def test_plain_folder_mirror_report_and_rerun(tree: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    tasks = plan_tree(str(tree), str(dst), RetouchOptions())
    assert len(tasks) == 6
    summary = run_tasks(tasks, InProcessExecutor())
    assert summary.counts.get("failed") == 2
    assert _outputs(dst) == [
        "B01-W01/1997-民-0014-0001/0001.jpg", "B01-W01/1997-民-0014-0001/0002.jpg",
        "B01-W01/1997-民-0014-0002/0001.jpg", "B01-W01/1997-民-0014-0002/0002.jpg",
    ]
    report = tmp_path / "report.json"
    write_report(str(report), summary)
    data = json.loads(report.read_text("utf-8"))
    assert data["pages"] == 6 and data["defects"]["unreadable"] == 2
    page = next(r for r in data["results"] if r["status"] in ("ok", "defect"))
    assert {"skew_before_deg", "skew_after_deg", "holes_found", "edge_residue", "width"} <= set(page)
    again = run_tasks(plan_tree(str(tree), str(dst), RetouchOptions()), InProcessExecutor())
    assert again.counts == {"skipped": 4, "failed": 2}


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fs = fsspec.filesystem("file")

    def crash(*_: object, **__: object) -> None:
        raise OSError("killed")

    monkeypatch.setattr(fs, "mv", crash)
    with pytest.raises(OSError):
        write_atomic(fs, str(tmp_path / "a" / "0001.jpg"), b"\xff\xd8 partial")
    assert list((tmp_path / "a").iterdir()) == []


def test_half_written_output_is_redone(tree: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    target = dst / "B01-W01" / "1997-民-0014-0001" / "0001.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\xff\xd8\xff\xe0 truncated by a crash")
    (target.parent / f"{TEMP_MARK}abc0001.jpg").write_bytes(b"junk")  # ignored as source
    tasks = [t for t in plan_tree(str(tree), str(dst), RetouchOptions()) if "0001/0001" in t.rel]
    summary = run_tasks(tasks, InProcessExecutor())
    assert summary.counts == {"ok": 1} or summary.counts == {"defect": 1}
    assert target.read_bytes().endswith(b"\xff\xd9")


@pytest.mark.slow
def test_dask_cluster_retouches_through_fsspec(tree: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as cluster:
        ex = DaskExecutor(cluster.scheduler_address)
        try:
            tasks = plan_tree(f"file://{tree}", f"file://{tmp_path / 'dask'}", RetouchOptions())
            summary = run_tasks(tasks, ex)
        finally:
            ex.close()
    assert summary.workers == 2
    assert len(summary.pages) == 6 and summary.counts.get("failed") == 2
    assert len(_outputs(tmp_path / "dask")) == 4


def test_cli_plain_folder(tree: Path, tmp_path: Path) -> None:
    from dangan.cli.main import app

    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["retouch", str(tree), str(tmp_path / "cli"), "--workers", "1",
                                      "--mode", "grey", "--no-holes", "--report", str(report)])
    # the two bad pages fail: the run does the rest, writes the report, then exits 4 naming them
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.key == "retouch.pages_failed"
    assert result.exception.params["count"] == 2
    assert "6" in result.output and report.exists()
    assert len(_outputs(tmp_path / "cli")) == 4


def test_project_mode_records_files_metrics_defects_and_signoff(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dangan.db.models import Defect, Page, StageEvent, StoredFile
    from dangan.domain import workflow as wf
    from dangan.samples import generate_set, make_archive_codes, write_volume_list
    from dangan.services import claims, intake
    from dangan.services.engine import resolve_actor
    from dangan.services.retouch import project as retouch_project
    from dangan.services.volumes import import_volumes
    from dangan.services.workers import add_worker
    from workflow.helpers import line_to

    ctx = project
    codes = make_archive_codes(1, 31)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, 1, 31, pages=(3, 3), archive_codes=codes)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    retoucher = resolve_actor(ctx, "陈修图")
    claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert len(summary.pages) == 3 and "failed" not in summary.counts
    with ctx.transaction() as session:
        stored = session.scalars(select(StoredFile).where(StoredFile.area == "retouched")).all()
        assert len(stored) == 3 and all(len(f.sha256) == 64 and f.size > 0 for f in stored)
        assert all(f.path.startswith("已修图/") for f in stored)
        pages = session.scalars(select(Page)).all()
        assert all("retouch" in p.metrics for p in pages)
        signers = session.scalars(select(StageEvent.person).where(
            StageEvent.kind == "signoff", StageEvent.stage == "retouch",
            StageEvent.volume_id.is_not(None))).all()
        assert signers == ["陈修图"]
        n_defects = len(session.scalars(select(Defect).where(Defect.source == "retouch")).all())
    assert n_defects == sum(len(p.defects) for p in summary.pages)
    for f in stored:
        assert ctx.storage.sha256(f.path) == f.sha256
    again = retouch_project.run(ctx, InProcessExecutor())
    assert again.counts == {"skipped": 3}
