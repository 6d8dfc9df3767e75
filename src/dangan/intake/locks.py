"""One run of a command per project at a time: an advisory lock file in the project home.

``project_lock(home, "ingest")`` holds ``<home>/.dangan-locks/ingest.lock`` with
``fcntl.flock`` for the duration of the run. The kernel releases the lock when the process
ends however it ends (SIGKILL included), so a crashed run never leaves a stale lock. A second
run waits up to ``wait`` seconds for the first to finish, then is refused with ConflictError
(exit 6) naming the holder (process, host, command, start time) written into the file.

While a run holds the lock, every temporary it finds in the area it writes is a leftover of a
dead run (the holder of the lock is the only live writer there), so cleaning up temporaries
under the lock never deletes another live run's files.

The lock file is never deleted: removing it while another process waits on the old inode would
let two runs hold "the" lock at once.

A flock belongs to the open file, not to the process: a child forked while a lock is held
shares it and would keep it after the parent is gone (an orphaned pool worker refusing every
later run). So a forked child closes its copies of the held descriptors at once and holds no
lock of its parent (``_forget_in_child``); the descriptors are close-on-exec for a child that
runs another program.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from dangan.errors import ConflictError

LOCK_DIR = ".dangan-locks"
DEFAULT_WAIT = 5.0  # seconds a second run waits for the first before it is refused
POLL = 0.05

P = ParamSpec("P")
R = TypeVar("R")
_held: dict[Path, int] = {}  # locks this process holds (re-entered by a nested use case)
_fds: dict[Path, int] = {}  # the descriptor of each lock this process holds


def _forget_in_child() -> None:
    """In a forked child: drop the parent's locks (close the inherited descriptors; the
    parent's own descriptors keep its locks)."""
    for fd in _fds.values():
        with suppress(OSError):
            os.close(fd)
    _fds.clear()
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def _close(path: Path, fd: int, owner: int) -> None:
    """Close a lock's descriptor in the process that opened it (a forked child closed its
    copy already; the number may since name another file there)."""
    if os.getpid() == owner:
        _fds.pop(path, None)
        os.close(fd)


def lock_path(home: str | Path, command: str) -> Path:
    return Path(home) / LOCK_DIR / f"{command}.lock"


def read_holder(path: Path) -> dict[str, Any]:
    """Who holds (or last held) the lock, as written by ``project_lock``; {} if unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def project_lock(home: str | Path, command: str, *, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the project's lock for ``command``; wait up to ``wait`` s, then ConflictError."""
    path = lock_path(home, command).resolve()
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    owner = os.getpid()
    _fds[path] = fd
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = read_holder(path)
                    raise ConflictError(
                        "intake.lock.busy", command=command, pid=holder.get("pid", "?"),
                        host=holder.get("host", "?"), since=holder.get("since", "?"),
                        path=path) from None
                time.sleep(POLL)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                  "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode("utf-8"), 0)
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
    finally:
        _close(path, fd, owner)  # closing the only descriptor releases the flock


@contextmanager
def folder_lock(folder: str | Path, *, wait: float = DEFAULT_WAIT,
                key: str = "intake.lock.folder_busy") -> Iterator[None]:
    """Hold an exclusive flock on a folder itself (no file is created in it); re-entrant in
    one process. Waits up to ``wait`` s for another process, then ConflictError ``key``."""
    path = Path(os.path.realpath(folder))
    if _held.get(path):
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    owner = os.getpid()
    _fds[path] = fd
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConflictError(key, path=path) from None
                time.sleep(POLL)
        _held[path] = 1
        try:
            yield
        finally:
            _held.pop(path, None)
    finally:
        _close(path, fd, owner)


def project_lock_holder(home: str | Path, command: str) -> dict[str, Any] | None:
    """Who holds the project's lock for ``command`` right now (None: nobody), found without
    taking it or writing anything: a shared flock tried on the lock file, released at once.
    A lock file never made means no run of ``command`` ever held it."""
    path = lock_path(home, command).resolve()
    if _held.get(path):
        return None  # this process holds it
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_holder(path) or {"command": command}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def folder_is_locked(folder: str | Path) -> bool:
    """True when another process holds ``folder_lock`` on the folder (tried, released at once)."""
    try:
        with folder_lock(folder, wait=0):
            return False
    except ConflictError:
        return True


def holds_project_lock(command: str, *, wait: float = DEFAULT_WAIT
                       ) -> Callable[[Callable[Concatenate[Any, P], R]],
                                     Callable[Concatenate[Any, P], R]]:
    """Decorate a use case whose first argument has ``.home``: it runs under the project lock."""
    def decorate(fn: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
        @functools.wraps(fn)
        def locked(ctx: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with project_lock(ctx.home, command, wait=wait):
                return fn(ctx, *args, **kwargs)
        return locked
    return decorate
