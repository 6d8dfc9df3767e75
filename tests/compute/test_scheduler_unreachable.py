"""A Dask scheduler that cannot be reached is a catalogue error naming its address (exit 11,
as an unreachable database), never an internal error asking for a report to maintainers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dangan.errors import StorageError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_retouch_with_an_unreachable_scheduler_names_it_exit_11(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process Dask's own client is stood in for (a failed real one leaves Dask's
    settings changed for the tests after it); the next test connects for real."""
    import distributed

    from dangan.cli.main import app
    from dangan.samples import generate_set

    src = tmp_path / "src"
    generate_set(src, 1, 7, pages=(1, 1))
    address = f"tcp://127.0.0.1:{_free_port()}"

    def client(addr: str) -> None:
        raise OSError(f"Timed out trying to connect to {addr} after 1 s")

    monkeypatch.setattr(distributed, "Client", client)
    result = CliRunner().invoke(app, ["retouch", str(src), str(tmp_path / "dst"),
                                      "--scheduler", address])
    error = result.exception
    assert isinstance(error, StorageError), result.output
    assert error.key == "compute.scheduler_unreachable" and error.exit_code == 11
    assert error.params["address"] == address
    assert address in error.message and "调度器" in error.message
    assert not (tmp_path / "dst").exists()


def test_the_process_exits_11_in_english_without_asking_for_a_bug_report(
        tmp_path: Path) -> None:
    from cli.runner import dangan
    from dangan.samples import generate_set

    src = tmp_path / "src"
    generate_set(src, 1, 7, pages=(1, 1))
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = dangan("--lang", "en", "retouch", str(src), str(tmp_path / "dst"), "--scheduler",
                 address, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert out.returncode == 11, out.stderr
    assert f"Cannot reach the Dask scheduler at {address}" in out.stderr
    assert "OSError" not in out.stderr and "maintainer" not in out.stderr


def test_a_refused_address_is_named_without_waiting_for_dasks_connect_timeout() -> None:
    """Dask retries a refused connection until its connect timeout (30 s by default): an
    address where nothing listens is refused before Dask's client is asked at all; one that
    accepts is left to Dask (a slow scheduler keeps Dask's full wait)."""
    from dangan.compute.executors import _connect

    asked: list[str] = []

    def client(addr: str) -> str:
        asked.append(addr)
        return "client"

    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(StorageError) as fx:
        _connect(client, address)
    assert fx.value.key == "compute.scheduler_unreachable" and fx.value.exit_code == 11
    assert fx.value.params["address"] == address and asked == []
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        there = f"tcp://127.0.0.1:{listening.getsockname()[1]}"
        assert _connect(client, there) == "client" and asked == [there]
