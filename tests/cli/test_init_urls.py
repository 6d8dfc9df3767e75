"""``dangan init --database-url URL --storage-url URL``: a project on a database and storage of
the site's choosing, written into dangan.toml (the database URL without its password) so the
next command needs no DANGAN_* variable; checked before anything is written — a database
holding a project, an unreachable one, a bad URL, or one the environment contradicts leave
no dangan.toml behind."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit
from sqlalchemy.engine import make_url

from cli.runner import dangan
from dangan.errors import ConfigError, ConflictError, InputError
from dangan.services.project import dispose_engines, init_project
from dangan.storage import Area


def _password_url(url: str) -> str:
    """``url`` with a password (trust authentication ignores it; dangan.toml must not get it)."""
    return make_url(url).set(password="s3cret-pw").render_as_string(hide_password=False)


@pytest.fixture
def chosen_url(any_db_url: str, tmp_path: Path) -> str:
    if any_db_url.startswith("sqlite"):
        (tmp_path / "db").mkdir()
        return f"sqlite:///{tmp_path / 'db' / 'site.sqlite'}"
    return _password_url(any_db_url)


def test_init_writes_both_places_and_the_next_command_needs_no_variable(
        chosen_url: str, tmp_path: Path) -> None:
    home, nas = tmp_path / "项目", tmp_path / "nas" / "store"
    made = dangan("--lang", "en", "init", "-p", str(home), "--database-url", chosen_url,
                  "--storage-url", str(nas))
    assert made.returncode == 0, made.stdout + made.stderr
    said = " ".join(made.stdout.split())
    assert "without its password" in said and "s3cret-pw" not in said
    doc = tomlkit.parse((home / "dangan.toml").read_text("utf-8"))
    written = str(doc["database"]["url"])
    assert "s3cret-pw" not in written
    assert make_url(written).database == make_url(chosen_url).database
    assert make_url(written).query == make_url(chosen_url).query  # the schema kept
    assert str(doc["storage"]["url"]) == str(nas)
    assert (nas / Area.SCANNED.value).is_dir() and not (home / "storage").exists()
    assert not (home / "dangan.sqlite").exists()

    status = dangan("--lang", "en", "status", "-p", str(home))  # no DANGAN_* at all
    assert status.returncode == 0, status.stdout + status.stderr
    assert str(nas) in status.stdout


def test_a_database_holding_a_project_is_refused_before_anything_is_written(
        chosen_url: str, tmp_path: Path) -> None:
    init_project(tmp_path / "first", database=chosen_url, storage=str(tmp_path / "s1"))
    with pytest.raises(ConflictError) as err:
        init_project(tmp_path / "second", database=chosen_url, storage=str(tmp_path / "s2"))
    assert err.value.key == "project.init_database_in_use" and err.value.exit_code == 6
    assert err.value.params["projects"] == "first"
    assert not (tmp_path / "second").exists() and not (tmp_path / "s2").exists()
    dispose_engines()
    cli = dangan("init", "-p", str(tmp_path / "third"), "--database-url", chosen_url)
    assert cli.returncode == 6 and "已有项目" in cli.stderr, cli.stderr
    assert not (tmp_path / "third").exists()


def test_refused_urls_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "p"
    with pytest.raises(InputError) as bad:
        init_project(home, database="mysql://x@y/z")
    assert bad.value.key == "project.init_bad_url"
    assert bad.value.params["option"] == "--database-url"
    monkeypatch.setenv("DANGAN_DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite'}")
    with pytest.raises(ConfigError) as other:
        init_project(home, database=f"sqlite:///{tmp_path / 'mine.sqlite'}")
    assert other.value.key == "project.init_env_conflict"
    assert other.value.params["name"] == "DANGAN_DATABASE_URL"
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(tmp_path / "elsewhere"))
    with pytest.raises(ConfigError) as away:
        init_project(home, storage=str(tmp_path / "nas"))
    assert away.value.key == "project.init_env_conflict"
    assert away.value.params["name"] == "DANGAN_STORAGE_URL"
    assert not home.exists() and not (tmp_path / "mine.sqlite").exists()
    unreachable = dangan("init", "-p", str(home), "--database-url",
                         "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert unreachable.returncode == 11, unreachable.stderr
    assert not home.exists()
    usage = dangan("--lang", "en", "init", "--help")
    assert "--database-url" in usage.stdout and "without its password" in " ".join(
        usage.stdout.split())


def _another_projects_page(root: Path) -> Path:
    page = root / Area.SCANNED.value / "1-1-1997-民-0014-0025" / "0001.jpg"
    page.parent.mkdir(parents=True)
    page.write_bytes(b"\xff\xd8\xff\xe0 a page of another project")
    return page


def test_a_storage_holding_files_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nas = tmp_path / "nas"
    _another_projects_page(nas)
    home = tmp_path / "项目"
    with pytest.raises(ConflictError) as err:
        init_project(home, storage=str(nas))
    assert err.value.key == "project.init_storage_in_use" and err.value.exit_code == 6
    assert err.value.params["path"] == str(nas)
    assert not home.exists()

    cli = dangan("--lang", "en", "init", "-p", str(home), "--storage-url", str(nas))
    assert cli.returncode == 6, cli.stdout + cli.stderr
    assert str(nas) in cli.stderr and "already holds stored files" in " ".join(
        cli.stderr.split())
    assert not (home / "dangan.toml").exists() and not home.exists()

    monkeypatch.setenv("DANGAN_STORAGE_URL", str(nas))  # the site's storage, no option
    with pytest.raises(ConflictError) as env:
        init_project(home)
    assert env.value.key == "project.init_storage_in_use"
    assert env.value.params["path"] == str(nas)
    assert not home.exists()
    by_env = dangan("init", "-p", str(home), env={"DANGAN_STORAGE_URL": str(nas)})
    assert by_env.returncode == 6 and str(nas) in by_env.stderr, by_env.stderr
    assert not home.exists()


def test_a_storage_with_empty_stage_folders_is_used(tmp_path: Path) -> None:
    nas = tmp_path / "nas"
    (nas / Area.SCANNED.value / "empty").mkdir(parents=True)  # prepared, nothing stored
    made = dangan("init", "-p", str(tmp_path / "p"), "--storage-url", str(nas))
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "p" / "dangan.toml").is_file() and (nas / Area.RETOUCHED.value).is_dir()
