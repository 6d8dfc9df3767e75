"""Read paths of a large project: status, progress, my tasks, a volume's history.

A project of N pages (40 a volume) is bulk-loaded — on PostgreSQL with the COPY loader of
``bench/workflow.py`` into a schema of its own (dropped afterwards), on SQLite with batched
inserts of the same rows into a temporary file — plus one stored file per page in 已扫描 and
one in 已修图 for every volume past those stages. Then each read is timed as the CLI and the
web make it (one read transaction per call): ``dangan status`` (project_status), ``dangan
progress`` (stage progress, batch progress, overdue), 我的任务 (the web's ``my_tasks`` for a
scan operator holding two batches) and ``dangan history`` (volume_history of volumes spread
over the project). Medians and p95 of wall time against the 200 ms target.

    .venv/bin/python bench/scale.py                 # --quick: 200,000 pages on each
    .venv/bin/python bench/scale.py --full          # 1,000,000 on SQLite, 4,000,000 on PostgreSQL
    .venv/bin/python bench/scale.py --sqlite-pages 500000 --pg-pages 2000000 --runs 50
    .venv/bin/python bench/scale.py --only sqlite

PostgreSQL: DANGAN_BENCH_POSTGRES_URL, else DANGAN_TEST_POSTGRES_URL, else
postgresql+psycopg://root@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workflow as bulk
from dangan.config import parse_config
from dangan.db import migrate
from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Page,
    StageEvent,
    StoredFile,
    Volume,
    WorkBatch,
)
from dangan.db.session import make_engine
from dangan.domain import workflow as wf
from dangan.services import claims, progress, workers
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
from dangan.services.project import ProjectContext, template_text
from dangan.services.volumes import project_status
from dangan.storage import Area, Storage
from dangan.web.security import Account
from dangan.web.tasks import my_tasks

TARGET_MS = 200.0
PAGES = bulk.PAGES_PER_VOLUME
CHUNK = 20_000
PAST_SCAN = {wf.RETOUCH, wf.INDEX, wf.UPLOAD, wf.QC, wf.REBIND, wf.RETURN, wf.DONE}
PAST_RETOUCH = PAST_SCAN - {wf.RETOUCH}


def _placement(v: int, volumes: int) -> tuple[int, int, int, str]:
    """(borrow no, seq in borrow, work batch id, stage) of volume index v (0-based)."""
    borrows = max(1, volumes // bulk.VOLUMES_PER_BORROW)
    per_borrow = bulk.VOLUMES_PER_BORROW // bulk.VOLUMES_PER_WORK_BATCH
    b = v // bulk.VOLUMES_PER_BORROW + 1
    s = (v % bulk.VOLUMES_PER_BORROW) // bulk.VOLUMES_PER_WORK_BATCH + 1
    return b, s, (b - 1) * per_borrow + s, bulk.stage_of(b, s, borrows * 6 // 10)


def _code(v: int) -> str:
    return f"{1990 + v // 10000}-民-{v // 1000 % 10000:04d}-{v % 10000:04d}"


def stored_rows(project_id: int, volumes: int, now: datetime) -> Iterator[dict[str, Any]]:
    """One stored file per page in 已扫描 / 已修图 for the volumes past those stages."""
    for v in range(volumes):
        stage = _placement(v, volumes)[3]
        areas = [a for a, past in ((Area.SCANNED, PAST_SCAN), (Area.RETOUCHED, PAST_RETOUCH))
                 if stage in past]
        for area in areas:
            for p in range(1, PAGES + 1):
                yield {"project_id": project_id, "volume_id": v + 1,
                       "page_id": v * PAGES + p, "area": area.key,
                       "path": f"{area.value}/{_code(v)}/{p:04d}.jpg", "kind": "page",
                       "sha256": f"{v:032x}{p:032x}", "size": 400_000, "recorded_at": now}


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_sqlite(engine: Engine, project_id: int, volumes: int,
                say: Callable[[str], None]) -> None:
    """The rows of bench/workflow.py's loader, inserted in batches (SQLite has no COPY)."""
    borrows = max(1, volumes // bulk.VOLUMES_PER_BORROW)
    returned = borrows * 6 // 10
    per_borrow = bulk.VOLUMES_PER_BORROW // bulk.VOLUMES_PER_WORK_BATCH
    now = datetime.now(UTC)
    graph = wf.StageGraph.build(list(wf.DEFAULT_STAGES))

    def events() -> Iterator[dict[str, Any]]:
        for v in range(volumes):
            b, _s, wb, stage = _placement(v, volumes)
            base = {"project_id": project_id, "volume_id": v + 1, "borrow_batch_id": b,
                    "person": "历史", "at": now, "remarks": "", "data": {},
                    "first_signoff": None}
            yield {**base, "kind": wf.EVENT_BORROW_LIST, "stage": wf.BORROW,
                   "work_batch_id": None, "worker_id": None, "person": ""}
            for st in graph.stages:
                if graph.passed(stage, st):
                    yield {**base, "kind": wf.EVENT_SIGNOFF, "stage": st, "work_batch_id": wb,
                           "worker_id": 1, "first_signoff": True}

    tables: list[tuple[str, Any, Iterator[dict[str, Any]]]] = [
        ("borrow batches", BorrowBatch, iter(
            {"project_id": project_id, "no": b,
             "status": wf.BORROW_RETURNED if b <= returned else wf.BORROW_OUT, "remarks": "",
             "created_at": now, "borrowed_at": now, "archive_staff": "档案室",
             "archive_confirmed_at": now, "due_at": now + timedelta(days=30)}
            for b in range(1, borrows + 1))),
        ("work batches", WorkBatch, iter(
            {"project_id": project_id, "borrow_batch_id": b, "code": f"{b}-{per_borrow}-{s}",
             "seq": s, "total": per_borrow, "stage": (st := bulk.stage_of(b, s, returned)),
             "status": wf.FINISHED if st == wf.DONE else wf.WAITING,
             "planned_pages": bulk.VOLUMES_PER_WORK_BATCH * PAGES, "qc_round": 0,
             "created_at": now}
            for b in range(1, borrows + 1) for s in range(1, per_borrow + 1))),
        ("volumes", Volume, iter(
            {"project_id": project_id, "archive_code": _code(v), "title": f"案卷{v}",
             "location": f"{v // 500}号柜", "extra": {}, "stage": (p := _placement(v, volumes))[3],
             "status": wf.FINISHED if p[3] == wf.DONE else wf.WAITING, "created_at": now,
             "updated_at": now, "expected_pages": PAGES, "list_row": v + 1,
             "borrow_batch_id": p[0], "work_batch_id": p[2]} for v in range(volumes))),
        ("register", BorrowRegisterEntry, iter(
            {"borrow_batch_id": v // bulk.VOLUMES_PER_BORROW + 1, "volume_id": v + 1,
             "seq": v % bulk.VOLUMES_PER_BORROW + 1, "location": f"{v // 500}号柜",
             "condition": "", "pages_at_borrow": PAGES} for v in range(volumes))),
        ("pages", Page, iter({"volume_id": v + 1, "page_no": p, "blank": False, "metrics": {}}
                             for v in range(volumes) for p in range(1, PAGES + 1))),
        ("stored files", StoredFile, stored_rows(project_id, volumes, now)),
        ("audit events", StageEvent, events()),
    ]
    for name, model, rows in tables:
        t0, n = time.perf_counter(), 0
        with engine.begin() as conn:
            for chunk in _chunks(rows):
                conn.execute(insert(model), chunk)
                n += len(chunk)
        say(f"  {n:,} {name}: {time.perf_counter() - t0:.1f} s")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def load_pg(engine: Engine, project_id: int, volumes: int, say: Callable[[str], None]) -> None:
    bulk.load(engine, project_id, volumes, say)
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    conn: Any = raw.driver_connection
    n = 0
    try:
        with conn.cursor() as cur, cur.copy(
                "COPY stored_file (project_id, volume_id, page_id, area, path, kind, sha256, "
                "size, recorded_at) FROM STDIN") as cp:
            for r in stored_rows(project_id, volumes, datetime.now(UTC)):
                cp.write_row((r["project_id"], r["volume_id"], r["page_id"], r["area"],
                              r["path"], r["kind"], r["sha256"], r["size"],
                              r["recorded_at"].isoformat()))
                n += 1
        conn.commit()
    finally:
        raw.close()
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE stored_file")
    say(f"  {n:,} stored files: {time.perf_counter() - t0:.1f} s")


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, samples: list[float]) -> bool:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p95 = ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]
    ok = p95 <= TARGET_MS
    print(f"  {name:<34} median {median:8.2f} ms   p95 {p95:8.2f} ms   (n={len(ordered)})   "
          f"{'within' if ok else 'OVER'} the {TARGET_MS:.0f} ms target")
    return ok


