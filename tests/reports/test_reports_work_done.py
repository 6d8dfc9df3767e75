"""Progress, estimate, weekly, quality and dashboard count the pages recorded for the work
done (ingested for 扫描; for 修图 the ingested pages of volumes with retouched files — pay
counts the files), as pay does; the registered page count is kept only where the figure is
the work to do."""

from __future__ import annotations

import os
from datetime import date

import pytest

from cli.runner import dangan
from dangan.db.models import StoredFile, Volume
from dangan.i18n import t
from dangan.reports.common import parse_period
from dangan.reports.dashboard import dashboard
from dangan.reports.estimate import estimate
from dangan.reports.quality import quality
from dangan.reports.weekly import weekly
from dangan.services.progress import pages_recorded, stage_progress
from reports.helpers import Line, at

W45 = parse_period("2026-W45")  # Monday 2026-11-02 … Sunday 2026-11-08


@pytest.fixture
def line(any_project):  # type: ignore[no-untyped-def]
    """Three volumes registered at 40 pages; V1 and V2 were found to hold 8 pages at ingest,
    V3 was never scanned (扫描 signed without its work); V2 has 5 of its pages retouched."""
    line = Line(any_project, volumes=3, pages=40)
    line.people(赵扫=["scan_operator"], 钱修=["retoucher"], 孙检=["qc_inspector"])
    with any_project.transaction() as s:
        for name in ("V1", "V2", "V3"):
            v = s.get(Volume, line.volume_ids[name])
            assert v is not None
            v.page_count = None if name == "V3" else 8
    line.sign("赵扫", "scan", ["V1", "V2"], at("2026-11-03"))
    line.waive("赵扫", "scan", ["V3"], at("2026-11-03", 5))
    line.sign("赵扫", "scan", ["V3"], at("2026-11-03", 6))
    line.retouched("V2", 5)
    line.sign("钱修", "retouch", ["V1"], at("2026-11-04"))
    line.sign("钱修", "retouch", ["V2", "V3"], at("2026-11-04"), work=False)
    line.defect("赵扫", "skew", "scan", at("2026-11-05"))
    line.defect("钱修", "black_border", "retouch", at("2026-11-05"))
    return line


def test_weekly_pages_scanned_are_the_pages_ingested(line: Line) -> None:
    report = weekly(line.ctx, W45)
    (point,) = [p for p in report.points if p.week == "2026-W45"]
    assert point.pages_scanned == 16  # V1 + V2 ingested; was 120 registered pages
    assert report.total_pages == 8 + 8 + 40  # the size of the work: known, else registered


def test_quality_per_1000_pages_of_the_work_recorded(line: Line) -> None:
    q = quality(line.ctx, parse_period("2026-11"))
    stages = {s.stage: (s.pages, s.defects, s.per_1000_pages) for s in q.stages}
    assert stages["scan"] == (16, 1, 62.5)
    # 修图 at a glance: the ingested pages of V1 and V2, which have retouched files (pay
    # counts V2's 5 files exactly); V3, without any, counts nothing (was 120 pages)
    assert stages["retouch"] == (16, 1, 62.5)
    workers = {w.worker: w.pages for w in q.workers}
    assert workers == {"赵扫": 16, "钱修": 16}


def test_estimate_measures_recorded_pages_and_keeps_registered_pages_to_do(line: Line) -> None:
    est = estimate(line.ctx, start=date(2026, 11, 9))
    rows = {s.stage: s for s in est.stages}
    assert est.pages == 56  # to do: ingested where known (8 + 8), registered for V3 (40)
    assert rows["scan"].measured and rows["scan"].rate == 16.0  # one person-day, 16 pages
    assert rows["scan"].pages_left == 56 - 16
    assert rows["retouch"].rate == 16.0 and rows["retouch"].pages_left == 56 - 16


def test_progress_shows_registered_pages_to_do_and_the_pages_done(line: Line) -> None:
    rows = stage_progress(line.ctx)
    assert sum(r.volumes for r in rows) == 3
    assert sum(r.pages for r in rows) == 120  # registered: the work to do
    with line.ctx.transaction() as session:  # V1 and V2 ingested: their 8 page images each
        for name in ("V1", "V2"):
            for no in range(1, 9):
                session.add(StoredFile(project_id=line.ctx.project_id,
                                       volume_id=line.volume_ids[name], area="scanned",
                                       kind="page", path=f"已扫描/{name}/{no:04d}.jpg",
                                       sha256="0" * 64, size=1))
    assert pages_recorded(line.ctx) == {"scanned": 16, "retouched": 8 + 5}
    r = dangan("progress", "-p", str(line.ctx.home),
               env={"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"]})
    assert r.returncode == 0, r.stderr
    said = t("workflow.progress.pages_done", scanned=16, retouched=13)
    assert "登记页数" in r.stdout and "".join(said.split()) in "".join(r.stdout.split())


def test_dashboard_counts_the_pages_of_the_work_recorded(line: Line) -> None:
    board = dashboard(line.ctx, today=date(2026, 11, 9))
    assert board.points[-1].cum_pages == 16  # scanned: ingested pages, V3 none (was 56)
    pages = {w.worker: w.pages for w in board.workers}
    # 修图 at a glance: V1 and V2 have retouched files (their 8 ingested pages each), V3 none;
    # pay counts V2's 5 files exactly (13); the registered pages (120) count nowhere
    assert pages == {"赵扫": 16, "钱修": 16}
