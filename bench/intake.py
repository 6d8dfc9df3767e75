"""Scan-intake figures: name-level check, content checks (reduced vs full decode), ingest.

    .venv/bin/python bench/intake.py [--names 100000] [--volumes 6] [--runs 3]
                                     [--workdir /var/tmp/dangan-bench]   # a real disk

Prints: (1) name-level check of N empty page files; (2) content inspection of generated
200 dpi colour A4 JPEGs on one core (wall clock and CPU time: the machine may be shared),
duplicate marks included, reduced-resolution decode beside a full decode of the same files;
(3) ingest of the files the check passes into 已扫描 beside a plain copy + SHA-256 of exactly
those files, alternating, best of ``--runs`` each, with the time ingest spent copying and
verifying and writing tracking sheets; the load average at start and end.
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

from dangan.config import ScanConfig
from dangan.db.models import Volume
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


def plain_copy(work: Path, paths: list[Path]) -> float:
    """A plain copy + SHA-256 of ``paths`` (the reference ingest is compared with)."""
    copy_dir = work / "plain-copy"
    shutil.rmtree(copy_dir, ignore_errors=True)
    t0 = time.perf_counter()
    for p in paths:
        dst = copy_dir / p.parent.name / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
        with open(p, "rb") as fh:
            hashlib.file_digest(fh, "sha256")
    return time.perf_counter() - t0


class Timers:
    """Seconds spent inside a few functions ingest calls (wrapped for the bench only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, module: Any, name: str, label: str) -> None:
        fn = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed)


def _scan_project(work: Path, name: str, truth_volumes: list[Any]) -> tuple[Any, Any]:
    shutil.rmtree(work / name, ignore_errors=True)  # a rerun starts from an empty target
    ctx = init_project(work / name, "court", name="bench")
    with ctx.transaction() as session:
        for v in truth_volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    # ingest takes volumes at the scan stage only: borrow, split, sort, and the scan claim
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from workflow.helpers import STAGE_PEOPLE, line_to

    line_to(ctx, "scan")
    return ctx, resolve_actor(ctx, STAGE_PEOPLE["scan"])


def bench_ingest(work: Path, root: Path, truth_volumes: list[Any], runs: int) -> None:
    import dangan.export.tracking_sheet as sheets
    import dangan.services.intake as intake_service

    ctx, _operator = _scan_project(work, "proj", truth_volumes)
    options = CheckOptions(ctx.rules, ctx.config.scan, {v.archive_code: v.image_count
                                                       for v in truth_volumes}, workers=1)
    t0 = time.perf_counter()
    report = run_check(str(root), options)
    check_time = time.perf_counter() - t0
    clean = [v for v in report.volumes if not any(d.is_error for d in v.defects)]
    for v in report.volumes:
        if v not in clean:
            print(f"  the check refuses {v.folder.name}: "
                  f"{sorted({d.code for d in v.defects if d.is_error})} (not ingested, not copied)")
    paths = sorted(Path(p.path) for v in clean for p in v.folder.pages)
    total = sum(p.stat().st_size for p in paths)
    timers = Timers()
    timers.wrap(intake_service, "transfer_files", "copy+verify (transfer_files)")
    timers.wrap(intake_service, "write_tracking_sheet", "tracking sheet at ingest")
    timers.wrap(sheets, "write_tracking_sheets", "tracking sheets after the sign-off")
    print("ingest = plain copy + SHA-256, plus: destination read back and SHA-256 verified, "
          "temporary names renamed into place after one filesystem sync per volume and an fsync "
          "of the folder, Page + StoredFile rows and the scan sign-off in one DB transaction per "
          "volume, the volume's tracking sheet (.xlsx) and its receipt")
    bases, ingests = [], []
    for k in range(runs):  # alternating, each ingest into a fresh project at the scan stage
        base = plain_copy(work, paths)
        t0 = time.perf_counter()
        os.sync()
        synced = time.perf_counter() - t0
        run_ctx, operator = _scan_project(work, f"proj{k}", truth_volumes)
        timers.spent.clear()
        t0 = time.perf_counter()
        result = ingest(run_ctx, operator, root, report=report)
        took = time.perf_counter() - t0
        bases.append(base)
        ingests.append(took)
        parts = ", ".join(f"{label} {sec:.2f} s" for label, sec in timers.spent.items())
        print(f"  run {k + 1}: plain copy + SHA-256 {base:.2f} s (then sync(2) {synced:.2f} s); "
              f"ingest {result.count('ingested')} volumes {took:.2f} s = {took / base:.2f}× — "
              f"of which {parts}; load {os.getloadavg()[0]:.1f}")
    base, took = min(bases), min(ingests)
    print(f"plain copy + SHA-256: {len(paths)} files, {total / 1e6:.1f} MB, best of {runs}: "
          f"{base:.2f} s ({total / 1e6 / base:.0f} MB/s; no fsync: the copies may still be only "
          f"in memory)")
    print(f"ingest: {len(clean)} volumes, {len(paths)} files, best of {runs}: {took:.2f} s = "
          f"{took / base:.2f}× plain copy + SHA-256 of the same files [target <= 1.5×]; "
          f"with its content check (1 core, {check_time:.2f} s): {(took + check_time) / base:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--volumes", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="ingest runs beside plain copies")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="dangan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, workdir: {work} "
          f"(filesystem of {os.stat(work).st_dev:#x}; not /dev/shm), "
          f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bench_names(work, args.names)
    scans = work / "scans"
    if not scans.exists():
        truth = generate_set(scans, args.volumes, seed=1, pages=(38, 42), p_blank=0.0,
                             p_duplicate=0.0)
    else:
        from dangan.samples import SetTruth

        truth = SetTruth.from_json(work / "scans.truth.json")
    bench_content(scans)
    bench_ingest(work, scans, truth.volumes, args.runs)
    shutil.rmtree(work / "names", ignore_errors=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