def run(backend: str, url: str, pages: int, runs: int, home: Path) -> bool:
    volumes = max(bulk.VOLUMES_PER_BORROW, pages // PAGES)
    volumes -= volumes % bulk.VOLUMES_PER_BORROW
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as c:
        project_id = c.execute(text(
            "INSERT INTO project (name, client, template, created_at) "
            "VALUES ('bench', '', 'court', :now) RETURNING id"),
            {"now": datetime.now(UTC)}).scalar_one()
    config = parse_config(template_text("court", "bench"), home / "dangan.toml")
    ctx = ProjectContext(home, config, url, Storage(str(home / "storage")), project_id)
    for name, role in (("历史", wf.PROJECT_MANAGER), ("扫描员甲", wf.SCAN_OPERATOR)):
        workers.add_worker(ctx, name, [role])
    print(f"{backend}: loading {volumes:,} volumes / {volumes * PAGES:,} pages …", flush=True)
    t0 = time.perf_counter()
    (load_pg if backend == "PostgreSQL" else load_sqlite)(engine, project_id, volumes, print)
    print(f"  loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    scanner = resolve_actor(ctx, "扫描员甲")
    with engine.connect() as c:
        to_scan = list(c.execute(text(
            "SELECT code FROM work_batch WHERE stage = 'scan' ORDER BY id LIMIT 2")).scalars())
    for code in to_scan:
        claims.claim(ctx, scanner, code)
    account = Account(scanner.worker_id, scanner.name, "scan1", frozenset({wf.SCAN_OPERATOR}),
                      False, "zh")
    reader = ProjectContext(home, config, url, ctx.storage, project_id, read_only=True)
    spread = [_code(v) for v in range(0, volumes, max(1, volumes // runs))][:runs]
    picks = iter(spread * 2)
    ok = True
    print(f"results ({backend}, {volumes:,} volumes, {volumes * PAGES:,} pages, "
          f"one read transaction per call):")
    project_status(reader)  # warm the pool and the caches once, as a running server has them
    ok &= report("status", timed(lambda: project_status(reader), runs))

    def counted() -> object:  # what status ran before migration 0013's tally: for comparison
        with reader.transaction() as session:
            return session.execute(
                select(StoredFile.area, func.count()).where(StoredFile.project_id == project_id)
                .group_by(StoredFile.area)).all()

    samples = timed(counted, max(3, runs // 3))
    print(f"  {'(files counted row by row, before 0013)':<34} median "
          f"{statistics.median(samples):8.2f} ms   (n={len(samples)}), not a target")
    ok &= report("progress (stages, batches, overdue)", timed(
        lambda: (progress.stage_progress(reader), progress.batch_progress(reader),
                 progress.overdue(reader)), runs))
    ok &= report("my tasks (scan operator)", timed(lambda: my_tasks(reader, account), runs))
    ok &= report("a volume's history", timed(lambda: volume_history(reader, next(picks)), runs))
    engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sqlite-pages", type=int, default=None)
    parser.add_argument("--pg-pages", type=int, default=None)
    parser.add_argument("--quick", action="store_true",
                        help="200,000 pages on each (the default when no size is given)")
    parser.add_argument("--full", action="store_true",
                        help="1,000,000 pages on SQLite and 4,000,000 on PostgreSQL")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    quick = 200_000
    sqlite_pages = args.sqlite_pages or (1_000_000 if args.full else quick)
    pg_pages = args.pg_pages or (4_000_000 if args.full else quick)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = True
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory(prefix="dangan-scale-") as tmp:
            home = Path(tmp)
            ok &= run("SQLite", f"sqlite:///{home / 'dangan.sqlite'}", sqlite_pages, args.runs,
                      home)
    if args.only != "sqlite":
        base = bulk.pg_url()
        schema = f"bench_scale_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            with tempfile.TemporaryDirectory(prefix="dangan-scale-") as tmp:
                ok &= run("PostgreSQL", url.render_as_string(hide_password=False), pg_pages,
                          args.runs, Path(tmp))
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("all within the target" if ok else "some reads are over the target")


if __name__ == "__main__":
    main()
