"""Benchmark the workflow on PostgreSQL at production scale and print the figures.

A project of 100,000 volumes / 4,000,000 pages (40 per volume) is bulk-loaded with COPY into
its own schema (dropped afterwards): 100 borrow batches of 1,000 volumes, 2,000 work batches of
50 volumes (2,000 pages = one person-day), the borrow register, and ~500,000 audit events.
Then every timed operation is a real service call, one transaction each, as the CLI makes it:
claim a work batch, sign off a stage (50 volumes), record a QC defect, the per-stage progress
query. Figures are medians (and p95) of wall time.

    .venv/bin/python bench/workflow.py [--volumes 100000] [--runs 200]

PostgreSQL: DANGAN_BENCH_POSTGRES_URL, else DANGAN_TEST_POSTGRES_URL, else
postgresql+psycopg://root@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dangan.config import parse_config
from dangan.db import migrate
from dangan.db.session import make_engine
from dangan.domain import workflow as wf
from dangan.services import claims, progress, qc, signoff, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, template_text
from dangan.storage import Storage

PAGES_PER_VOLUME = 40
VOLUMES_PER_BORROW = 1000
VOLUMES_PER_WORK_BATCH = 50
WORK_STAGES = [wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD, wf.QC, wf.REBIND, wf.RETURN]


def pg_url() -> str:
    return (os.environ.get("DANGAN_BENCH_POSTGRES_URL")
            or os.environ.get("DANGAN_TEST_POSTGRES_URL")
            or "postgresql+psycopg://root@127.0.0.1:5432/test")


def stage_of(borrow_no: int, seq: int, returned: int) -> str:
    """Returned borrow batches are done; the others' work batches spread over the line,
    with work batches 1-6 waiting at scan and 7-12 at QC (the timed operations use them)."""
    if borrow_no <= returned:
        return wf.DONE
    if seq <= 6:
        return wf.SCAN
    if seq <= 12:
        return wf.QC
    return WORK_STAGES[seq % len(WORK_STAGES)]


def load(engine, project_id: int, volumes: int, say: Callable[[str], None]) -> None:  # type: ignore[no-untyped-def]
    borrows = volumes // VOLUMES_PER_BORROW
    returned = borrows * 6 // 10
    per_borrow = VOLUMES_PER_BORROW // VOLUMES_PER_WORK_BATCH
    now = datetime.now(UTC)
    iso = now.isoformat()
    raw = engine.raw_connection()
    conn = raw.driver_connection
    graph = wf.StageGraph.build(list(wf.DEFAULT_STAGES))
    try:
        with conn.cursor() as cur:
            t0 = time.perf_counter()
            with cur.copy("COPY borrow_batch (project_id, no, status, remarks, created_at, "
                          "borrowed_at, archive_staff, archive_confirmed_at, due_at) FROM STDIN") as cp:
                for b in range(1, borrows + 1):
                    cp.write_row((project_id, b, wf.BORROW_RETURNED if b <= returned else wf.BORROW_OUT,
                                  "", iso, iso, "档案室", iso, (now + timedelta(days=30)).isoformat()))
            with cur.copy("COPY work_batch (project_id, borrow_batch_id, code, seq, total, stage, "
                          "status, planned_pages, qc_round, created_at) FROM STDIN") as cp:
                for b in range(1, borrows + 1):
                    for s in range(1, per_borrow + 1):
                        stage = stage_of(b, s, returned)
                        cp.write_row((project_id, b, f"{b}-{per_borrow}-{s}", s, per_borrow, stage,
                                      wf.FINISHED if stage == wf.DONE else wf.WAITING,
                                      VOLUMES_PER_WORK_BATCH * PAGES_PER_VOLUME, 0, iso))
            with cur.copy("COPY volume (project_id, archive_code, title, location, extra, stage, "
                          "status, created_at, updated_at, expected_pages, list_row, "
                          "borrow_batch_id, work_batch_id) FROM STDIN") as cp:
                for v in range(volumes):
                    b, s = v // VOLUMES_PER_BORROW + 1, (v % VOLUMES_PER_BORROW) // VOLUMES_PER_WORK_BATCH + 1
                    stage = stage_of(b, s, returned)
                    cp.write_row((project_id, f"{1990 + v // 10000}-民-{v // 1000 % 10000:04d}-{v % 10000:04d}",
                                  f"案卷{v}", f"{v // 500}号柜", "{}", stage,
                                  wf.FINISHED if stage == wf.DONE else wf.WAITING, iso, iso,
                                  PAGES_PER_VOLUME, v + 1, b, (b - 1) * per_borrow + s))
            with cur.copy("COPY borrow_register_entry (borrow_batch_id, volume_id, seq, location, "
                          "condition, pages_at_borrow) FROM STDIN") as cp:
                for v in range(volumes):
                    cp.write_row((v // VOLUMES_PER_BORROW + 1, v + 1, v % VOLUMES_PER_BORROW + 1,
                                  f"{v // 500}号柜", "", PAGES_PER_VOLUME))
            say(f"  batches, volumes, register: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            with cur.copy("COPY page (volume_id, page_no, blank, metrics) FROM STDIN") as cp:
                for v in range(1, volumes + 1):
                    for p in range(1, PAGES_PER_VOLUME + 1):
                        cp.write_row((v, p, False, "{}"))
            say(f"  {volumes * PAGES_PER_VOLUME:,} pages: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            events = 0
            # each stage passed signed once: each sign-off its volume's first of the stage
            with cur.copy("COPY stage_event (project_id, kind, stage, volume_id, work_batch_id, "
                          "borrow_batch_id, worker_id, person, at, remarks, data, "
                          "first_signoff) FROM STDIN") as cp:
                for v in range(volumes):
                    b, s = v // VOLUMES_PER_BORROW + 1, (v % VOLUMES_PER_BORROW) // VOLUMES_PER_WORK_BATCH + 1
                    wb = (b - 1) * per_borrow + s
                    stage = stage_of(b, s, returned)
                    cp.write_row((project_id, wf.EVENT_BORROW_LIST, wf.BORROW, v + 1, None, b, None,
                                  "", iso, "", "{}", None))
                    passed = [st for st in graph.stages if graph.passed(stage, st)]
                    for st in passed:
                        cp.write_row((project_id, wf.EVENT_SIGNOFF, st, v + 1, wb, b, 1, "历史",
                                      iso, "", "{}", True))
                    events += 1 + len(passed)
            say(f"  {events:,} audit events: {time.perf_counter() - t0:.1f} s")
        conn.commit()
    finally:
        raw.close()
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE borrow_batch, work_batch, volume, borrow_register_entry, page, "
                          "stage_event")  # this schema's tables only, never the whole database


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{name:<44} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   "
          f"(n={len(ordered)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    base = pg_url()
    schema = f"bench_wf_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    url_s = url.render_as_string(hide_password=False)
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
        for name, role in (("历史", wf.PROJECT_MANAGER), ("扫描员甲", wf.SCAN_OPERATOR),
                           ("质检员甲", wf.QC_INSPECTOR)):
            workers.add_worker(ctx, name, [role])
        print(f"PostgreSQL {make_url(base).render_as_string(hide_password=True)}, schema {schema}")
        print(f"loading {args.volumes:,} volumes / {args.volumes * PAGES_PER_VOLUME:,} pages …")
        t0 = time.perf_counter()
        load(engine, project_id, args.volumes, print)
        print(f"  loaded in {time.perf_counter() - t0:.1f} s")
        with engine.connect() as c:
            scan_batches = list(c.execute(text(
                "SELECT code FROM work_batch WHERE stage = 'scan' ORDER BY id")).scalars())
            qc_batches = list(c.execute(text(
                "SELECT code FROM work_batch WHERE stage = 'qc' ORDER BY id")).scalars())
        runs = min(args.runs, len(scan_batches), len(qc_batches))
        scanner = resolve_actor(ctx, "扫描员甲")  # resolved once at the edge, as the CLI does
        inspector = resolve_actor(ctx, "质检员甲")
        claim_ms = [timed(lambda b=b: claims.claim(ctx, scanner, b)) for b in scan_batches[:runs]]
        sign_ms = [timed(lambda b=b: signoff.sign_off(ctx, scanner, b, wf.SCAN,
                                                      remarks="扫描完成"))
                   for b in scan_batches[:runs]]
        sample_ms = []
        for b in qc_batches[:runs]:
            claims.claim(ctx, inspector, b)
            sample_ms.append(timed(lambda b=b: qc.draw_sample(ctx, inspector, b, seed=1)))
        with engine.connect() as c:
            targets = list(c.execute(text(
                "SELECT v.archive_code FROM volume v JOIN work_batch w ON w.id = v.work_batch_id "
                "WHERE w.stage = 'qc' AND w.status = 'claimed' ORDER BY v.id")).scalars())
        step = max(1, len(targets) // runs)
        defect_ms = [timed(lambda c=c: qc.record_defect(ctx, inspector, c, "skew", page_no=3,
                                                        message="偏斜"))
                     for c in targets[::step][:runs]]
        progress_ms = [timed(lambda: progress.stage_progress(ctx)) for _ in range(30)]
        print(f"results ({args.volumes:,} volumes, {args.volumes * PAGES_PER_VOLUME:,} pages, "
              "one transaction per call):")
        report("claim a work batch", claim_ms)
        report("sign off a stage (50 volumes, 51 events)", sign_ms)
        report("record a QC defect", defect_ms)
        report("draw a QC sample (2,000 pages)", sample_ms)
        report("per-stage progress query", progress_ms)
        engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
