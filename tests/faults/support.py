"""Helpers of the fault tests: the real ``dangan`` command and server as subprocesses, a
lock held by the test to stop a request inside its transaction, and killing PostgreSQL
backends (never the server itself: other tests share it)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Engine, create_engine, select, text

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.services import workflow_state as ws
from dangan.services.history import replay
from dangan.services.project import ProjectContext

WAIT_S = 60.0  # the longest a subprocess may take to come up or to reach a lock


def env_for(ctx: ProjectContext) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_DATABASE_URL"] = ctx.database_url
    return env


def dangan(ctx: ProjectContext, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                          capture_output=True, text=True, env=env_for(ctx), timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``dangan serve`` as a real process on a free loopback port (every one started is
    killed after its test by the ``_no_server_left`` fixture, whatever happened)."""

    started: ClassVar[list[Server]] = []

    def __init__(self, ctx: ProjectContext, log: Path) -> None:
        Server.started.append(self)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dangan", "serve", "-p", str(ctx.home), "--host",
             "127.0.0.1", "--port", str(self.port)],
            env=env_for(ctx), stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT_S
        while True:
            assert self.proc.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(self.base + "/login", timeout=2.0):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("dangan serve did not come up") from None
                time.sleep(0.2)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=WAIT_S)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT_S)
        self._log.close()


@dataclass
class Answer:
    status: int
    body: dict[str, Any]


def post_json(url: str, body: dict[str, Any], token: str, timeout: float = 120) -> Answer:
    """POST JSON with a bearer token; an HTTP error is an answer, a dead server an OSError."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, json.loads(exc.read() or b"{}"))


def is_pg(ctx: ProjectContext) -> bool:
    return ctx.database_url.startswith("postgresql")


def schema_of(ctx: ProjectContext) -> str:
    with ctx.transaction() as s:
        return str(s.execute(text("select current_schema()")).scalar_one())


@contextmanager
def pg_admin(ctx: ProjectContext) -> Iterator[Engine]:
    engine = create_engine(ctx.database_url, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def pg_table_lock(ctx: ProjectContext, table: str) -> Iterator[None]:
    """Hold an EXCLUSIVE lock on a table of the project's schema (reads pass, writes wait)."""
    engine = create_engine(ctx.database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'LOCK TABLE "{schema_of(ctx)}"."{table}" IN EXCLUSIVE MODE')
            yield
    finally:
        engine.dispose()


def waiting_backends(admin: Engine, schema: str) -> list[int]:
    """Backends waiting for a lock on a table of ``schema`` (the one this test holds)."""
    with admin.connect() as c:
        rows = c.execute(text(
            "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT l.granted AND n.nspname = :schema"), {"schema": schema}).scalars().all()
    return [int(p) for p in rows]


def wait_for_lock_waiter(admin: Engine, schema: str, busy: Any = None) -> list[int]:
    deadline = time.monotonic() + WAIT_S
    while True:
        pids = waiting_backends(admin, schema)
        if pids:
            return pids
        if busy is not None and busy.poll() is not None:
            raise AssertionError(f"the command ended before it reached the lock: "
                                 f"{busy.returncode} {busy.communicate()}")
        assert time.monotonic() < deadline, "nothing came to wait on the lock"
        time.sleep(0.1)


def terminate(admin: Engine, pids: list[int]) -> None:
    with admin.connect() as c:
        for pid in pids:
            c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def assert_replays(ctx: ProjectContext) -> None:
    """The audit trail replays to the stored volume and work-batch stages."""
    with ctx.transaction() as s:
        state = replay(s, ctx.project_id, ws.graph_for(ctx.config))
        stored = {v.id: v.stage for v in s.scalars(select(Volume)) if v.stage != "registered"}
        assert state.volume_stage == stored
        assert state.batch_stage == {b.id: b.stage for b in s.scalars(select(WorkBatch))}
        assert state.first_signoffs == set(s.scalars(select(StageEvent.id).where(
            StageEvent.first_signoff.is_(True))))


def scan_root_with(ctx: ProjectContext, src: Path, volumes: Any, root: Path) -> Path:
    """A scan root holding copies of the generated ``volumes`` (folders under ``src``), each
    registered in the project's volume list with its expected page count."""
    import shutil

    for vol in volumes:
        shutil.copytree(src / vol.folder, root / vol.folder)
    with ctx.transaction() as session:
        for vol in volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                               expected_pages=vol.image_count))
    return root
