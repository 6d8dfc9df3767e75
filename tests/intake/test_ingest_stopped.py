"""An ingest stopped by an error on a later volume says first what it already did: each
volume ingested and signed before the stop, by its archive code, then where it stopped and
the error with its exit code (``--json`` carries the same). The write is made to fail on the
real filesystem, as root too: a plain file where the second volume's folder must go."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.samples import SetTruth, generate_set
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import dangan
from workflow.helpers import actor, line_to, register_set


@pytest.fixture(scope="module")
def two_volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=23, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def _second_blocked(ctx: ProjectContext, tmp_path: Path,
                    two_volumes: tuple[Path, SetTruth]) -> tuple[Path, list[str], Path]:
    """The two volumes registered at the scan stage, a copy of their scans, and a plain file
    where the second volume's folder must go in 已扫描 (every write under it fails)."""
    src, truth = two_volumes
    root = tmp_path / "scan"
    shutil.copytree(src, root)
    register_set(ctx, truth)
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    vols = sorted(truth.volumes, key=lambda v: v.folder)  # the order ingest takes them in
    blocker = Path(ctx.storage.root) / Area.SCANNED.value / vols[1].folder
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")
    return root, [v.archive_code for v in vols], blocker


def _signed(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as s:
        return sorted(s.scalars(select(Volume.archive_code).join(
            StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN)))


def test_a_stopped_ingest_names_what_it_did_first(any_project: ProjectContext, tmp_path: Path,
                                                   two_volumes: tuple[Path, SetTruth]) -> None:
    ctx = any_project
    root, codes, blocker = _second_blocked(ctx, tmp_path, two_volumes)
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")

    failed = dangan(ctx, *args)

    assert failed.returncode == 11, (failed.stdout, failed.stderr)
    assert _signed(ctx) == [codes[0]]  # the first volume was ingested and signed
    out = " ".join(failed.stdout.split())  # rich may wrap long lines
    assert f"{codes[0]}: ingested 3 page(s)" in out, failed.stdout
    assert "the scan stage is signed by 张扫" in out, failed.stdout
    err = " ".join(failed.stderr.split())
    stopped = (f"ingest stopped at {codes[1]} (exit code 11): 1 volume(s) ingested and "
               "1 signed by this run are kept")
    assert stopped in err, failed.stderr
    assert err.index(stopped) < err.index(blocker.name + "/")  # then the error naming the path
    assert codes[1] not in out  # nothing is said done of the volume it stopped at

    blocker.unlink()
    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _signed(ctx) == sorted(codes)


def test_a_stopped_ingest_in_json(project: ProjectContext, tmp_path: Path,
                                  two_volumes: tuple[Path, SetTruth]) -> None:
    ctx = project
    root, codes, blocker = _second_blocked(ctx, tmp_path, two_volumes)

    failed = dangan(ctx, "ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--json")

    assert failed.returncode == 11, (failed.stdout, failed.stderr)
    data = json.loads(failed.stdout)
    assert [(v["volume"], v["state"], v["signed"]) for v in data["volumes"]] == [
        (codes[0], "ingested", True)]
    stopped = data["stopped"]
    assert (stopped["volume"], stopped["key"], stopped["exit_code"]) == (
        codes[1], "storage.write_failed", 11)
    assert blocker.name in stopped["message"]  # the path that could not be written
    with ctx.transaction() as s:
        assert s.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN,
            StageEvent.volume_id.is_not(None))) == 1

