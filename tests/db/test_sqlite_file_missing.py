"""A SQLite database at a path that does not exist (a mistyped URL, a lost file) is refused
naming the path, and no file is left there: only creating a project makes one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from cli.runner import dangan
from dangan.errors import StorageError
from dangan.services.project import dispose_engines, init_project, open_project


def _missing_db(tmp_path: Path) -> Path:
    """A path in a folder with a name in brackets, Chinese and a space, not there."""
    return tmp_path / "[库] 1997" / "误写.sqlite"


@pytest.mark.parametrize("command", [("status",), ("fixity",), ("db", "upgrade"),
                                     ("worker", "list")])
def test_a_command_never_creates_a_missing_sqlite_file(tmp_path: Path,
                                                       command: tuple[str, ...]) -> None:
    home = tmp_path / "p"
    assert dangan("init", "-p", str(home)).returncode == 0
    for typo in (tmp_path / "typo.sqlite", _missing_db(tmp_path)):
        typo.parent.mkdir(exist_ok=True)
        r = dangan(*command, "-p", str(home), env={"DANGAN_DATABASE_URL": f"sqlite:///{typo}",
                                                   "DANGAN_PROJECT": str(home)})
        assert r.returncode == 11, (command, r.stderr)
        assert "不存在" in r.stderr and str(typo) in "".join(r.stderr.split("\n"))
        assert "Traceback" not in r.stderr
        assert not typo.exists(), command  # was: an empty file left behind, then a refusal


def test_a_mistyped_path_in_dangan_toml_is_named_in_english_too(tmp_path: Path) -> None:
    home = tmp_path / "p"
    assert dangan("init", "-p", str(home)).returncode == 0
    typo = tmp_path / "typo.sqlite"
    toml = home / "dangan.toml"
    text = toml.read_text("utf-8")
    database = text.index("[database]")  # its url line comes after the section's comments
    toml.write_text(text[:database] + text[database:].replace('url = ""',
                                                              f'url = "sqlite:///{typo}"', 1),
                    "utf-8")
    assert f"sqlite:///{typo}" in toml.read_text("utf-8")
    r = dangan("--lang", "en", "status", "-p", str(home))
    assert r.returncode == 11, r.stderr
    assert "does not exist" in r.stderr and str(typo) in r.stderr
    assert not typo.exists()


def test_open_project_refuses_a_lost_database_file_with_its_key(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    db = ctx.home / "dangan.sqlite"
    dispose_engines()  # no pooled connection keeps the file open
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    for kwargs in ({}, {"writable": False}, {"upgrade": True}):
        with pytest.raises(StorageError) as err:
            open_project(ctx.home, **kwargs)  # type: ignore[arg-type]
        assert err.value.key == "project.db_missing", kwargs
        assert err.value.exit_code == 11
        assert err.value.params["path"] == db
        assert not db.exists()


def test_init_still_creates_its_database(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "site.sqlite"
    target.parent.mkdir()
    monkeypatch.setenv("DANGAN_DATABASE_URL", f"sqlite:///{target}")
    ctx = init_project(tmp_path / "[新] 项目", "court", name="乙")
    assert target.is_file() and ctx.project_id
    assert open_project(ctx.home, writable=False).project_uuid == ctx.project_uuid


def test_the_engine_opens_an_existing_file_only(tmp_path: Path) -> None:
    from dangan.db.session import make_engine, sqlite_file

    path = tmp_path / "a b[1] 库#.sqlite"  # quoted in the SQLite URI
    url = f"sqlite:///{path}"
    assert sqlite_file(url) == path
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    with pytest.raises(OperationalError), make_engine(url).connect():
        pass
    assert not path.exists()
    engine = make_engine(url, create=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert path.is_file()
    again = make_engine(url)
    with again.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    again.dispose()
