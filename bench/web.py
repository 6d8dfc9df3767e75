"""Load-test the web application with Locust: simulated workers claiming, signing off and
browsing against ``dangan serve`` on PostgreSQL, for a bounded time; then print the figures.

A project is made in its own PostgreSQL schema (dropped afterwards) and bulk-loaded with the
loader of bench/workflow.py (borrow batches of 1,000 volumes, work batches of 50 volumes,
40 pages a volume, the register, the audit trail); every unfinished work batch is then put at
扫描 so the scan operators have work. ``dangan serve`` runs on 127.0.0.1 only; each simulated
worker signs in with their own account and loops: my tasks → claim a waiting batch → its page
→ sign off → progress / volume search. Printed: p50 / p95 per request kind, server errors,
refusals (a claim lost to a colleague is a 409, not an error); then, from the database: double
claims (must be 0) and every successful sign-off in the audit trail exactly once (one scan
sign-off event per volume of every signed batch, by the signer; as many signed batches as
sign-offs Locust saw succeed).

    .venv/bin/python bench/web.py [--volumes 10000] [--users 50] [--seconds 60] [--workers 2]

PostgreSQL: DANGAN_BENCH_POSTGRES_URL, else DANGAN_TEST_POSTGRES_URL, else
postgresql+psycopg://root@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD = "bench password 42"
LOCUST_ENV = "DANGAN_BENCH_LOCUST"
BATCH_RE = re.compile(r'data-batch="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

if os.environ.get(LOCUST_ENV):  # imported by the locust process as its locustfile
    import itertools

    from locust import HttpUser, between, task

    _ids = itertools.count(1)

    class LineWorker(HttpUser):
        """One scan operator at a station: tasks, claim, batch page, sign, look around."""

        wait_time = between(0.5, 2.0)

        def on_start(self) -> None:
            self.login = f"w{next(_ids):03d}"
            page = self.client.get("/login", name="page: login")
            token = CSRF_RE.search(page.text)
            self.client.post("/login", name="login", allow_redirects=False, data={
                "login": self.login, "password": PASSWORD, "next": "/tasks",
                "csrf_token": token.group(1) if token else ""})
            self.csrf = ""

        def _post(self, url: str, name: str, data: dict[str, str]) -> None:
            with self.client.post(url, name=name, data={"csrf_token": self.csrf, **data},
                                  allow_redirects=False, catch_response=True) as r:
                if r.status_code >= 500:
                    r.failure(f"server error {r.status_code}")
                elif r.status_code in (303, 200):
                    r.success()
                else:
                    r.failure(f"refused {r.status_code}")

        @task(3)
        def claim_and_sign(self) -> None:
            tasks = self.client.get("/tasks", name="page: my tasks")
            token = CSRF_RE.search(tasks.text)
            self.csrf = token.group(1) if token else ""
            codes = BATCH_RE.findall(tasks.text)
            if not codes:
                return
            code = random.choice(codes[:30])
            self._post(f"/batches/{code}/claim", "claim", {"remarks": "开始扫描"})
            page = self.client.get(f"/batches/{code}", name="page: work batch")
            if f"/batches/{code}/sign" in page.text:
                self._post(f"/batches/{code}/sign", "sign off", {"remarks": "扫描完成"})

        @task(1)
        def browse(self) -> None:
            self.client.get("/progress", name="page: progress")
            self.client.get("/volumes", params={"q": f"199{random.randint(0, 9)}-民"},
                            name="page: volume search")


def pg_url() -> str:
    return (os.environ.get("DANGAN_BENCH_POSTGRES_URL")
            or os.environ.get("DANGAN_TEST_POSTGRES_URL")
            or "postgresql+psycopg://root@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(home: Path, url: str, volumes: int, users: int) -> None:
    """The project, the bulk load, everything unfinished at scan, one account per user."""
    sys.path.insert(0, str(Path(__file__).parent))
    from sqlalchemy import text

    from dangan.domain import workflow as wf
    from dangan.services.project import init_project
    from dangan.web import accounts
    from workflow import load  # bench/workflow.py's COPY loader

    ctx = init_project(home, "court", name="web bench")
    from dangan.services import workers

    workers.add_worker(ctx, "历史", [wf.PROJECT_MANAGER])  # the loader's signer of history
    t0 = time.perf_counter()
    load(ctx.engine, ctx.project_id, volumes, print)
    with ctx.engine.begin() as c:
        c.execute(text("UPDATE work_batch SET stage = 'scan', status = 'waiting' "
                       "WHERE stage <> 'done'"))
        c.execute(text("UPDATE volume SET stage = 'scan', status = 'waiting' "
                       "WHERE stage <> 'done'"))
        waiting = c.execute(text("SELECT count(*) FROM work_batch WHERE stage = 'scan'")).scalar()
    print(f"  loaded in {time.perf_counter() - t0:.1f} s; {waiting:,} work batches wait at scan")
    for i in range(1, users + 1):
        accounts.add_user(ctx, f"w{i:03d}", PASSWORD, worker=f"扫描员{i:03d}",
                          roles=[wf.SCAN_OPERATOR])
    ctx.engine.dispose()


def serve(home: Path, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    exe = shutil.which("dangan", path=str(Path(sys.executable).parent)) or "dangan"
    with open(home / "serve.log", "wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen([exe, "serve", "-p", str(home), "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(workers)], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("dangan serve did not start; see " + str(home / "serve.log"))


def run_locust(host: str, users: int, seconds: int, prefix: Path, env: dict[str, str]) -> None:
    exe = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    subprocess.run([exe, "-f", __file__, "--headless", "-u", str(users), "-r", str(users),
                    "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
                    "--stop-timeout", "10", "--loglevel", "WARNING"],
                   env={**env, LOCUST_ENV: "1"}, check=False, timeout=seconds + 120,
                   stdout=subprocess.DEVNULL)


def print_stats(prefix: Path) -> dict[str, int]:
    ok: dict[str, int] = {}
    print(f"{'request':<22}{'n':>7}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["Name"]
            n, failed = int(row["Request Count"]), int(row["Failure Count"])
            ok[name] = n - failed
            print(f"{name:<22}{n:>7}{failed:>8}{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}")
    server_errors = 0
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            print(f"  {row['Name']}: {row['Error']} × {row['Occurrences']}")
            if "server error" in row["Error"] or "ConnectionError" in row["Error"]:
                server_errors += int(row["Occurrences"])
    print(f"server errors: {server_errors}")
    return ok


def check_db(url: str, signed_ok: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        doubles = c.execute(text(
            "SELECT count(*) FROM (SELECT work_batch_id, stage FROM claim "
            "GROUP BY work_batch_id, stage HAVING count(*) > 1) d")).scalar()
        per_volume = c.execute(text(
            "SELECT v.id, count(e.id) FROM volume v JOIN work_batch w ON w.id = v.work_batch_id "
            "JOIN claim k ON k.work_batch_id = w.id AND k.stage = 'scan' "
            "LEFT JOIN stage_event e ON e.volume_id = v.id AND e.kind = 'signoff' "
            "AND e.stage = 'scan' AND e.worker_id = k.worker_id "
            "WHERE k.release_reason = 'signed_off' GROUP BY v.id")).all()
        signed_batches = c.execute(text(
            "SELECT count(*) FROM claim WHERE stage = 'scan' "
            "AND release_reason = 'signed_off'")).scalar()
        claims_events = c.execute(text(
            "SELECT count(*) FROM stage_event WHERE kind = 'claim' AND stage = 'scan'")).scalar()
        claims_rows = c.execute(text("SELECT count(*) FROM claim WHERE stage = 'scan'")).scalar()
    engine.dispose()
    wrong = [vid for vid, n in per_volume if n != 1]
    print(f"double claims: {doubles}")
    print(f"claims: {claims_rows} rows, {claims_events} claim events in the audit trail")
    print(f"sign-offs: {signed_batches} batches signed in the DB, {signed_ok} seen by Locust; "
          f"{len(per_volume):,} volumes signed, {len(wrong)} without exactly one audit event")
    ok = doubles == 0 and not wrong and signed_batches == signed_ok
    print("audit check: " + ("PASS" if ok else "FAIL"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = pg_url()
    schema = f"bench_web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    url_s = url.render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="dangan-webbench-"))
    env = {**os.environ, "DANGAN_DATABASE_URL": url_s}
    os.environ["DANGAN_DATABASE_URL"] = url_s
    server = None
    try:
        print(f"PostgreSQL {make_url(base).render_as_string(hide_password=True)}, "
              f"schema {schema}")
        print(f"loading {args.volumes:,} volumes / {args.volumes * 40:,} pages …")
        seed(tmp / "proj", url_s, args.volumes, args.users)
        port = free_port()
        server = serve(tmp / "proj", port, args.workers, env)
        print(f"dangan serve on 127.0.0.1:{port} ({args.workers} workers); "
              f"{args.users} users for {args.seconds} s …")
        run_locust(f"http://127.0.0.1:{port}", args.users, args.seconds, tmp / "locust", env)
        ok = print_stats(tmp / "locust")
        check_db(url_s, ok.get("sign off", 0))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__" and not os.environ.get(LOCUST_ENV):
    main()
