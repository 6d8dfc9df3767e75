"""The check's page workers and the project lock when the run is killed outright (kill -9).

A killed ``dangan ingest`` (or ``check``) must leave neither page workers behind nor the
project lock held: the next ingest is not refused."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from dangan.errors import ConflictError
from dangan.intake.locks import folder_lock, project_lock

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """A process forked while a lock is held (a pool worker) shares the lock's open file;
    once the parent lets go, the lock is free although the child still runs."""
    (tmp_path / "卷").mkdir()
    ctx = mp.get_context("fork")
    with project_lock(tmp_path, "ingest"), folder_lock(tmp_path / "卷"):
        child = ctx.Process(target=time.sleep, args=(120,))
        child.start()
    try:
        # the child lets go of its copies as it starts (the default wait covers that)
        with project_lock(tmp_path, "ingest"), folder_lock(tmp_path / "卷"):
            assert child.is_alive()
    finally:
        child.kill()
        child.join()


def test_a_forked_child_taking_the_lock_is_refused_while_the_parent_holds_it(
        tmp_path: Path) -> None:
    """The child holds nothing of its parent: it waits for the lock like any other run."""
    ctx = mp.get_context("fork")
    with project_lock(tmp_path, "ingest"):
        child = ctx.Process(target=_take_lock, args=(str(tmp_path),))
        child.start()
        child.join(60)
    assert child.exitcode == 6


def _take_lock(home: str) -> None:
    try:
        with project_lock(home, "ingest", wait=0):
            os._exit(0)
    except ConflictError:
        os._exit(6)


SCRIPT = """
import sys
from dangan.intake.check import inspect_all
from dangan.intake.locks import project_lock

if __name__ == "__main__":
    home, listing = sys.argv[1], sys.argv[2]
    paths = open(listing, encoding="utf-8").read().split("\\n")
    with project_lock(home, "ingest"):
        print("locked", flush=True)
        inspect_all(paths, workers=2)
    print("finished", flush=True)
"""


def test_a_killed_check_leaves_no_worker_and_no_lock(tmp_path: Path) -> None:
    """kill -9 of a process checking pages under the ingest lock: its page workers end and
    the next ingest takes the lock (bounded waits, no timing asserted)."""
    pages = tmp_path / "pages"
    pages.mkdir()
    Image.new("RGB", (160, 230), "white").save(pages / "0000.jpg", dpi=(20, 20))
    paths = [str(pages / "0000.jpg")]
    for i in range(1, 6000):  # links of one small page: a check that lasts a few seconds
        os.link(pages / "0000.jpg", pages / f"{i:04d}.jpg")
        paths.append(str(pages / f"{i:04d}.jpg"))
    listing = tmp_path / "paths.txt"
    listing.write_text("\n".join(paths), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "run_check.py"
    script.write_text(SCRIPT, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script), str(home), str(listing)],
                           stdout=subprocess.PIPE, text=True)
    workers: set[int] = set()
    try:
        assert run.stdout is not None and run.stdout.readline().strip() == "locked"
        deadline = time.monotonic() + 120
        while len(workers) < 2:  # the pool's workers (and its fork server) have started
            assert run.poll() is None, "the check ended before its workers were seen"
            assert time.monotonic() < deadline, "the check's workers never started"
            workers = _descendants(run.pid)
            time.sleep(0.05)
        workers = _descendants(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 60  # workers poll their owner at least every second
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == []
        with project_lock(home, "ingest"):  # the next ingest is not refused
            pass
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
