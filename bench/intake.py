"""Scan-intake figures: name-level check, content checks (reduced vs full decode), ingest.

    .venv/bin/python bench/intake.py [--names 100000] [--volumes 6] [--runs 3] [--dpi 200]
                                     [--workdir /var/tmp/dangan-bench]   # a real disk
                                     [--content-only]   # (2) alone

Prints: (1) name-level check of N empty page files; (2) content inspection of generated
colour A4 JPEGs (200 dpi by default) on one core, in a pool worker process as ``dangan check``
runs it (wall clock and CPU time: the machine may be shared), duplicate marks included,
reduced-resolution decode beside a full decode of the same files, then the rescan search over
those pages as ``dangan check`` runs it after them (one process) and the two together per
core; (3) ingest of the files the
check passes into 已扫描 beside a plain copy + SHA-256 of exactly those files made durable the
same way (one syncfs per volume folder), alternating, best of ``--runs`` each (wall and CPU
time), with the time ingest spent copying and verifying and writing tracking sheets; the page
sizes used; the load average at start and end.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from dangan.config import ScanConfig
from dangan.db.models import Volume
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, inspect_files, run_check
from dangan.intake.content import one_opencv_thread
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


def _inspect_timed(paths: list[str], full: bool) -> tuple[float, float, int, list[bytes]]:
    t0, c0 = time.perf_counter(), time.process_time()
    infos = inspect_files(paths, full_decode=full)
    return (time.perf_counter() - t0, time.process_time() - c0, sum(not i.ok for i in infos),
            [i.marks if i.ok and not i.blank else b"" for i in infos])


def _search_timed(paths: list[str], marks: list[bytes]) -> tuple[float, float, int]:
    """The rescan search over the pages, as ``dangan check`` runs it after the pages' own
    checks (in one process, volumes in order, each with the next): (wall, CPU seconds,
    pages reported)."""
    from dangan.intake.check import read_page_file
    from dangan.intake.duplicates import find_duplicates

    folders = sorted({Path(p).parent for p in paths})
    groups = [folders.index(Path(p).parent) for p in paths]

    def load(i: int) -> bytes | None:
        data = read_page_file(paths[i])
        return data if isinstance(data, bytes) else None

    t0, c0 = time.perf_counter(), time.process_time()
    found = find_duplicates(marks, groups, load)
    return time.perf_counter() - t0, time.process_time() - c0, len(found)


ORB_ALONE = "ORB's detection and description"  # within the marks, timed again on its own


def _parts_timed(paths: list[str]) -> dict[str, float]:
    """CPU seconds of each step ``inspect_files`` takes per page, over ``paths`` (the steps
    run one after another here, each on the previous step's output, as the check runs them:
    a batch of pages read, hashed and decoded, then each measured), and of the ORB call
    inside the rescan marks (``ORB_ALONE``, not a step of its own: run again on the marks'
    working image)."""
    import hashlib

    from dangan.intake import content
    from dangan.intake.check import DECODE_BATCH, read_page_file
    from dangan.intake.duplicates import page_marks
    from dangan.intake.duplicates.marks import WORK_SIDE, _orb, relative_ink, resize_long

    spent = dict.fromkeys(("read", "SHA-256", "whole-file check", "reduced decode",
                           "paper corners + ink", "rescan marks (ORB)"), 0.0)
    orb_alone = 0.0

    def timed(label: str, fn: Any, *args: Any) -> Any:
        c0 = time.process_time()
        out = fn(*args)
        spent[label] += time.process_time() - c0
        return out

    for start in range(0, len(paths), DECODE_BATCH):
        greys = []
        for path in paths[start : start + DECODE_BATCH]:
            data = timed("read", read_page_file, path)
            assert isinstance(data, bytes)
            timed("SHA-256", lambda d: hashlib.sha256(d).hexdigest(), data)
            timed("whole-file check", content._complete_jpeg, data)
            greys.append(timed("reduced decode", content._inspect_jpeg, data, False)[1])
        for grey in greys:
            paper = timed("paper corners + ink", content.upright_paper, grey,
                          (content.PAPER_SHAPE[1], content.PAPER_SHAPE[0]))
            timed("paper corners + ink", content.measure_ink, paper)
            timed("rescan marks (ORB)", page_marks, grey)
            ink = 255 - relative_ink(resize_long(grey, WORK_SIDE), 9)  # what page_marks gives ORB
            c0 = time.process_time()
            _orb().detectAndCompute(ink, None)
            orb_alone += time.process_time() - c0
    spent["reduced decode"] -= spent["whole-file check"]  # _inspect_jpeg makes that check too
    return {**spent, ORB_ALONE: orb_alone}


def bench_content(root: Path) -> list[str]:
    paths = sorted(str(p) for p in root.rglob("*.jpg"))
    for p in paths:  # warm the page cache so both runs read from memory
        Path(p).read_bytes()
    # One pool worker process, set up as ``dangan check`` sets up its workers.
    with one_opencv_thread(), ProcessPoolExecutor(max_workers=1) as pool:
        page_cpu, marks = 0.0, []
        for full in (False, True):
            dt, cpu, errors, got = pool.submit(_inspect_timed, paths, full).result()
            kind = "full decode   " if full else "reduced decode"
            target = "" if full else " [target >= 150 pages/s per core]"
            print(f"content checks, 1 core, {kind}: {len(paths)} pages in {dt:.2f} s "
                  f"= {len(paths) / dt:.0f} pages/s, {len(paths) / cpu:.0f} pages/s of CPU time "
                  f"(errors: {errors}){target}; load {os.getloadavg()[0]:.1f}")
            if not full:
                page_cpu, marks = cpu, got
        dt, cpu, found = pool.submit(_search_timed, paths, marks).result()
        print(f"rescan search over those pages (in one process after them, as check runs it): "
              f"{dt:.2f} s, CPU {cpu:.2f} s = {cpu / len(paths) * 1000:.1f} ms a page "
              f"(reported: {found}); with the pages' checks {len(paths) / (page_cpu + cpu):.0f} "
              f"pages/s of CPU time; load {os.getloadavg()[0]:.1f}")
        spent = pool.submit(_parts_timed, paths).result()
    ms = {label: sec / len(paths) * 1000 for label, sec in spent.items()}
    orb = ms.pop(ORB_ALONE)
    print("  of which, CPU ms a page: " + ", ".join(f"{label} {v:.2f}" for label, v in ms.items())
          + f" (ORB's own call {orb:.2f}); load {os.getloadavg()[0]:.1f}")
    # What no change to the checks' own work can go below: the file read and hashed, its
    # entropy-coded data decoded (the reduced decode is nearly all Huffman decoding), and
    # the ORB call whose keypoints the rescan search is tuned on.
    floor = ms["read"] + ms["SHA-256"] + ms["whole-file check"] + ms["reduced decode"]
    print(f"  bound: read + SHA-256 + reduced decode {floor:.2f} ms = {1000 / floor:.0f} pages/s "
          f"per core; with ORB's call as the marks make it {floor + orb:.2f} ms = "
          f"{1000 / (floor + orb):.0f} pages/s (150 pages/s is 6.67 ms a page)")
    return paths


def _syncfs(folder: Path) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        if getattr(libc, "syncfs", None) is None or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def plain_copy(work: Path, paths: list[Path], durable: bool = True) -> tuple[float, float]:
    """A plain copy + SHA-256 of ``paths`` (the reference ingest is compared with): each file
    copied (``shutil.copyfile``) and its source hashed; with ``durable``, each volume folder
    made durable as ingest makes it (one syncfs when the folder's files are written, then an
    fsync of the folder). (wall, CPU) seconds."""
    copy_dir = work / "plain-copy"
    shutil.rmtree(copy_dir, ignore_errors=True)
    os.sync()  # the removal's writeback is not charged to the copy
    t0, c0 = time.perf_counter(), time.process_time()
    folders: dict[Path, list[Path]] = {}
    for p in paths:
        folders.setdefault(p.parent, []).append(p)
    for folder, files in folders.items():
        dst_dir = copy_dir / folder.name
        dst_dir.mkdir(parents=True, exist_ok=True)
        for p in files:
            shutil.copyfile(p, dst_dir / p.name)
            with open(p, "rb") as fh:
                hashlib.file_digest(fh, "sha256")
        if durable:
            _syncfs(dst_dir)
            fd = os.open(dst_dir, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    return time.perf_counter() - t0, time.process_time() - c0


class Timers:
    """Seconds spent inside a few functions ingest calls (wrapped for the bench only): wall
    clock, and CPU time of the calling thread (``thread_time``: what the part itself cost,
    whatever else the machine runs; the copy ahead's thread is counted in its own part)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def clear(self) -> None:
        self.spent.clear()
        self.cpu.clear()

    def wrap(self, module: Any, name: str, label: str) -> None:
        fn = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - t0
                self.cpu[label] = self.cpu.get(label, 0.0) + time.thread_time() - c0

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
    import dangan.intake.transfer as transfer
    from dangan.intake.transfer import CopyAhead, Staged

    timers.wrap(intake_service, "stage_files", "copy+verify in turn (not ahead)")
    timers.wrap(transfer, "stage_files", "copy+verify ahead (on a thread)")
    timers.wrap(Staged, "make_durable", "syncfs ahead (on that thread)")
    timers.wrap(CopyAhead, "take", "waiting for the copy ahead")
    timers.wrap(Staged, "commit", "publishing (renames, folder fsync)")
    timers.wrap(intake_service, "_record_scan", "recording pages and checksums")
    timers.wrap(intake_service, "write_receipt", "receipts")
    timers.wrap(intake_service, "_sign", "scan sign-off with its sheet")
    timers.wrap(intake_service, "write_tracking_sheet", "tracking sheet at ingest")
    timers.wrap(sheets, "write_tracking_sheets", "tracking sheets after the sign-off")
    print("ingest = plain copy + SHA-256 + syncfs, plus: destination read back and SHA-256 "
          "verified, temporary names renamed into place after the volume's syncfs, Page + "
          "StoredFile rows and the scan record in one DB transaction per volume, the scan "
          "sign-off, the volume's tracking sheet (.xlsx, written once) and its receipt")
    sizes = sorted(p.stat().st_size for p in paths)
    print(f"page files: {len(paths)} in {len(clean)} volumes, {total / 1e6:.1f} MB, "
          f"sizes min {sizes[0] / 1e3:.0f} KB, median {statistics.median(sizes) / 1e3:.0f} KB, "
          f"max {sizes[-1] / 1e3:.0f} KB; source and target on {work} (same filesystem)")
    bases, loose, ingests, cpus = [], [], [], []
    for k in range(runs):  # alternating, each ingest into a fresh project at the scan stage
        base, base_cpu = plain_copy(work, paths)
        nosync, _ = plain_copy(work, paths, durable=False)
        run_ctx, operator = _scan_project(work, f"proj{k}", truth_volumes)
        os.sync()
        timers.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        result = ingest(run_ctx, operator, root, report=report)
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        bases.append((base, base_cpu))
        loose.append(nosync)
        ingests.append(took)
        cpus.append(cpu)
        parts = ", ".join(f"{label} {sec:.2f} s (CPU {timers.cpu[label]:.2f} s)"
                          for label, sec in timers.spent.items())
        print(f"  run {k + 1}: plain copy + SHA-256 + syncfs {base:.2f} s (CPU {base_cpu:.2f} s; "
              f"without syncfs {nosync:.2f} s); ingest {result.count('ingested')} volumes "
              f"{took:.2f} s (CPU {cpu:.2f} s) = {took / base:.2f}× — of which {parts}; "
              f"load {os.getloadavg()[0]:.1f}")
    base, base_cpu = min(bases)
    took = min(ingests)
    mid = statistics.median(b for b, _c in bases)
    base_cpu = min(c for _b, c in bases)
    ratios = sorted(i / b for i, (b, _c) in zip(ingests, bases, strict=True))
    print(f"plain copy + SHA-256 + syncfs per folder: {len(paths)} files, {total / 1e6:.1f} MB, "
          f"best of {runs}: {base:.2f} s ({total / 1e6 / base:.0f} MB/s), median {mid:.2f} s, "
          f"CPU best {base_cpu:.2f} s; without syncfs best {min(loose):.2f} s")
    print(f"ingest: {len(clean)} volumes, {len(paths)} files, best of {runs}: {took:.2f} s = "
          f"{took / base:.2f}× the best plain copy + SHA-256 + syncfs of the same files "
          f"[target <= 1.5×]; median {statistics.median(ingests):.2f} s = "
          f"{statistics.median(ingests) / mid:.2f}× the median; per run "
          f"{', '.join(f'{r:.2f}×' for r in ratios)}; CPU best {min(cpus):.2f} s = "
          f"{min(cpus) / base_cpu:.2f}× the plain copy's CPU; with its content check "
          f"(1 core, {check_time:.2f} s): {(took + check_time) / base:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--volumes", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="ingest runs beside plain copies")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--dpi", type=int, default=200,
                        help="resolution of the generated pages (200: ~0.55 MB a page, "
                             "300: ~1.2 MB)")
    parser.add_argument("--content-only", action="store_true",
                        help="only the content checks (2): no name-level check, no ingest")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="dangan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, workdir: {work} "
          f"(filesystem of {os.stat(work).st_dev:#x}; not /dev/shm), "
          f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    from host_reference import line as host_line

    print(host_line())
    if not args.content_only:
        bench_names(work, args.names)
    scans = work / ("scans" if args.dpi == 200 else f"scans-{args.dpi}")
    if not scans.exists():
        truth = generate_set(scans, args.volumes, seed=1, dpi=args.dpi, pages=(38, 42),
                             p_blank=0.0, p_duplicate=0.0)
    else:
        from dangan.samples import SetTruth

        truth = SetTruth.from_json(scans.with_name(scans.name + ".truth.json"))
    bench_content(scans)
    if not args.content_only:
        bench_ingest(work, scans, truth.volumes, args.runs)
    shutil.rmtree(work / "names", ignore_errors=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
