"""A project is known by its id, not its name; read-only commands cannot write."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cli.runner import dangan
from dangan.db.models import Project
from dangan.errors import ConfigError, StorageError
from dangan.services.project import init_project, open_project


def _set_name(home: Path, new: str) -> None:
    path = home / "dangan.toml"
    text = path.read_text(encoding="utf-8")
    old = next(ln for ln in text.splitlines() if ln.startswith("name = "))
    path.write_text(text.replace(old, f'name = "{new}"', 1), encoding="utf-8")


def _toml_id(home: Path) -> str | None:
    for line in (home / "dangan.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("id = "):
            return line.split('"')[1]
    return None


def _make_legacy(home: Path) -> None:
    """What the previous release left: no id in dangan.toml nor in the database."""
    ctx = open_project(home)
    with ctx.transaction() as session:
        session.execute(update(Project).values(uuid=None))
    path = home / "dangan.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("id = ")) + "\n",
                    encoding="utf-8")


def test_init_writes_the_same_id_to_toml_and_database(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    toml_id = _toml_id(ctx.home)
    assert toml_id and uuid.UUID(toml_id)
    assert ctx.project_uuid == toml_id
    with ctx.transaction() as session:
        assert session.scalar(select(Project.uuid)) == toml_id


def test_renaming_the_project_keeps_its_volumes(tmp_path: Path, any_db_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGAN_DATABASE_URL", any_db_url)
    ctx = init_project(tmp_path / "p", "court", name="旧名称")
    csv = tmp_path / "v.csv"
    csv.write_text("档号,题名,页数\n1997-民-0014-0025,借款纠纷,40\n", encoding="utf-8")
    from dangan.services.volumes import import_volumes, project_status

    import_volumes(ctx, csv)
    _set_name(ctx.home, "新名称")
    renamed = open_project(ctx.home)
    assert renamed.project_id == ctx.project_id
    status = project_status(open_project(ctx.home, writable=False))
    assert (status.name, status.volumes) == ("新名称", 1)
    with renamed.transaction() as session:
        assert session.scalars(select(Project.name)).all() == ["新名称"]


def test_an_id_the_database_does_not_hold_is_refused(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    path = ctx.home / "dangan.toml"
    other = str(uuid.uuid4())
    path.write_text(path.read_text(encoding="utf-8").replace(ctx.project_uuid, other),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        open_project(ctx.home)
    assert err.value.key == "project.id_mismatch"
    r = dangan("status", "-p", str(ctx.home))
    assert r.returncode == 3, r.stderr
    assert other in r.stderr and ctx.project_uuid in r.stderr


def test_a_malformed_id_is_a_config_error(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    path = ctx.home / "dangan.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(ctx.project_uuid, "abc"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        open_project(ctx.home)
    assert err.value.key == "config.invalid"
    assert "project.id" in err.value.details[0]


def test_a_project_without_id_is_upgraded_by_a_writing_open_only(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    _make_legacy(ctx.home)
    path = ctx.home / "dangan.toml"
    before = path.read_bytes()
    ro = open_project(ctx.home, writable=False)
    assert path.read_bytes() == before
    with ro.transaction() as session:
        assert session.scalar(select(Project.uuid)) is None
    rw = open_project(ctx.home)
    new_id = _toml_id(ctx.home)
    assert new_id and rw.project_uuid == new_id and rw.project_id == ctx.project_id
    with rw.transaction() as session:
        assert session.scalar(select(Project.uuid)) == new_id
    # tomlkit kept the file as it was (comments included), only the id line was added
    after = path.read_text(encoding="utf-8").splitlines()
    assert [ln for ln in after if not ln.startswith("id = ")] == \
        before.decode("utf-8").splitlines()
    assert after.index(f'id = "{new_id}"') == after.index('name = "甲"') + 1


def test_a_legacy_project_renamed_before_its_upgrade_is_refused(tmp_path: Path) -> None:
    """Without an id the name is all there is: never start a second, empty project."""
    ctx = init_project(tmp_path / "p", "court", name="甲")
    _make_legacy(ctx.home)
    _set_name(ctx.home, "乙")
    with pytest.raises(ConfigError) as err:
        open_project(ctx.home)
    assert err.value.key == "project.not_in_database"


def test_read_only_context_cannot_write(tmp_path: Path, any_db_url: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGAN_DATABASE_URL", any_db_url)
    ctx = init_project(tmp_path / "p", "court", name="甲")
    ro = open_project(ctx.home, writable=False)
    assert ro.read_only
    with pytest.raises(StorageError) as err, ro.transaction() as session:
        session.add(Project(name="乙"))
    assert err.value.key == "project.db_error"
    with ctx.transaction() as session:  # the writable context of the same process still writes
        session.add(Project(name="丙"))


def _db_files(home: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.glob("dangan.sqlite*"))}


@pytest.mark.parametrize("command", [
    ["status"], ["progress"], ["history", "1997-民-0014-0025"], ["fixity"],
    ["index", "check"], ["worker", "list"], ["batch", "list"], ["borrow", "list"],
    ["rework", "list"], ["borrow", "show", "1"], ["return", "check", "1"], ["link", "check"],
    ["qc", "redraw", "1"],
])
def test_read_only_commands_leave_the_database_untouched(tmp_path: Path,
                                                         command: list[str]) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    _make_legacy(ctx.home)  # a writing open would add the id: a visible write
    from dangan.services.project import dispose_engines

    dispose_engines()  # checkpoint the WAL so the files are stable
    before = _db_files(ctx.home), (ctx.home / "dangan.toml").read_bytes()
    r = dangan(*command, "-p", str(ctx.home))
    assert r.returncode in (0, 4, 5, 7, 9), r.stderr  # refusals are fine; writes are not
    assert (_db_files(ctx.home), (ctx.home / "dangan.toml").read_bytes()) == before


def test_one_engine_per_database_in_a_process(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    again = open_project(ctx.home)
    looking = open_project(ctx.home, writable=False)
    assert again.engine is ctx.engine
    assert looking.engine.pool is ctx.engine.pool  # read-only is an option, not a second engine


def test_the_project_comes_from_dash_p_else_dangan_project_else_the_current_folder(
        tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "p", "court", name="甲")
    assert dangan("status", "-p", str(ctx.home)).returncode == 0
    r = dangan("status", env={"DANGAN_PROJECT": str(ctx.home)})
    assert r.returncode == 0 and "甲" in r.stdout, r.stderr
    import subprocess
    import sys

    here = subprocess.run([sys.executable, "-m", "dangan", "status"], cwd=ctx.home,
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")})
    assert here.returncode == 0 and "甲" in here.stdout, here.stderr


def test_an_empty_database_beside_stored_files_is_never_made_a_new_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong DANGAN_DATABASE_URL (a typo) points at an empty database while the storage
    holds the project's files: neither a command nor ``db upgrade`` may turn it into a new,
    empty project that hides every file."""
    from dangan.db import migrate
    from dangan.services.project import engine_for

    ctx = init_project(tmp_path / "p", "court", name="甲")
    ctx.storage.write_bytes("已扫描/1997-民-0014-0025/0001.jpg", b"\xff\xd8\xff page",
                            masters=True)
    (tmp_path / "typo.sqlite").touch()  # an empty database file (a missing one: never made)
    typo = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    site = {"DANGAN_DATABASE_URL": typo, "DANGAN_PROJECT": str(ctx.home)}  # the site's home
    for command in (("status",), ("db", "upgrade"), ("fixity",)):
        r = dangan(*command, "-p", str(ctx.home), env=site)
        assert r.returncode == 3, (command, r.stderr)
        assert "typo.sqlite" in r.stderr and ctx.storage.root in r.stderr
    assert migrate.current_revision(engine_for(typo)) is None  # not even the tables were made
    monkeypatch.setenv("DANGAN_DATABASE_URL", typo)
    monkeypatch.setenv("DANGAN_PROJECT", str(ctx.home))
    for upgrade in (False, True):
        with pytest.raises(ConfigError) as err:
            open_project(ctx.home, upgrade=upgrade)
        assert err.value.key == "project.empty_database_beside_files"


