"""A restore writes only where its arguments say, and checks everything before it writes.

The site's environment (``deploy/systemd/dangan.env``: DANGAN_STORAGE_URL and
DANGAN_DATABASE_URL on every PC, naming the live project) is never followed by a restore: the
live project's files (checksum and mtime) and database rows stay as they were. A refused
restore leaves nothing behind, a killed one is redone by a rerun, and the database password
is never written into the restored dangan.toml."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import FILES, returned_and_open, store_files
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import Project, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConfigError, ConflictError, InputError, StorageError
from dangan.samples import generate_set
from dangan.services.engine import resolve_actor
from dangan.services.fixity import fixity
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup
from dangan.services.site import restore as restore_svc
from workflow.helpers import line_to


def _schema_url(base: str, schema: str, password: str | None = None) -> str:
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    if password is not None:
        url = url.set(password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def target_url(request: pytest.FixtureRequest, any_project: ProjectContext) -> Iterator[str | None]:
    """Where a restore goes: None (SQLite in the new home) or a fresh PostgreSQL schema."""
    if any_project.database_url.startswith("sqlite"):
        yield None
        return
    base = request.getfixturevalue("postgres_base_url")
    schema = f"r_{uuid.uuid4().hex[:12]}"
    try:
        yield _schema_url(base, schema)
    finally:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _files_state(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``root``: its checksum and mtime (ns)."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            state[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                  path.stat().st_mtime_ns)
    return state


def _rows(ctx: ProjectContext) -> tuple[int, ...]:
    with ctx.transaction() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)
                     for m in (Project, Volume, StoredFile, StageEvent))


def test_restore_never_follows_the_sites_environment(
        any_project: ProjectContext, target_url: str | None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    truth = generate_set(tmp_path / "scan", 2, seed=5, pages=(2, 2), p_blank=0.0,
                         p_duplicate=0.0)
    with ctx.transaction() as session:
        for vol in truth.volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                               expected_pages=vol.image_count))
    line_to(ctx, wf.SCAN)
    ingest(ctx, resolve_actor(ctx, "张扫"), tmp_path / "scan", workers=1)
    out = tmp_path / "备份"
    taken = backup.backup(ctx, out)
    # the live project goes on after the backup: the snapshot is older than it
    with ctx.transaction() as s:
        code = s.scalars(select(Volume.archive_code).order_by(Volume.archive_code)).first()
    assert code is not None
    store_files(ctx, code, count=2)
    live_root = Path(ctx.storage.root)
    files_before, rows_before = _files_state(live_root), _rows(ctx)
    db_file = make_url(ctx.database_url).database if ctx.database_url.startswith("sqlite") else None
    db_files = [Path(db_file + suffix) for suffix in ("", "-wal")] if db_file else []
    db_before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in db_files if p.exists()]

    # the site's environment names the live project on every PC
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(live_root))
    monkeypatch.setenv("DANGAN_DATABASE_URL", ctx.database_url)
    home = tmp_path / "r-env"
    args = ["restore", str(out), str(home)] + ([] if target_url is None
                                               else ["--database-url", target_url])
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output

    assert _files_state(live_root) == files_before  # no file written, rewritten or touched
    assert _rows(ctx) == rows_before
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in db_files if p.exists()] == db_before
    restored_files = [p for p in (home / "storage").rglob("*") if p.is_file()]
    assert len(restored_files) >= taken.files  # the stored files and the rebuilt sheets
    assert (home / "dangan.sqlite").exists() == (target_url is None)
    # the restored copy opened while the site's URL applies to every home (no DANGAN_PROJECT)
    # would write its records into the live database: refused, naming both databases
    monkeypatch.delenv("DANGAN_PROJECT", raising=False)
    with pytest.raises(ConfigError) as refused:
        open_project(home)
    assert refused.value.key == "config.database_env_conflict", refused.value
    assert _rows(ctx) == rows_before
    # nor on the site's storage: its records would be paired with the live project's files
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    with pytest.raises(ConfigError) as refused:
        open_project(home)
    assert refused.value.key == "config.storage_env_conflict", refused.value
    monkeypatch.setenv("DANGAN_DATABASE_URL", ctx.database_url)
    # opened by its own settings, the restored project is the snapshot, whole
    monkeypatch.delenv("DANGAN_STORAGE_URL")
    if target_url is None:
        monkeypatch.delenv("DANGAN_DATABASE_URL")
    else:
        monkeypatch.setenv("DANGAN_DATABASE_URL", target_url)
    again = open_project(home)
    assert Path(again.storage.root) == (home / "storage").resolve()
    assert again.database_url != ctx.database_url
    assert fixity(again).checked == taken.files
    assert _rows(again)[2] == taken.files
    assert not list(tmp_path.glob(".dangan-tmp-*"))


def test_a_refused_restore_writes_nothing(any_project: ProjectContext, target_url: str | None,
                                          tmp_path: Path) -> None:
    ctx = any_project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "important.txt").write_text("do not touch")
    junk = tmp_path / "junk2"
    junk.mkdir()
    (junk / "dangan.sqlite").write_bytes(b"someone's database")
    names = sorted(p.name for p in tmp_path.iterdir())
    for folder in (kept, junk):
        before = _files_state(folder)
        with pytest.raises(ConflictError) as refused:
            backup.restore(out, folder, database_url=target_url)
        assert refused.value.key == "site.restore.folder_not_empty"
        assert str(folder) in refused.value.message
        assert _files_state(folder) == before
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(ConflictError):
        backup.restore(out, a_file, database_url=target_url)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "a-file"])
    empty = tmp_path / "empty"
    empty.mkdir()
    done = backup.restore(out, empty, database_url=target_url)  # an empty folder is fine
    assert done.home == empty.resolve() and (empty / "dangan.toml").exists()
    assert not list(tmp_path.glob(".dangan-tmp-*"))


@pytest.mark.postgres
def test_a_postgres_target_is_checked_before_anything_is_written(
        postgres_url: str, postgres_base_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services.project import init_project

    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    ctx = init_project(tmp_path / "proj", "court", name="测试项目")
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    home = tmp_path / "new"
    with pytest.raises(ConflictError) as busy:  # the live schema: refused before any copy
        backup.restore(out, home, database_url=ctx.database_url)
    assert busy.value.key == "site.restore.target_not_empty"
    assert not home.exists() and not list(tmp_path.glob(".dangan-tmp-*"))

    schema = f"r_{uuid.uuid4().hex[:12]}"
    role = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text(f'CREATE TABLE "{schema}".notes (id integer)'))
        with pytest.raises(ConflictError) as other:
            backup.restore(out, home, database_url=_schema_url(postgres_base_url, schema))
        assert other.value.key == "site.restore.schema_not_empty"
        # a role that may not create a schema, and the schema is missing: said so, up front
        as_role = make_url(_schema_url(postgres_base_url, schema + "x")).set(username=role)
        with pytest.raises(InputError) as missing:
            backup.restore(out, home, database_url=as_role.render_as_string(hide_password=False))
        assert missing.value.key == "site.restore.schema_missing"
        assert schema + "x" in missing.value.message
        assert not home.exists() and not list(tmp_path.glob(".dangan-tmp-*"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with pytest.raises(StorageError) as unreachable:
        backup.restore(out, home, database_url=nowhere)
    assert unreachable.value.key == "site.restore.db_unreachable"
    assert not home.exists()


def test_a_killed_restore_is_redone_by_a_rerun(project: ProjectContext, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    home = tmp_path / "恢复"

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # stands for the process dying half-way through the files

    with monkeypatch.context() as m:
        m.setattr(restore_svc, "_restore_sheets", killed)
        with pytest.raises(KeyboardInterrupt):
            backup.restore(out, home)
    assert not home.exists() and not list(tmp_path.glob(".dangan-tmp-*"))
    # what a kill -9 leaves: the work folder half built, its lock file
    work = tmp_path / f".dangan-tmp-restore-{home.name}"
    (work / "storage").mkdir(parents=True)
    (work / "dangan.toml").write_text("half")
    (tmp_path / f".dangan-tmp-restore-{home.name}.lock").write_bytes(b"")
    done = backup.restore(out, home)
    assert done.files == FILES and fixity(open_project(home)).checked == FILES
    assert not list(tmp_path.glob(".dangan-tmp-*"))


def test_no_password_in_the_restored_config(tmp_path: Path) -> None:
    plain = "postgresql+psycopg://owner@db.lan:5432/trialsite?options=-csearch_path%3Dsite2"
    assert backup.without_password(plain) == plain
    bare = backup.without_password(
        "postgresql+psycopg://owner:S3cret-pw@db.lan:5432/trialsite?options=-csearch_path%3Dsite2")
    assert "S3cret" not in bare and make_url(bare).username == "owner"
    assert make_url(bare).query["options"] == "-csearch_path=site2"
    query = backup.without_password("postgresql+psycopg://owner@db.lan/x?password=S3cret-pw")
    assert "S3cret" not in query


@pytest.mark.postgres
def test_a_postgres_restore_writes_no_password(postgres_url: str, postgres_base_url: str,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services.project import init_project

    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    ctx = init_project(tmp_path / "proj", "court", name="测试项目")
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    schema = f"r_{uuid.uuid4().hex[:12]}"
    url = _schema_url(postgres_base_url, schema, password="S3cret-pw")  # trust: any password
    try:
        home = tmp_path / "pgrest"
        done = CliRunner().invoke(app, ["restore", str(out), str(home), "--database-url", url])
        assert done.exit_code == 0, done.output
        assert "DANGAN_DATABASE_URL" in done.output and "pgpass" in done.output
        config = (home / "dangan.toml").read_text("utf-8")
        assert "S3cret" not in config
        assert backup.without_password(url) in config
        assert open_project(home).database_url == backup.without_password(url)
        assert fixity(open_project(home)).checked == FILES
        assert not (os.stat(home / "dangan.toml").st_mode & 0o002)
    finally:
        admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_a_postgres_restore_stopped_after_its_schema_leaves_none_and_a_rerun_works(
        postgres_url: str, postgres_base_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The load commits with the restore's marker table; a restore that stops later empties
    its schema again, and one killed outright (no clean-up ran) is recognised by the rerun
    into the same home, which empties it and restores. A schema filled without that marker
    is never emptied: the rerun is refused."""
    from dangan.services.project import init_project
    from dangan.services.site import backup_pg

    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    ctx = init_project(tmp_path / "proj", "court", name="测试项目")
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    schema = f"r_{uuid.uuid4().hex[:12]}"
    url = _schema_url(postgres_base_url, schema)
    home = tmp_path / "pgrest"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")

    def tables() -> int:
        with admin.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema}).scalar_one())

    def stop() -> None:
        raise KeyboardInterrupt  # the process stops after the schema was filled

    try:
        with admin.connect() as conn:  # made by the administrator (deploy/README.md): kept
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        with monkeypatch.context() as m:
            m.setattr(restore_svc, "_restore_sheets", lambda *_a: stop())
            with pytest.raises(KeyboardInterrupt):
                backup.restore(out, home, database_url=url)
        assert not home.exists() and tables() == 0
        with monkeypatch.context() as m:  # kill -9: nothing after the load runs
            m.setattr(restore_svc, "_restore_sheets", lambda *_a: stop())
            m.setattr(restore_svc, "_drop_own_schema", lambda *_a: None)
            with pytest.raises(KeyboardInterrupt):
                backup.restore(out, home, database_url=url)
        assert not home.exists() and tables() > 30
        with pytest.raises(ConflictError) as elsewhere:  # another home: not its schema
            backup.restore(out, tmp_path / "other", database_url=url)
        assert elsewhere.value.key == "site.restore.target_not_empty"
        done = backup.restore(out, home, database_url=url)
        assert done.files == FILES and not list(tmp_path.glob(".dangan-tmp-*"))
        with admin.connect() as conn:
            assert not conn.execute(text(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = :s"
                " AND table_name = :t"), {"s": schema, "t": backup_pg.UNFINISHED}).first()
        assert fixity(open_project(home)).checked == FILES
        # a schema the killed restore made itself goes with it on the rerun
        home3, schema3 = tmp_path / "pgrest3", schema + "c"
        url3 = _schema_url(postgres_base_url, schema3)
        with monkeypatch.context() as m:
            m.setattr(restore_svc, "_restore_sheets", lambda *_a: stop())
            m.setattr(restore_svc, "_drop_own_schema", lambda *_a: None)
            with pytest.raises(KeyboardInterrupt):
                backup.restore(out, home3, database_url=url3)
        assert backup.restore(out, home3, database_url=url3).files == FILES
        # a schema filled that holds no marker of this restore is never emptied
        home2 = tmp_path / "pgrest2"
        schema2 = schema + "b"
        url2 = _schema_url(postgres_base_url, schema2)
        with monkeypatch.context() as m:
            m.setattr(restore_svc, "_restore_sheets", lambda *_a: stop())
            m.setattr(restore_svc, "_drop_own_schema", lambda *_a: None)
            with pytest.raises(KeyboardInterrupt):
                backup.restore(out, home2, database_url=url2)
        with admin.connect() as conn:
            conn.execute(text(f'DROP TABLE "{schema2}".{backup_pg.UNFINISHED}'))
        with pytest.raises(ConflictError) as again:
            backup.restore(out, home2, database_url=url2)
        assert again.value.key == "site.restore.interrupted" and schema2 in again.value.message
    finally:
        with admin.connect() as conn:
            for name in (schema, schema + "b", schema + "c"):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
