"""Load-test the web application with Locust: simulated workers claiming, signing off and
browsing against ``dangan serve`` on PostgreSQL, for a bounded time; then print the figures.

A project is made in its own PostgreSQL schema (dropped afterwards) and bulk-loaded with the
loader of bench/workflow.py (borrow batches of 1,000 volumes, work batches of 50 volumes,
40 pages a volume, the register, the audit trail); every unfinished work batch is then put at
扫描 so the scan operators have work. ``dangan serve`` runs on 127.0.0.1 only; each simulated
worker signs in once with their own account (the session is kept), waits until every user
has signed in (so the sign-in burst is measured apart and no page waits behind it), then
loops: my tasks → claim a waiting batch → its page → sign off → progress / volume search.
The loaded tables are vacuumed and analysed first, as autovacuum keeps a working database. Printed: p50 / p95 per request kind, server errors,
refusals (a claim lost to a colleague is a 409, not an error); then, from the database: double
claims (must be 0) and every successful sign-off in the audit trail exactly once (one scan
sign-off event per volume of every signed batch, by the signer; as many signed batches as
sign-offs Locust saw succeed).

    .venv/bin/python bench/web.py [--volumes 10000] [--users 50] [--seconds 60] [--workers 2]
                                  [--think 0.5-2]

``--think LO-HI``: the seconds a user waits between two actions (default 0.5-2, far busier
than a person at a scan station; 5-15 is closer to one). Besides the latencies, the CPU the
server processes, their PostgreSQL backends and Locust used during the run are read from
/proc and printed per request, with the load average at the start and the end: figures that
survive a machine shared with other work.

PostgreSQL: DANGAN_BENCH_POSTGRES_URL, else DANGAN_TEST_POSTGRES_URL, else
postgresql+psycopg://root@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
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
USERS_ENV = "DANGAN_BENCH_USERS"
THINK_ENV = "DANGAN_BENCH_THINK"
APP_NAME = "dangan-web-bench"  # the server's PostgreSQL connections, to read their CPU
BATCH_RE = re.compile(r'data-batch="([^"]+)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

if os.environ.get(LOCUST_ENV):  # imported by the locust process as its locustfile
    import itertools
    from urllib.parse import quote

    import gevent
    from locust import FastHttpUser, between, events, task

    _ids = itertools.count(1)
    _signed_in = [0]
    _outcomes = open(os.environ[LOCUST_ENV], "a", encoding="utf-8")  # noqa: SIM115

    @events.request.add_listener
    def _note(request_type: str, name: str, response: object = None,
              exception: object = None, url: str = "", **_: object) -> None:
        """Every server error or broken connection, and every successful sign-off's batch."""
        status = getattr(response, "status_code", 0) or 0
        if exception is not None and not str(exception).startswith("refused"):
            _outcomes.write(f"error {name} {status} {str(exception)[:80]!r}\n")
        elif status >= 500:
            _outcomes.write(f"error {name} {status}\n")
        elif name == "sign off" and status == 303:
            _outcomes.write(f"signed {url.rsplit('/', 2)[-2]}\n")
        _outcomes.flush()

    _think = [float(v) for v in os.environ.get(THINK_ENV, "0.5-2").split("-")]

    class LineWorker(FastHttpUser):
        """One scan operator at a station: tasks, claim, batch page, sign, look around.
        (FastHttpUser: the same requests for a fraction of the client's CPU, which shares
        the machine with the server.)"""

        wait_time = between(_think[0], _think[-1])

        def on_start(self) -> None:
            self.login = f"w{next(_ids):03d}"
            page = self.client.get("/login", name="page: login")
            token = CSRF_RE.search(page.text)
            self.client.post("/login", name="login", allow_redirects=False, data={
                "login": self.login, "password": PASSWORD, "next": "/tasks",
                "csrf_token": token.group(1) if token else ""})
            self.csrf = ""
            _signed_in[0] += 1
            everyone = int(os.environ.get(USERS_ENV, "1"))
            if _signed_in[0] == everyone:
                _outcomes.write("ready\n")  # the measured loop starts: the CPU meter reads
                _outcomes.flush()
            deadline = time.monotonic() + 120
            while _signed_in[0] < everyone and time.monotonic() < deadline:
                gevent.sleep(0.1)
            # people do not all press a button in the same instant: each starts after a
            # pause of its own, as between any two of its actions
            gevent.sleep(self.wait_time())

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
            self.client.get("/volumes?q=" + quote(f"199{random.randint(0, 9)}-民"),
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
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE volume, page, stage_event, work_batch, "
                       "borrow_register_entry, borrow_batch"))
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


