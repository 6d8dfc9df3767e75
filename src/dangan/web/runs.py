"""Long runs started from the browser (a batch's retouch, an ingest), kept in the database.

A run works in a thread of the server (it goes on when the browser closes) and writes its
progress, its lines and its outcome to ``web_run``, so a page — of this server, of another
worker process, or of the server after a restart — shows it. A run is shown as running only
while something can still be working on it; else it is recorded as failed the first time it
is read (``web_images.run.interrupted``). Its owner is ``host:pid:boot`` (boot: a token drawn
once per process):

- this process: running while its thread is alive;
- the same host and process id with another boot token: that process is gone (restarted);
- another process on this host that no longer exists: gone;
- otherwise (a sibling worker process, another host): running while its heartbeat
  (``updated_at``, renewed every ``HEARTBEAT`` seconds) is younger than ``STALE``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dangan.db.web_models import WebRun
from dangan.errors import DanganError
from dangan.i18n import t
from dangan.services.project import ProjectContext

HEARTBEAT = 15.0  # seconds
STALE = timedelta(seconds=90)
MAX_LINES = 500
RUNNING, DONE, FAILED = "running", "done", "failed"

_boot: dict[int, str] = {}
_threads: dict[str, threading.Thread] = {}
_guard = threading.Lock()
_starting = threading.Lock()  # one start at a time: "already running" is checked, then recorded


def owner() -> str:
    """``host:pid:boot`` of this process (a fresh boot token after a fork)."""
    pid = os.getpid()
    with _guard:
        token = _boot.setdefault(pid, uuid.uuid4().hex[:12])
    return f"{socket.gethostname()}:{pid}:{token}"


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def owner_alive(run_id: str, run_owner: str, heartbeat: datetime) -> bool:
    host, _, rest = run_owner.partition(":")
    pid_text, _, boot = rest.partition(":")
    me_host, _, me_rest = owner().partition(":")
    me_pid, _, me_boot = me_rest.partition(":")
    if host == me_host and pid_text == me_pid:
        if boot != me_boot:
            return False  # the same process id, another life: the server was restarted
        thread = _threads.get(run_id)
        return thread is not None and thread.is_alive()
    if host == me_host and pid_text.isdigit() and not _pid_exists(int(pid_text)):
        return False
    return _now() - _aware(heartbeat) < STALE


@dataclass
class RunView:
    id: str
    kind: str
    subject: str
    person: str
    total: int
    done: int
    state: str
    message: str
    lines: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _view(row: WebRun) -> RunView:
    return RunView(row.id, row.kind, row.subject, row.person, row.total, row.done, row.state,
                   row.message, list(row.lines or []), row.started_at, row.finished_at)


def _checked(row: WebRun) -> WebRun:
    """Record a run whose owner is gone as failed (in the caller's transaction)."""
    if row.state == RUNNING and not owner_alive(row.id, row.owner, row.updated_at):
        row.state = FAILED
        row.message = t("web_images.run.interrupted")
        row.finished_at = _now()
    return row


def get(ctx: ProjectContext, run_id: str, kind: str) -> RunView | None:
    with ctx.transaction() as session:
        row = session.get(WebRun, run_id[:32])
        if row is None or row.project_id != ctx.project_id or row.kind != kind:
            return None
        return _view(_checked(row))


def recent(ctx: ProjectContext, kind: str, *, subject: str | None = None,
           person: str | None = None, limit: int = 3) -> list[RunView]:
    """The latest runs (oldest of them first), by subject or by person."""
    with ctx.transaction() as session:
        q = select(WebRun).where(WebRun.project_id == ctx.project_id, WebRun.kind == kind)
        if subject is not None:
            q = q.where(WebRun.subject == subject)
        if person is not None:
            q = q.where(WebRun.person == person)
        rows = session.scalars(q.order_by(WebRun.started_at.desc(), WebRun.id).limit(limit))
        return [_view(_checked(r)) for r in rows][::-1]


class Progress:
    """What a run's work reports: a step done, a line to show. A report that cannot be
    written (a busy database) never stops the work: steps and lines are kept and written
    with the next report, and the outcome is tried again."""

    def __init__(self, ctx: ProjectContext, run_id: str) -> None:
        self.ctx, self.run_id = ctx, run_id
        self._lock = threading.Lock()
        self._steps = 0
        self._lines: list[str] = []
        self._done: int | None = None

    def _write(self, final: tuple[str, str] | None = None) -> None:
        with self.ctx.transaction() as session:
            row = session.get(WebRun, self.run_id)
            if row is None:
                return
            row.done = self._done if self._done is not None else row.done + self._steps
            if self._lines:
                row.lines = [*(row.lines or []), *self._lines][-MAX_LINES:]
            row.updated_at = _now()
            if final is not None:
                row.state, row.message = final[0], final[1][:4000]
                row.finished_at = row.updated_at
        self._steps, self._lines, self._done = 0, [], None

    def _update(self, steps: int = 0, lines: list[str] | None = None,
                done: int | None = None) -> None:
        with self._lock:
            self._steps += steps
            self._lines.extend(lines or [])
            if done is not None:
                self._done, self._steps = done, 0
            with contextlib.suppress(Exception):  # kept for the next report
                self._write()

    def step(self, count: int = 1) -> None:
        self._update(steps=count)

    def line(self, text: str) -> None:
        self._update(lines=[text[:2000]])

    def set_done(self, done: int) -> None:
        self._update(done=done)

    def beat(self) -> None:
        self._update()

    def finish(self, state: str, message: str) -> None:
        with self._lock:
            for attempt in range(5):
                try:
                    self._write((state, message))
                    return
                except Exception:
                    if attempt == 4:
                        raise
                    time.sleep(0.5 * (attempt + 1))


def start(ctx: ProjectContext, kind: str, subject: str, person: str, worker_id: int | None,
          total: int, work: Callable[[Progress], str], *, exclusive: bool = False,
          ) -> RunView | None:
    """Record a run and start its thread; ``work`` returns the closing message. With
    ``exclusive``, nothing is started (None) while a run of the same subject is running."""
    run_id = uuid.uuid4().hex
    with _starting, ctx.transaction() as session:
        if exclusive:
            for row in session.scalars(select(WebRun).where(
                    WebRun.project_id == ctx.project_id, WebRun.kind == kind,
                    WebRun.subject == subject, WebRun.state == RUNNING)):
                if _checked(row).state == RUNNING:
                    return None
        session.add(WebRun(id=run_id, project_id=ctx.project_id, kind=kind,
                           subject=subject[:300], worker_id=worker_id, person=person[:100],
                           total=total, done=0, state=RUNNING, message="", lines=[],
                           owner=owner()))
    progress = Progress(ctx, run_id)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT):
            try:
                progress.beat()
            except Exception:  # a missed beat is retried at the next one
                continue

    def body() -> None:
        beat = threading.Thread(target=heartbeat, daemon=True, name=f"beat-{run_id}")
        beat.start()
        try:
            message = work(progress)
            progress.finish(DONE, message)
        except DanganError as exc:  # with its lines: which pages, rows or files, and why
            progress.finish(FAILED, "；".join([exc.message, *exc.details]))
        except Exception as exc:  # shown as failed, never lost in a thread
            progress.finish(FAILED, f"{type(exc).__name__}: {exc}")
        finally:
            stop.set()
            with _guard:
                _threads.pop(run_id, None)

    # in the starting request's context: its lines and closing message are in the language
    # of the person who started it (a thread begins with no context: the server's default)
    thread = threading.Thread(target=contextvars.copy_context().run, args=(body,),
                              daemon=True, name=f"{kind}-{subject}")
    with _guard:
        _threads[run_id] = thread
    thread.start()
    return RunView(run_id, kind, subject, person, total, 0, RUNNING, "")
