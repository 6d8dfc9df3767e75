"""A project home whose name holds characters that mean something in a URL ('?', '#', '%',
brackets, a space, Chinese) keeps its SQLite database inside the home, and commands find it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from cli.runner import dangan
from dangan.config import database_url, load_config, sqlite_url


def test_the_default_database_stays_inside_a_home_named_with_url_characters(
        tmp_path: Path) -> None:
    home = tmp_path / "p 中文%3F?#[x]"
    r = dangan("init", "-p", str(home))
    assert r.returncode == 0, r.stderr
    assert (home / "dangan.sqlite").is_file()  # was: the database at "p 中文%3F", outside
    assert [p.name for p in tmp_path.iterdir()] == [home.name]
    url = database_url(home, load_config(home))
    assert make_url(url).database == str((home / "dangan.sqlite").resolve())
    status = dangan("--lang", "en", "status", "-p", str(home))
    assert status.returncode == 0, status.stderr
    assert str(home / "dangan.sqlite") in "".join(status.stdout.split("\n"))


def test_sqlite_url_round_trips_any_path(tmp_path: Path) -> None:
    for name in ("a?b", "a#b", "a%20b", "a b", "[库]"):
        path = (tmp_path / name / "x.sqlite").resolve()
        assert make_url(sqlite_url(path)).database == str(path)
