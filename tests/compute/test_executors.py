"""The three executors run the same work; a dying worker does not stop the run."""

from __future__ import annotations

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
