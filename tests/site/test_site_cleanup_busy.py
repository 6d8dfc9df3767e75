"""A folder someone works in is never checked nor deleted by cleanup: a renumber or the ingest
watcher holding the folder's lock, or an ingest of the project running, keeps it as ``busy``
(dry run and --apply, exit 0: nothing is wrong, the next run decides). The locks are held by
another real process, as a renumber or ingest on the station would hold them. The watcher in
turn leaves a folder alone while another run holds its lock."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from site_helpers import returned_and_open
from test_site_cleanup import _deleted_events, _reasons, _station
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.errors import ConflictError
from dangan.intake import watch
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup

HOLD = """
import sys
from dangan.intake.locks import folder_lock, project_lock
lock = folder_lock(sys.argv[2]) if sys.argv[1] == "folder" else project_lock(sys.argv[2], "ingest")
with lock:
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def held(kind: str, path: Path) -> Iterator[int]:
    """Another process holding the folder's lock (as renumber does) or the project's ingest
    lock (as ingest does) until the block ends."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, kind, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc.pid
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)


@pytest.mark.parametrize("kind", ["folder", "ingest"])
def test_a_folder_in_use_is_kept_as_busy(project: ProjectContext, tmp_path: Path,
                                         kind: str) -> None:
    ctx = project
    done, still = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", [*done, still[0]], ctx)
    folder = root / "1-1" / done[0]
    before = sorted(p.name for p in folder.iterdir())
    env = {"COLUMNS": "400"}
    runner = CliRunner()
    with held(kind, folder if kind == "folder" else ctx.home) as pid:
        plan = {d.folder: d for d in cleanup.plan(ctx, root).folders}
        busy = plan[f"1-1/{done[0]}"]
        assert busy.reason == cleanup.BUSY and not busy.goes
        if kind == "folder":  # the other volume through the line is not held: it may go
            assert plan[f"1-1/{done[1]}"].reason == cleanup.DELETABLE
            assert "重新编号" in busy.message()
        else:  # an ingest runs: which folders it reads is not known, all wait
            assert plan[f"1-1/{done[1]}"].reason == cleanup.BUSY
            assert str(pid) in busy.message()
        assert plan[f"1-1/{still[0]}"].reason == cleanup.NOT_DONE  # its stage says more
        dry = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home)], env=env)
        assert dry.exit_code == 0, dry.output
        assert "busy" in dry.output and "未核对" in dry.output
        applied = runner.invoke(app, ["cleanup", str(root), "-p", str(ctx.home), "--apply",
                                      "-w", "张扫"], env=env)
        assert applied.exit_code == 0, applied.output
        assert sorted(p.name for p in folder.iterdir()) == before  # nothing of it deleted
        if kind == "ingest":
            assert _deleted_events(ctx) == []
    report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert _reasons(report)[f"1-1/{done[0]}"] == cleanup.DELETED
    assert not folder.exists()


def test_an_ingest_starting_while_cleanup_checks_keeps_the_folder(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ingest lock is taken for the deletion itself: an ingest that started after the
    folder was checked keeps it (busy), nothing deleted."""
    ctx = project
    done, _ = returned_and_open(ctx)
    root = _station(tmp_path / "扫描站", done[:1], ctx)
    folder = root / "1-1" / done[0]
    real = cleanup._decide
    holders: list[subprocess.Popen[str]] = []

    def decide_then_ingest_starts(*args: object) -> cleanup.Verdict:
        verdict = real(*args)  # type: ignore[arg-type]
        proc = subprocess.Popen([sys.executable, "-c", HOLD, "ingest", str(ctx.home)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holders.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return verdict

    monkeypatch.setattr(cleanup, "_decide", decide_then_ingest_starts)
    try:
        report = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    finally:
        for proc in holders:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)
    decision = {d.folder: d for d in report.folders}[f"1-1/{done[0]}"]
    assert decision.reason == cleanup.BUSY and "入库" in decision.message()
    assert (folder / "0001.jpg").exists() and _deleted_events(ctx) == []


def test_the_watcher_leaves_a_folder_alone_while_another_run_holds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "扫描站" / "1-1-1-1997-民-0014-0025"
    folder.mkdir(parents=True)
    (folder / "0001.jpg").write_bytes(os.urandom(100))
    (folder / watch.DEFAULT_MARKER).write_text("", "utf-8")
    refused = threading.Semaphore(0)
    handled = threading.Event()
    real_lock = watch.folder_lock

    @contextmanager
    def counting_lock(path: str, **kw: object) -> Iterator[None]:
        try:
            with real_lock(path, **kw):  # type: ignore[arg-type]
                yield
        except ConflictError:
            refused.release()
            raise

    def handle(path: str) -> dict[str, object]:
        handled.set()
        return {"volumes": []}

    monkeypatch.setattr(watch, "folder_lock", counting_lock)
    stop = threading.Event()
    with held("folder", folder):
        runner = threading.Thread(target=watch.watch, args=(tmp_path / "扫描站",
                                                             watch.DEFAULT_MARKER, handle, stop,
                                                             0.05))
        runner.start()
        try:
            for _ in range(3):  # tried three times, refused each time
                assert refused.acquire(timeout=60)
            assert not handled.is_set() and (folder / watch.DEFAULT_MARKER).exists()
        except BaseException:
            stop.set()
            runner.join()
            raise
    try:
        assert handled.wait(timeout=60)  # the lock released: the folder is taken
    finally:
        stop.set()
        runner.join()
    assert not (folder / watch.DEFAULT_MARKER).exists() and (folder / watch.REPORT).exists()