def run_locust(host: str, users: int, seconds: int, prefix: Path, env: dict[str, str],
               think: str, meter: CpuMeter) -> None:
    """Locust for ``seconds``; the CPU meter starts once every user has signed in."""
    import threading

    def start_meter() -> None:
        outcomes = Path(f"{prefix}.outcomes")
        for _ in range(int((seconds + 120) / 0.05)):
            if outcomes.exists() and "ready\n" in outcomes.read_text(encoding="utf-8"):
                break
            time.sleep(0.05)
        meter.begin()

    watcher = threading.Thread(target=start_meter, daemon=True)
    watcher.start()
    exe = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    before = os.times()
    subprocess.run([exe, "-f", __file__, "--headless", "-u", str(users), "-r", str(users),
                    "-t", f"{seconds}s", "--host", host, "--json-file", str(prefix),
                    "--stop-timeout", "10", "--loglevel", "WARNING", "--skip-log"],
                   env={**env, LOCUST_ENV: f"{prefix}.outcomes", USERS_ENV: str(users),
                        THINK_ENV: think},
                   check=False,
                   timeout=seconds + 120, stdout=subprocess.DEVNULL)
    after = os.times()
    meter.locust_total = (after.children_user + after.children_system
                          - before.children_user - before.children_system)


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """utime + stime of each live process, from /proc (seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def descendants(root: int) -> set[int]:
    """The process and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        kids = {pid for pid, pp in parents.items() if pp == parent} - found
        found |= kids
        todo.extend(kids)
    return found


def backends(url: str) -> set[int]:
    """The PostgreSQL backends of the server's connections."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        pids = set(c.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                  ":name"), {"name": APP_NAME}).scalars())
    engine.dispose()
    return pids


class CpuMeter:
    """CPU used during the run by the server's processes, their PostgreSQL backends and the
    load generator (Locust, a child of this process)."""

    def __init__(self, server: int, url: str) -> None:
        self.server, self.url = server, url
        self.start: dict[int, float] = {}
        self.locust_at_begin = 0.0  # the load generator's CPU when every user had signed in
        self.locust_total = 0.0  # and when it ended
        self.load = ""

    def begin(self) -> None:
        """Every user has signed in: the sign-ins (Argon2id) are not counted."""
        locust = descendants(os.getpid()) - descendants(self.server) - {os.getpid()}
        self.locust_at_begin = sum(cpu_seconds(locust).values())
        self.start = {**cpu_seconds(descendants(self.server)), **cpu_seconds(backends(self.url))}
        self.load = Path("/proc/loadavg").read_text().split()[0]

    def report(self, requests: int) -> None:
        server_pids, db_pids = descendants(self.server), backends(self.url)
        now = {**cpu_seconds(server_pids), **cpu_seconds(db_pids)}

        def used(pids: set[int]) -> float:
            return sum(now[p] - self.start.get(p, 0.0) for p in pids if p in now)

        locust = self.locust_total - self.locust_at_begin
        n = max(requests, 1)
        load = Path("/proc/loadavg").read_text().split()[0]
        print(f"CPU per request ({requests} requests): server {used(server_pids) / n * 1000:.1f}"
              f" ms, PostgreSQL {used(db_pids) / n * 1000:.1f} ms, Locust "
              f"{locust / n * 1000:.1f} ms;  load average {self.load} at the start, {load} "
              f"at the end")


def percentile(times: dict[str, int], q: float) -> float:
    """The q-quantile of Locust's bucketed response times (ms -> count)."""
    ordered = sorted((float(k), n) for k, n in times.items())
    total = sum(n for _k, n in ordered)
    seen = 0
    for ms, n in ordered:
        seen += n
        if seen >= q * total:
            return ms
    return ordered[-1][0] if ordered else 0.0


