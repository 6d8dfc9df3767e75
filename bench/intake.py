"""Scan-intake figures: name-level check, content checks (reduced vs full decode), ingest.

    .venv/bin/python bench/intake.py [--names 100000] [--pages 240] [--workdir /tmp/dangan-bench]

Prints: (1) name-level check of N empty page files; (2) content inspection of generated
200 dpi colour A4 JPEGs on one core (wall clock and CPU time: the machine may be shared),
duplicate marks included, reduced-resolution decode beside a full decode of the same files;
(3) ingest of the same files into 已扫描 beside a plain copy + SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from dangan.config import ScanConfig
from dangan.db.models import Page, StageEvent, StoredFile, Volume
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, inspect_files, run_check
from dangan.samples import generate_set
from dangan.services.engine import resolve_actor
from dangan.services.intake import ingest
from dangan.services.project import init_project


def bench_names(work: Path, count: int) -> None:
    root = work / "names"
    shutil.rmtree(root, ignore_errors=True)  # left behind by an interrupted run
    per = 40
    codes = 0
    for v in range(count // per):
        folder = root / f"1-1-1-1-1997-民-{v // 9999 + 1:04d}-{v % 9999 + 1:04d}"
        folder.mkdir(parents=True)
        for n in range(1, per + 1):
            (folder / f"{n:04d}.jpg").touch()
        codes += 1
    t0 = time.perf_counter()
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), content=False))
    dt = time.perf_counter() - t0
    print(f"name-level check: {report.page_count} page files in {codes} volumes: {dt:.2f} s "
          f"({report.page_count / dt:,.0f} files/s), defects {len(report.defects)}")


def bench_content(root: Path) -> list[str]:
    paths = sorted(str(p) for p in root.rglob("*.jpg"))
    for p in paths:  # warm the page cache so both runs read from memory
        Path(p).read_bytes()
    for full in (False, True):
        t0, c0 = time.perf_counter(), time.process_time()
        infos = inspect_files(paths, full_decode=full)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        kind = "full decode   " if full else "reduced decode"
        target = "" if full else " [target >= 150 pages/s per core]"
        print(f"content checks, 1 core, {kind}: {len(paths)} pages in {dt:.2f} s "
              f"= {len(paths) / dt:.0f} pages/s, {len(paths) / cpu:.0f} pages/s of CPU time "
              f"(errors: {sum(not i.ok for i in infos)}){target}")
    return paths


def bench_ingest(work: Path, root: Path, truth_volumes: list[Any]) -> None:
    paths = sorted(root.rglob("*.jpg"))
    total = sum(p.stat().st_size for p in paths)
    copy_dir = work / "plain-copy"
    for scratch in (copy_dir, work / "proj"):  # a rerun starts from an empty target
        shutil.rmtree(scratch, ignore_errors=True)
    t0 = time.perf_counter()
    for p in paths:
        dst = copy_dir / p.parent.name / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
        with open(p, "rb") as fh:
            hashlib.file_digest(fh, "sha256")
    base = time.perf_counter() - t0
    print(f"plain copy + SHA-256: {len(paths)} files, {total / 1e6:.1f} MB in {base:.2f} s "
          f"({total / 1e6 / base:.0f} MB/s; no fsync: the copies may still be only in memory)")
    t0 = time.perf_counter()
    os.sync()
    print(f"  reference: a sync(2) right after that plain copy took {time.perf_counter() - t0:.2f} s "
          f"(what putting those bytes on disk costs, included in ingest below)")
    ctx = init_project(work / "proj", "court", name="bench")
    with ctx.transaction() as session:
        for v in truth_volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    # ingest takes volumes at the scan stage only: borrow, split, sort, and the scan claim
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from workflow.helpers import STAGE_PEOPLE, line_to

    line_to(ctx, "scan")
    operator = resolve_actor(ctx, STAGE_PEOPLE["scan"])
    options = CheckOptions(ctx.rules, ctx.config.scan, {v.archive_code: v.image_count
                                                       for v in truth_volumes}, workers=1)
    t0 = time.perf_counter()
    report = run_check(str(root), options)
    check_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = ingest(ctx, operator, root, report=report)
    ingest_time = time.perf_counter() - t0
    done = result.count("ingested")
    print("ingest = plain copy + SHA-256, plus: destination read back and SHA-256 verified, "
          "temporary names renamed into place after one filesystem sync per volume and an fsync "
          "of the folder, Page + StoredFile rows and the scan sign-off in one DB transaction per "
          "volume, the volume's tracking sheet (.xlsx) and its receipt")
    print(f"ingest: {done} volumes in {ingest_time:.2f} s = {ingest_time / base:.2f}× plain copy "
          f"+ SHA-256 [target <= 1.5×]; with its content check (1 core, {check_time:.2f} s): "
          f"{(ingest_time + check_time) / base:.2f}×")
    with ctx.transaction() as session:  # leave the bench project reusable
        for model in (StoredFile, Page):
            session.execute(delete(model))
        _ = StageEvent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--volumes", type=int, default=6)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="dangan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, workdir: {work}")
    bench_names(work, args.names)
    scans = work / "scans"
    if not scans.exists():
        truth = generate_set(scans, args.volumes, seed=1, pages=(38, 42), p_blank=0.0,
                             p_duplicate=0.0)
    else:
        from dangan.samples import SetTruth

        truth = SetTruth.from_json(work / "scans.truth.json")
    bench_content(scans)
    bench_ingest(work, scans, truth.volumes)
    shutil.rmtree(work / "names", ignore_errors=True)


if __name__ == "__main__":
    main()
