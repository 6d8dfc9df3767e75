"""The three executors run the same work; a dying worker does not stop the run."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from dangan.compute.executors import DaskExecutor, InProcessExecutor, PoolExecutor


def square(x: int) -> int:
    return x * x


def die_once(marker: str) -> str:
    """Kill the worker process the first time (like an OOM kill), succeed on the retry."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return "survived"


def always_die(_: str) -> str:
    os._exit(1)


def test_in_process() -> None:
    assert sorted(InProcessExecutor().map_unordered(square, range(5))) == [0, 1, 4, 9, 16]


def test_pool_bounded_and_complete() -> None:
    ex = PoolExecutor(2, max_in_flight=3)
    try:
        assert sorted(ex.map_unordered(square, range(20))) == [i * i for i in range(20)]
    finally:
        ex.close()


def test_pool_survives_a_killed_worker(tmp_path: Path) -> None:
    ex = PoolExecutor(2)
    try:
        out = list(ex.map_unordered(die_once, [str(tmp_path / "m")]))
        assert out == ["survived"]
        lost = list(ex.map_unordered(always_die, ["x"], on_lost=lambda item, exc: f"lost {item}"))
        assert lost == ["lost x"]
        assert sorted(ex.map_unordered(square, range(4))) == [0, 1, 4, 9]
    finally:
        ex.close()


@pytest.mark.slow
def test_dask_local_cluster_over_tcp() -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      host="127.0.0.1", protocol="tcp", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
        ex = DaskExecutor(cluster.scheduler_address)
        try:
            assert ex.workers == 2
            assert sorted(ex.map_unordered(square, range(12))) == [i * i for i in range(12)]
        finally:
            ex.close()
        with Client(cluster):
            pass


def sleep_and_say(folder: str) -> None:
    """A long task that says which process runs it."""
    import time

    Path(folder, str(os.getpid())).write_text("running")
    time.sleep(120)


def _alive(pid: int) -> bool:
    """Running (a zombie nobody has reaped yet counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_pool_workers_end_with_a_killed_owner(tmp_path: Path) -> None:
    """``kill -9`` of the process that made the pool (no cleanup runs there) must not leave
    its workers running the tasks of a run that no longer exists."""
    import signal
    import subprocess
    import sys
    import time

    seen = tmp_path / "pids"
    seen.mkdir()
    script = tmp_path / "owner.py"
    script.write_text(
        "from dangan.compute.executors import PoolExecutor\n"
        "from test_executors import sleep_and_say\n"
        "if __name__ == '__main__':\n"
        f"    list(PoolExecutor(2).map_unordered(sleep_and_say, [{str(seen)!r}] * 2))\n")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                          os.environ.get("PYTHONPATH", "")])}
    owner = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(list(seen.iterdir())) < 2:
            assert owner.poll() is None, "the owner ended before its workers started"
            assert time.monotonic() < deadline, "the pool's workers never started"
            time.sleep(0.1)
        workers = [int(p.name) for p in seen.iterdir()]
        assert all(_alive(pid) for pid in workers)
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        deadline = time.monotonic() + 30  # the tasks would sleep 120 s
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == []
    finally:
        if owner.poll() is None:
            owner.kill()
        for p in seen.iterdir():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(p.name), signal.SIGKILL)