def test_a_damaged_database_file_is_a_storage_error_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "p"
    assert dangan("init", "-p", str(home)).returncode == 0  # no connection left open here
    db = home / "dangan.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    r = dangan("status", "-p", str(home))
    assert r.returncode == 11, r.stderr
    assert str(db) in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(StorageError) as err:
        open_project(home)
    assert err.value.key == "project.db_error"


def test_the_sites_environment_belongs_to_its_own_project_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dangan.env names the site's home (DANGAN_PROJECT) beside its database and storage
    URLs. A command naming another home — a restored copy carrying the same project id — must
    open that home's own database and storage, never the live project's under its name."""
    import shutil

    from dangan.services.workers import add_worker, list_workers

    live = init_project(tmp_path / "live", "court", name="现场").home
    copy = tmp_path / "restored"
    shutil.copytree(live, copy)  # what a restore makes: the same id, its own database
    monkeypatch.setenv("DANGAN_PROJECT", str(live))
    monkeypatch.setenv("DANGAN_DATABASE_URL", f"sqlite:///{live / 'dangan.sqlite'}")
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(live / "storage"))
    restored = open_project(copy)
    assert restored.database_url == f"sqlite:///{(copy / 'dangan.sqlite').resolve()}"
    assert Path(restored.storage.root) == (copy / "storage").resolve()
    add_worker(restored, "恢复后", ["scan_operator"])
    assert [w.name for w in list_workers(open_project(live), None)] == []  # live untouched
    r = dangan("worker", "list", "-p", str(copy), "--json",
               env={k: os.environ[k] for k in ("DANGAN_PROJECT", "DANGAN_DATABASE_URL",
                                                "DANGAN_STORAGE_URL")})
    assert r.returncode == 0, r.stderr
    assert "恢复后" in r.stdout
    # the site's own home still follows the environment (trailing slash and all)
    assert open_project(Path(f"{live}/")).database_url == os.environ["DANGAN_DATABASE_URL"]
    # without DANGAN_PROJECT the URLs apply to whichever home is named — but a home with its
    # own database (here its own SQLite file) is not opened on another's: refused, both named
    monkeypatch.delenv("DANGAN_PROJECT")
    with pytest.raises(ConfigError) as refused:
        open_project(copy)
    assert refused.value.key == "config.database_env_conflict"
    assert str(copy / "dangan.sqlite") in str(refused.value.params["own"])
    assert open_project(live).database_url == os.environ["DANGAN_DATABASE_URL"]


def test_an_error_naming_a_setting_in_brackets_prints_it_whole(tmp_path: Path) -> None:
    """Messages name dangan.toml's sections ("[database] url") and folders as they are; the
    console printed them as markup and dropped the brackets' content."""
    from dangan.services.project import init_project as init

    ctx = init(tmp_path / "[1997]" / "p", "court", name="甲")  # the storage's path: [1997]
    ctx.storage.write_bytes("已扫描/1997-民-0014-0025/0001.jpg", b"\xff\xd8\xff page",
                            masters=True)
    (tmp_path / "typo.sqlite").touch()
    typo = f"sqlite:///{tmp_path / 'typo.sqlite'}"
    r = dangan("status", "-p", str(ctx.home), env={"DANGAN_DATABASE_URL": typo})
    assert r.returncode == 3, r.stderr
    flat = "".join(r.stderr.split())
    assert "[database]url" in flat and "[1997]" in flat