def print_stats(prefix: Path) -> tuple[set[str], int]:
    """Final figures per request kind; returns the batches whose sign-off succeeded and the
    number of requests of the measured loop (the sign-ins apart)."""
    import json

    print(f"{'request':<22}{'n':>7}{'refused':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    with open(f"{prefix}.json", encoding="utf-8") as fh:
        stats = json.load(fh)
    for row in sorted(stats, key=lambda r: r["name"]):
        times = row["response_times"]
        print(f"{row['name']:<22}{row['num_requests']:>7}{row['num_failures']:>9}"
              f"{percentile(times, 0.5):>9.0f}{percentile(times, 0.95):>9.0f}"
              f"{percentile(times, 0.99):>9.0f}")
    lines = Path(f"{prefix}.outcomes").read_text(encoding="utf-8").splitlines() \
        if Path(f"{prefix}.outcomes").exists() else []
    errors = [line for line in lines if line.startswith("error ")]
    for line in errors[:10]:
        print("  " + line)
    print(f"server errors: {len(errors)}  (a claim lost to a colleague is refused, not an error)")
    requests = sum(row["num_requests"] for row in stats if row["name"] not in ("login",
                                                                              "page: login"))
    return {line.split(" ", 1)[1] for line in lines if line.startswith("signed ")}, requests


def check_db(url: str, signed: set[str]) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        # two claims of one batch for one stage open at the same time
        doubles = c.execute(text(
            "SELECT count(*) FROM claim a JOIN claim b ON a.work_batch_id = b.work_batch_id "
            "AND a.stage = b.stage AND a.id < b.id AND b.claimed_at < "
            "coalesce(a.released_at, 'infinity') AND a.claimed_at < "
            "coalesce(b.released_at, 'infinity')")).scalar()
        again = c.execute(text(
            "SELECT coalesce(release_reason, 'open'), count(*) FROM claim WHERE work_batch_id IN "
            "(SELECT work_batch_id FROM claim GROUP BY work_batch_id, stage "
            "HAVING count(*) > 1) GROUP BY 1")).all()
        per_volume = c.execute(text(
            "SELECT v.id, count(e.id) FROM volume v JOIN work_batch w ON w.id = v.work_batch_id "
            "JOIN claim k ON k.work_batch_id = w.id AND k.stage = 'scan' "
            "LEFT JOIN stage_event e ON e.volume_id = v.id AND e.kind = 'signoff' "
            "AND e.stage = 'scan' AND e.worker_id = k.worker_id "
            "WHERE k.release_reason = 'signed_off' GROUP BY v.id")).all()
        signed_db = set(c.execute(text(
            "SELECT w.code FROM claim k JOIN work_batch w ON w.id = k.work_batch_id "
            "WHERE k.stage = 'scan' AND k.release_reason = 'signed_off'")).scalars())
        claims_events = c.execute(text(
            "SELECT count(*) FROM stage_event WHERE kind = 'claim' AND stage = 'scan'")).scalar()
        claims_rows = c.execute(text("SELECT count(*) FROM claim WHERE stage = 'scan'")).scalar()
    engine.dispose()
    wrong = [vid for vid, n in per_volume if n != 1]
    print(f"double claims: {doubles}" + (f"  (batches claimed again after a release: "
                                          f"{dict(again)})" if again else ""))
    print(f"claims: {claims_rows} rows, {claims_events} claim events in the audit trail")
    print(f"sign-offs: {len(signed_db)} batches signed in the DB, {len(signed)} answered as "
          f"signed to the users ({len(signed ^ signed_db)} differ); {len(per_volume):,} volumes "
          f"signed, {len(wrong)} without exactly one audit event")
    ok = doubles == 0 and not wrong and signed == signed_db
    print("audit check: " + ("PASS" if ok else "FAIL"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--think", default="0.5-2",
                        help="seconds a user waits between actions, LO-HI (5-15: a person)")
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
    served = url.update_query_dict({"application_name": APP_NAME})
    env = {**os.environ, "DANGAN_DATABASE_URL": served.render_as_string(hide_password=False)}
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
              f"{args.users} users for {args.seconds} s, {args.think} s between actions …")
        meter = CpuMeter(server.pid, base)
        run_locust(f"http://127.0.0.1:{port}", args.users, args.seconds, tmp / "locust", env,
                   args.think, meter)
        signed, requests = print_stats(tmp / "locust")
        meter.report(requests)
        check_db(url_s, signed)
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
