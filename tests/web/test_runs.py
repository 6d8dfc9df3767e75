"""Long runs started from the browser are kept in the database: a restarted server still shows
a run's progress and outcome, a run whose server stopped shows as failed, and so does a run
that failed."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.web_models import WebRun
from dangan.domain import workflow as wf
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.web import runs
from dangan.web.app import create_app
from dangan.web.routes import retouch_desk
from dangan.web.settings import WebSettings
from web.images import add_image_accounts, to_stage
from web.support import Clock, Line, login


def _join(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join()


@pytest.fixture
def restarted(line: Line) -> Iterator[TestClient]:
    """A second application over the same project: the server after a restart."""
    app = create_app(WebSettings(project=line.ctx.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def test_a_finished_run_is_shown_after_a_restart(app_client: TestClient, line: Line,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 restarted: TestClient) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.RETOUCH, pages=2)
    engine.claim(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    assert app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}).status_code == 303
    _join(f"retouch-{code}")
    app_client.close()
    login(restarted, "retoucher")
    page = restarted.get(f"/retouch/{code}").text
    assert 'class="run run-done"' in page and "4/4" in page
    with line.ctx.transaction() as session:
        row = session.scalar(select(WebRun).where(WebRun.subject == code))
        assert row is not None and row.state == "done" and row.done == row.total == 4
        assert row.person == "赵修" and row.finished_at is not None
    one = restarted.get(f"/retouch/runs/{row.id}").text
    assert "hx-trigger" not in one and "已完成" in one


def test_a_failed_run_is_shown_failed_also_after_a_restart(
        app_client: TestClient, line: Line, monkeypatch: pytest.MonkeyPatch,
        restarted: TestClient) -> None:
    from pathlib import Path

    add_image_accounts(line.ctx)
    code = line.batches[0]
    made = to_stage(line, code, wf.RETOUCH, pages=2)
    engine.claim(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    master = Path(line.ctx.storage.root) / made[0].folder / "0002.jpg"
    master.chmod(0o644)
    master.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)  # a damaged master: the run fails
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    assert app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}).status_code == 303
    _join(f"retouch-{code}")
    with line.ctx.transaction() as session:
        row = session.scalar(select(WebRun).where(WebRun.subject == code))
        assert row is not None and row.state == "failed" and row.message
        run_id, message = row.id, row.message
    for client in (app_client, restarted):
        login(client, "retoucher")
        shown = client.get(f"/retouch/runs/{run_id}").text
        assert 'class="run run-failed"' in shown and "失败" in shown and message in shown
        assert "hx-trigger" not in shown


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("case", ["restarted", "gone", "silent", "alive"])
def test_a_run_whose_server_stopped_shows_failed(app_client: TestClient, line: Line,
                                                 case: str) -> None:
    add_image_accounts(line.ctx)
    host, pid, _boot = runs.owner().split(":")
    owner = {"restarted": f"{host}:{pid}:oldboot",  # this pid in an earlier life
             "gone": f"{host}:{_dead_pid()}:x",  # a process of this host that has ended
             "silent": "elsewhere:1:x", "alive": "elsewhere:1:x"}[case]
    beat = datetime.now(UTC) - (timedelta(seconds=5) if case == "alive" else timedelta(hours=1))
    run_id = uuid.uuid4().hex
    with line.ctx.transaction() as session:
        session.add(WebRun(id=run_id, project_id=line.ctx.project_id, kind="retouch",
                           subject="1-1-1", person="赵修", total=10, done=3, state="running",
                           message="", lines=[], owner=owner, updated_at=beat))
    login(app_client, "retoucher")
    shown = app_client.get(f"/retouch/runs/{run_id}").text
    with line.ctx.transaction() as session:
        row = session.get(WebRun, run_id)
        assert row is not None
        state = row.state
    if case == "alive":  # a sibling worker process with a fresh heartbeat: still running
        assert state == "running" and "hx-trigger" in shown
    else:
        assert state == "failed" and 'class="run run-failed"' in shown
        assert "服务器在运行中停止" in shown and "3/10" in shown


def test_only_one_retouch_run_of_a_batch_at_a_time(line: Line) -> None:
    gate = threading.Event()

    def work(progress: runs.Progress) -> str:
        progress.step()
        gate.wait(30)
        return "ok"

    first = runs.start(line.ctx, "retouch", "1-1-1", "赵修", None, 2, work, exclusive=True)
    assert first is not None
    try:
        assert runs.start(line.ctx, "retouch", "1-1-1", "赵修", None, 2, work,
                          exclusive=True) is None
        shown = runs.get(line.ctx, first.id, "retouch")
        assert shown is not None and shown.state == "running"
    finally:
        gate.set()
        _join("retouch-1-1-1")
    done = runs.get(line.ctx, first.id, "retouch")
    assert done is not None and (done.state, done.done, done.message) == ("done", 1, "ok")


def test_a_progress_report_that_cannot_be_written_does_not_stop_the_run(
        line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    real = runs.Progress._write
    calls = {"n": 0}

    def busy_once(self: runs.Progress, final: tuple[str, str] | None = None) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        real(self, final)

    monkeypatch.setattr(runs.Progress, "_write", busy_once)

    def work(progress: runs.Progress) -> str:
        progress.line("卷一：已入库")  # this report is not written at once ...
        progress.step()
        progress.line("卷二：已入库")  # ... but with this one
        progress.step()
        return "ok"

    started = runs.start(line.ctx, "ingest", "/scan", "张扫", None, 2, work)
    assert started is not None
    _join("ingest-/scan")
    shown = runs.get(line.ctx, started.id, "ingest")
    assert shown is not None and calls["n"] >= 3
    assert (shown.state, shown.done, shown.lines) == ("done", 2, ["卷一：已入库", "卷二：已入库"])
