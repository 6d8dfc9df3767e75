"""Benchmark the project manager's reports on PostgreSQL and print the figures.

A project is bulk-loaded with COPY into its own schema (dropped afterwards): volumes of 20–60
pages (40 on average) in work batches of 50, workers by role, a year of sign-offs (every volume
through every stage, its work batch starting on a day spread over the year), three catalogue
items per volume, one QC inspection per work batch, and defects on 2 % of the volumes (a tenth
of them the paper's own, 原卷错误), a tenth of the scanners on probation with a mentor. Then
each report is computed as the CLI does (one call each; wall time, best of ``--runs``):
weekly report, a pay period for all workers (open, then with eleven closed months before it, so
the adjustments are recomputed), productivity for a month, quality, summary, estimate; and
the manager's dashboard: each of its queries timed apart (best of ``--runs``; target ≤ 300 ms
each).

    .venv/bin/python bench/reports.py [--volumes 5000] [--workers 200] [--runs 3]

The issue's target size is ``--volumes 100000 --workers 200`` (4,000,000 pages). PostgreSQL:
DANGAN_BENCH_POSTGRES_URL, else DANGAN_TEST_POSTGRES_URL, else
postgresql+psycopg://root@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from dangan.config import parse_config
from dangan.db import migrate
from dangan.db.session import make_engine
from dangan.domain import workflow as wf
from dangan.reports.common import Period, parse_period
from dangan.reports.dashboard import dashboard
from dangan.reports.estimate import estimate
from dangan.reports.pay import close_period, pay_report
from dangan.reports.productivity import productivity
from dangan.reports.quality import quality
from dangan.reports.summary import summary
from dangan.reports.weekly import weekly
from dangan.services.project import ProjectContext, template_text
from dangan.storage import Storage

PER_BATCH = 50
PER_BORROW = 1000
YEAR_START = date(2025, 12, 1)
STAGES = list(wf.DEFAULT_STAGES)
# share of the workers per role (borrow clerks also return; indexers also upload)
ROLE_SHARE = {wf.BORROW_CLERK: 0.05, wf.SORTER: 0.125, wf.SCAN_OPERATOR: 0.25,
              wf.RETOUCHER: 0.2, wf.INDEXER: 0.2, wf.QC_INSPECTOR: 0.1, wf.BINDER: 0.075}
STAGE_ROLE = {**wf.STAGE_ROLE, wf.UPLOAD: wf.INDEXER}
CODES = {wf.SCAN: ["blurred", "missed_scan", "wrong_order"], wf.RETOUCH: ["skew", "black_border"],
         wf.INDEX: ["catalogue", "archive_code"], wf.SORT: ["pagination"]}


def pg_url() -> str:
    return (os.environ.get("DANGAN_BENCH_POSTGRES_URL")
            or os.environ.get("DANGAN_TEST_POSTGRES_URL")
            or "postgresql+psycopg://root@127.0.0.1:5432/test")


def _people(cur: Any, project_id: int, count: int) -> dict[str, list[int]]:
    """Workers by role (ids from 1), a tenth of the scanners on probation with a mentor."""
    pools: dict[str, list[int]] = {}
    rows: list[tuple[Any, ...]] = []
    wid = 0
    for role, share in ROLE_SHARE.items():
        pools[role] = []
        for _ in range(max(1, round(count * share))):
            wid += 1
            pools[role].append(wid)
            rows.append((wid, role))
    scanners = pools[wf.SCAN_OPERATOR]
    mentees = set(scanners[1::10])
    now = datetime.now(UTC).isoformat()
    with cur.copy("COPY worker (id, project_id, name, active, created_at, mentor_id, "
                  "probation_until) FROM STDIN") as cp:
        for w, _role in rows:
            cp.write_row((w, project_id, f"工{w:03d}", True, now,
                          scanners[0] if w in mentees else None,
                          (YEAR_START + timedelta(days=180)).isoformat() if w in mentees
                          else None))
    with cur.copy("COPY worker_role (worker_id, role) FROM STDIN") as cp:
        for w, role in rows:
            cp.write_row((w, role))
    cur.execute("SELECT setval(pg_get_serial_sequence('worker', 'id'), %s)", (wid,))
    return pools


def _at(day: float, hour: int) -> str:
    return (datetime.combine(YEAR_START, datetime.min.time(), UTC)
            + timedelta(days=day, hours=hour)).isoformat()


def load(engine: Engine, project_id: int, volumes: int, workers: int,
         say: Callable[[str], None]) -> int:
    rng = random.Random(7)
    batches = (volumes + PER_BATCH - 1) // PER_BATCH
    borrows = (volumes + PER_BORROW - 1) // PER_BORROW
    per_borrow = PER_BORROW // PER_BATCH
    iso = datetime.now(UTC).isoformat()
    raw = engine.raw_connection()
    conn = raw.driver_connection
    assert conn is not None
    events = 0
    try:
        with conn.cursor() as cur:
            t0 = time.perf_counter()
            pools = _people(cur, project_id, workers)
            with cur.copy("COPY borrow_batch (id, project_id, no, status, remarks, created_at) "
                          "FROM STDIN") as cp:
                for b in range(1, borrows + 1):
                    cp.write_row((b, project_id, b, wf.BORROW_RETURNED, "", iso))
            with cur.copy("COPY work_batch (id, project_id, borrow_batch_id, code, seq, total, "
                          "stage, status, planned_pages, qc_round, created_at) FROM STDIN") as cp:
                for wb in range(batches):
                    b, s = wb // per_borrow + 1, wb % per_borrow + 1
                    cp.write_row((wb + 1, project_id, b, f"{b}-{per_borrow}-{s}", s, per_borrow,
                                  wf.DONE, wf.FINISHED, PER_BATCH * 40, 1, iso))
            pages = [rng.randint(20, 60) for _ in range(volumes)]
            with cur.copy("COPY volume (id, project_id, archive_code, title, location, extra, "
                          "stage, status, created_at, updated_at, expected_pages, page_count, "
                          "list_row, borrow_batch_id, work_batch_id) FROM STDIN") as cp:
                for v in range(volumes):
                    cp.write_row((v + 1, project_id,
                                  f"{1990 + v // 10000}-民-{v // 1000 % 10000:04d}-"
                                  f"{v % 10000:04d}", "", "", "{}", wf.DONE, wf.FINISHED, iso,
                                  iso, pages[v], pages[v], v + 1, v // PER_BORROW + 1,
                                  v // PER_BATCH + 1))
            with cur.copy("COPY borrow_register_entry (borrow_batch_id, volume_id, seq, "
                          "location, condition, returned_at) FROM STDIN") as cp:
                for v in range(volumes):
                    cp.write_row((v // PER_BORROW + 1, v + 1, v % PER_BORROW + 1, "", "", iso))
            with cur.copy("COPY item (volume_id, seq, doc_no, author, title, date, page_start, "
                          "page_end, security_class, remarks, extra) FROM STDIN") as cp:
                for v in range(volumes):
                    for k in range(3):
                        cp.write_row((v + 1, k + 1, "", "", "", "", k + 1, k + 1, "", "", "{}"))
            say(f"  workers, batches, volumes, register, items: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            # the pages and their retouched files: pay and productivity count recorded work
            # (ingested pages, retouched page files), never the registered expectation
            with cur.copy("COPY page (id, volume_id, page_no, blank, metrics) FROM STDIN") as cp:
                page_id = 0
                for v in range(volumes):
                    for n in range(1, pages[v] + 1):
                        page_id += 1
                        cp.write_row((page_id, v + 1, n, False, "{}"))
            with cur.copy("COPY stored_file (project_id, volume_id, page_id, area, path, kind, "
                          "sha256, size, recorded_at) FROM STDIN") as cp:
                page_id = 0
                for v in range(volumes):
                    for n in range(1, pages[v] + 1):
                        page_id += 1
                        cp.write_row((project_id, v + 1, page_id, "retouched",
                                      f"已修图/{v + 1}/{n:04d}.jpg", "page", "0" * 64, 1, iso))
            say(f"  {page_id:,} pages and their retouched files: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            # each volume signed once per stage: each sign-off its first (as the engine marks)
            with cur.copy("COPY stage_event (project_id, kind, stage, volume_id, work_batch_id, "
                          "worker_id, person, at, remarks, data, first_signoff) FROM STDIN") as cp:
                for v in range(volumes):
                    wb = v // PER_BATCH
                    start = wb * 360 / batches
                    for k, stage in enumerate(STAGES):
                        pool = pools[STAGE_ROLE[stage]]
                        w = pool[(wb + k) % len(pool)]
                        cp.write_row((project_id, wf.EVENT_SIGNOFF, stage, v + 1, wb + 1, w,
                                      f"工{w:03d}", _at(start + k * 0.5, 9 + k % 8), "", "{}",
                                      True))
                    events += len(STAGES)
            with cur.copy("COPY qc_inspection (work_batch_id, round, inspector_id, seed, sample, "
                          "population, started_at, decided_at, decision, pass_rate) "
                          "FROM STDIN") as cp:
                for wb in range(batches):
                    day = wb * 360 / batches + 3
                    passed = rng.random() < 0.9
                    cp.write_row((wb + 1, 1, pools[wf.QC_INSPECTOR][0], 1, "[]", 100,
                                  _at(day, 9), _at(day, 11), "pass" if passed else "fail",
                                  0.98 if passed else 0.9))
            defects = 0
            with cur.copy("COPY defect (project_id, volume_id, work_batch_id, code, severity, "
                          "source, stage, responsible_id, message, data, status, found_at, "
                          "cause, inspection_id) FROM STDIN") as cp:
                for v in rng.sample(range(volumes), max(1, volumes // 50)):
                    wb = v // PER_BATCH
                    stage = rng.choice(list(CODES))
                    k = STAGES.index(stage)
                    pool = pools[STAGE_ROLE[stage]]
                    cp.write_row((project_id, v + 1, wb + 1, rng.choice(CODES[stage]), "error",
                                  "qc", stage, pool[(wb + k) % len(pool)], "", "{}", "verified",
                                  _at(wb * 360 / batches + 3, 10),
                                  "original" if rng.random() < 0.1 else "worker", wb + 1))
                    defects += 1
            say(f"  {events:,} sign-offs, {batches:,} inspections, {defects:,} defects: "
                f"{time.perf_counter() - t0:.1f} s")
        conn.commit()
    finally:
        raw.close()
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE worker, borrow_batch, work_batch, volume, "
                          "borrow_register_entry, item, stage_event, qc_inspection, defect, page, "
                          "stored_file")
    return events


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def print_dashboard(ctx: ProjectContext, today: date, runs: int) -> None:
    """Each of the dashboard's queries, best of ``runs`` page loads."""
    boards = [dashboard(ctx, today) for _ in range(runs)]
    print(f"dashboard queries ({today:%Y-%m}, best of {runs}; target ≤ 300 ms each):")
    for name in boards[0].timings:
        print(f"  {name:<60} {min(b.timings[name] for b in boards):9.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dashboard-only", action="store_true",
                        help="time only the dashboard's queries after the load")
    args = parser.parse_args()
    base = pg_url()
    schema = f"bench_rep_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url_s = make_url(base).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-"))
    try:
        engine = make_engine(url_s)
        migrate.upgrade(engine)
        with engine.begin() as c:
            project_id = c.execute(text(
                "INSERT INTO project (name, client, template, created_at) "
                "VALUES ('bench', '', 'court', now()) RETURNING id")).scalar_one()
        config = parse_config(template_text("court", "bench"), tmp / "dangan.toml")
        ctx = ProjectContext(tmp, config, url_s, Storage(str(tmp / "storage")), project_id)
        print(f"PostgreSQL {make_url(base).render_as_string(hide_password=True)}, "
              f"schema {schema}")
        print(f"loading {args.volumes:,} volumes (~{args.volumes * 40:,} pages), "
              f"{args.workers} workers, a year of sign-offs …")
        t0 = time.perf_counter()
        load(engine, project_id, args.volumes, args.workers, print)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            # as autovacuum keeps a working database (index-only scans need the visibility map)
            c.execute(text("VACUUM ANALYZE stage_event, volume, item, defect, qc_inspection, "
                           "page, stored_file"))
        print(f"  loaded in {time.perf_counter() - t0:.1f} s")
        months = [f"{(YEAR_START + timedelta(days=31 * i)):%Y-%m}" for i in range(12)]
        last = parse_period(months[-1])
        week = parse_period(f"{YEAR_START + timedelta(days=300):%G-W%V}")
        everything = Period("all", date(2000, 1, 1), date(2100, 1, 1))
        today = YEAR_START + timedelta(days=340)  # a month with work in it
        if args.dashboard_only:
            print_dashboard(ctx, today, args.runs)
            return
        lines = len(pay_report(ctx, last).lines)
        figures = [
            ("weekly report", best(lambda: weekly(ctx, week), args.runs)),
            (f"pay period {last.label}, all workers, nothing closed ({lines:,} lines)",
             best(lambda: pay_report(ctx, last), args.runs)),
            ("productivity, a month by day", best(
                lambda: productivity(ctx, last, "day"), args.runs)),
            ("productivity, the year by month", best(
                lambda: productivity(ctx, everything, "month"), args.runs)),
            ("quality, all", best(lambda: quality(ctx), args.runs)),
            ("summary (工程总结表)", best(lambda: summary(ctx), args.runs)),
            ("estimate (measured rates)", best(lambda: estimate(ctx), args.runs)),
        ]
        boards = [dashboard(ctx, today) for _ in range(args.runs)]
        figures.append(("dashboard page, all its queries (best run)",
                        min(sum(b.timings.values()) for b in boards) / 1000))
        t0 = time.perf_counter()
        for m in months[:-1]:
            close_period(ctx, parse_period(m), "bench")
        closing = (time.perf_counter() - t0) / (len(months) - 1)
        figures.append(("close a month (mean of 11, growing history)", closing))
        figures.append((f"pay period {last.label} after 11 closed months (adjustments)",
                        best(lambda: pay_report(ctx, last), args.runs)))
        after = [dashboard(ctx, today) for _ in range(args.runs)]  # owes the closed months
        figures.append(("dashboard page after 11 closed months (best run)",
                        min(sum(b.timings.values()) for b in after) / 1000))
        figures.append(("  of it: what the closed periods owe (best run)",
                        min(b.timings.get("this month's deductions and what closed periods owe",
                                          0.0) for b in after) / 1000))
        print(f"results ({args.volumes:,} volumes, {args.workers} workers, best of "
              f"{args.runs}):")
        for name, seconds in figures:
            print(f"{name:<62} {seconds * 1000:9.0f} ms")
        print_dashboard(ctx, today, args.runs)
        engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
