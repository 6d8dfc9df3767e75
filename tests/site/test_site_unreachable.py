"""A PostgreSQL server that does not answer (wrong port, server down) is said so with a hint
in the user's language, the driver's own words a detail line; ``dangan serve`` on a port
another program listens on is refused at once, naming host:port."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from cli.runner import dangan
from dangan.cli.web import check_port_free
from dangan.errors import ConfigError, StorageError
from dangan.services.project import open_project


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


def _project_on(tmp_path: Path, url: str) -> Path:
    home = tmp_path / "项目"
    assert dangan("init", "-p", str(home)).returncode == 0
    toml = home / "dangan.toml"
    text, n = re.subn(r'(?m)^url = ""', f'url = "{url}"', toml.read_text("utf-8"), count=1)
    assert n == 1
    toml.write_text(text, "utf-8")
    return home


def test_an_unreachable_postgresql_server_is_named_with_a_hint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DANGAN_DATABASE_URL", raising=False)
    port = _closed_port()
    home = _project_on(tmp_path, f"postgresql+psycopg://root@127.0.0.1:{port}/test")
    with pytest.raises(StorageError) as fx:
        open_project(home)
    assert fx.value.key == "project.db_unreachable"
    assert fx.value.params["address"] == f"127.0.0.1:{port}"
    assert len(fx.value.details) == 1 and str(port) in fx.value.details[0]  # the driver's words
    assert "Connection refused" not in fx.value.message  # the driver's text is a detail
    for command in (["status"], ["backup", str(tmp_path / "备份")], ["cleanup", str(tmp_path)]):
        r = dangan(*command, "-p", str(home))
        assert r.returncode == 11, r.stderr
        first, *rest = r.stderr.strip().splitlines()
        assert "PostgreSQL 服务器是否在运行" in first and f"127.0.0.1:{port}" in first
        assert rest and rest[0].strip().startswith("•") and "Connection refused" not in first
    en = dangan("--lang", "en", "status", "-p", str(home))
    assert en.returncode == 11 and "Check that the PostgreSQL server is running" in en.stderr


def test_serve_on_a_busy_port_is_refused_at_once(tmp_path: Path) -> None:
    home = tmp_path / "项目"
    assert dangan("init", "-p", str(home)).returncode == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        with pytest.raises(ConfigError) as fx:
            check_port_free("127.0.0.1", port)
        assert fx.value.key == "web.serve.port_in_use"
        r = dangan("serve", "-p", str(home), "--port", str(port), timeout=60)
        assert r.returncode == 3, r.stderr
        assert f"127.0.0.1:{port}" in r.stderr and "已被其他程序占用" in r.stderr
        assert "Errno" not in r.stderr
    check_port_free("127.0.0.1", port)  # free again: no error
