"""A long ``retouch --project`` run dies midway — the process killed with SIGKILL right after
its first volume's record, its pool workers with it (a power cut) — and the rerun keeps what
was finished: the recorded volume's pages are not retouched again (its files untouched), the
other volumes' pages are, and the output says how many of each. At the end every page is
recorded exactly once with a checksum that verifies, one retouch record per volume, one
sign-off per volume, no partial file left. In-process and with a process pool; on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import Defect, Page, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.imaging.files import TEMP_MARK
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services import claims, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.volumes import import_volumes
from dangan.services.workers import add_worker
from faults.support import assert_replays, dangan, env_for
from workflow.helpers import line_to

VOLUMES, PAGES = 3, 3


@pytest.fixture
def scanned(any_project: ProjectContext, tmp_path: Path) -> ProjectContext:
    """Three ingested volumes of three pages, the retouch stage claimed by 陈修图."""
    ctx = any_project
    toml = ctx.home / "dangan.toml"  # orientation off: quicker, and beside the point here
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    ctx = open_project(ctx.home)
    codes = make_archive_codes(VOLUMES, 41)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, VOLUMES, 41, pages=(PAGES, PAGES), archive_codes=codes,
                         p_duplicate=0.0, p_blank=0.0)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    claims.claim(ctx, resolve_actor(ctx, "陈修图"), batch, wf.RETOUCH)
    return ctx


def _killed_at(ctx: ProjectContext, point: str, args: tuple[str, ...], log: Path) -> None:
    """Run ``dangan`` until the crash point kills it, then kill what is left of its process
    group (pool workers orphaned by the kill), as a power cut would."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dangan", "--lang", "en", *args],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env=env_for(ctx) | {"DANGAN_CRASH_AT": point})
    assert proc.wait(timeout=600) == -signal.SIGKILL, log.read_text(errors="replace")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until no process of the group is left
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            break
        time.sleep(0.05)


def _records(ctx: ProjectContext) -> dict[int, int]:
    """volume id -> its retouch records of automatic runs."""
    with ctx.transaction() as s:
        rows = s.execute(select(StageEvent.volume_id, func.count()).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD, StageEvent.stage == wf.RETOUCH,
            StageEvent.volume_id.is_not(None)).group_by(StageEvent.volume_id)).all()
        return {int(vid or 0): int(n) for vid, n in rows}


def _signoffs(ctx: ProjectContext) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.RETOUCH,
            StageEvent.volume_id.is_not(None))) or 0)


def _retouched_files(ctx: ProjectContext) -> list[Path]:
    root = Path(ctx.storage.path("已修图"))
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _assert_whole(ctx: ProjectContext) -> None:
    """Every page recorded exactly once with a verifying checksum, one retouch record and one
    sign-off per volume, no finding twice, no partial file, the trail replays."""
    assert _records(ctx) == {vid: 1 for vid in _volume_ids(ctx)}
    assert _signoffs(ctx) == VOLUMES
    with ctx.transaction() as s:
        pages = s.scalars(select(Page)).all()
        assert len(pages) == VOLUMES * PAGES
        assert all("retouch" in (p.metrics or {}) for p in pages)
        stored = s.scalars(select(StoredFile).where(StoredFile.area == "retouched")).all()
        assert sorted(f.page_id or 0 for f in stored) == sorted(p.id for p in pages)
        defects = s.execute(select(Defect.volume_id, Defect.page_no, Defect.code).where(
            Defect.source == "retouch")).all()
    assert len(defects) == len(set(defects))
    for f in stored:
        assert len(f.sha256) == 64 and ctx.storage.sha256(f.path) == f.sha256
    files = _retouched_files(ctx)
    assert not [p for p in files if TEMP_MARK in p.name or p.name.startswith(".")], files
    assert len(files) == VOLUMES * PAGES
    assert_replays(ctx)


def _volume_ids(ctx: ProjectContext) -> list[int]:
    with ctx.transaction() as s:
        return list(s.scalars(select(Volume.id).where(Volume.project_id == ctx.project_id)))


def _recorded_files(ctx: ProjectContext, volume_id: int) -> dict[str, tuple[int, str]]:
    """The volume's retouched files: path -> (mtime in ns, recorded checksum)."""
    with ctx.transaction() as s:
        rows = s.scalars(select(StoredFile).where(StoredFile.volume_id == volume_id,
                                                  StoredFile.area == "retouched")).all()
        return {f.path: (Path(ctx.storage.path(f.path)).stat().st_mtime_ns, f.sha256)
                for f in rows}


def _unrecorded_written(ctx: ProjectContext) -> int:
    """Retouched page files on disk that no row records (written by the killed run)."""
    with ctx.transaction() as s:
        recorded = set(s.scalars(select(StoredFile.path).where(
            StoredFile.area == "retouched", StoredFile.sha256 != "")))
    root = Path(ctx.storage.path(""))
    return sum(1 for p in _retouched_files(ctx)
               if TEMP_MARK not in p.name and p.relative_to(root).as_posix() not in recorded)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_killed_after_first_volume_rerun_redoes_only_the_rest(scanned: ProjectContext,
                                                              tmp_path: Path,
                                                              workers: str) -> None:
    ctx = scanned
    args = ("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", workers)
    _killed_at(ctx, "retouch.volume_recorded", args, tmp_path / "killed.log")

    records = _records(ctx)
    assert list(records.values()) == [1], records  # the first volume done is kept
    assert _signoffs(ctx) == 0
    (kept_id,) = records
    kept = _recorded_files(ctx, kept_id)
    assert len(kept) == PAGES
    written = _unrecorded_written(ctx)  # other volumes' pages the killed run wrote
    if workers == "1":  # one page after another: recorded before any other page was done
        assert written == 0

    report = tmp_path / "rerun.json"
    again = dangan(ctx, *args, "--report", str(report))
    assert again.returncode in (0, 9), again.stdout + again.stderr

    data = json.loads(report.read_text("utf-8"))
    kept_rels = {_scanned_rel(ctx, path) for path in kept}
    statuses = {r["source"]: r["status"] for r in data["results"]}
    assert len(statuses) == VOLUMES * PAGES
    assert {rel for rel, st in statuses.items() if st == "skipped"} == kept_rels
    assert data["redone"] == written and len(data["kept"]) == 1
    assert _recorded_files(ctx, kept_id) == kept  # not rewritten, not re-recorded
    out = " ".join(again.stdout.split())
    done = (VOLUMES - 1) * PAGES
    assert (f"Resumed: {PAGES} page(s) retouched and recorded by an earlier run were kept "
            f"(1 whole volume(s)); {done} page(s) retouched in this run, {written} of them"
            in out), out
    _assert_whole(ctx)


def test_killed_after_every_volume_recorded_rerun_only_signs(scanned: ProjectContext,
                                                            tmp_path: Path) -> None:
    ctx = scanned
    args = ("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", "1")
    _killed_at(ctx, "retouch.run_recorded", args, tmp_path / "killed.log")
    assert _records(ctx) == {vid: 1 for vid in _volume_ids(ctx)} and _signoffs(ctx) == 0
    before = {vid: _recorded_files(ctx, vid) for vid in _volume_ids(ctx)}

    again = dangan(ctx, *args)
    assert again.returncode in (0, 9), again.stdout + again.stderr
    assert {vid: _recorded_files(ctx, vid) for vid in _volume_ids(ctx)} == before
    out = " ".join(again.stdout.split())
    assert f"Resumed: {VOLUMES * PAGES} page(s)" in out and "retouched in this run, 0" in out
    assert out.count("signed (陈修图)") == VOLUMES, out
    _assert_whole(ctx)


def _scanned_rel(ctx: ProjectContext, retouched: str) -> str:
    """The report names a page by its master's path; find it from the retouched row."""
    with ctx.transaction() as s:
        page_id = s.scalar(select(StoredFile.page_id).where(StoredFile.path == retouched))
        return str(s.scalar(select(StoredFile.path).where(StoredFile.page_id == page_id,
                                                          StoredFile.area == "scanned")))
