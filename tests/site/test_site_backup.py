"""Backup while the line works, restore into a new home, on SQLite and PostgreSQL.

A restored project passes fixity and its audit trail replays to its state; a second backup
into the same folder copies only what is new; a backup taken while a colleague signs in a
loop restores one consistent moment (replay equals the stored rows, the manifest equals the
restored stored-file rows). A project that went through ingest has its tracking sheets
(rewritten after every sign-off, not stored-file rows) in the restore, rebuilt from the
restored database; an ingest unfinished when the backup ran is restored unfinished."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from site_helpers import FILES, assert_replays, returned_and_open, store_files
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, IntegrityError, NotFoundError
from dangan.export.tracking_sheet import sheet_rel
from dangan.samples import SetTruth, generate_set
from dangan.services.engine import resolve_actor
from dangan.services.fixity import fixity, unfinished_ingests
from dangan.services.ingest_markers import PENDING
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup
from dangan.services.site.backup_pg import rewrite
from dangan.storage import Area
from workflow.helpers import add_people, add_volumes, borrow_and_split, do_stage, line_to


@pytest.fixture
def restore_url(request: pytest.FixtureRequest, any_project: ProjectContext,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """Where a restore goes: None (SQLite in the new home) or a fresh PostgreSQL schema."""
    monkeypatch.delenv("DANGAN_DATABASE_URL")  # the restored home names its own database
    if any_project.database_url.startswith("sqlite"):
        yield None
        return
    base = request.getfixturevalue("postgres_base_url")
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            for name in (schema, schema + "b"):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def _count(ctx: ProjectContext, model: object) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_backup_restores_a_project_that_passes_fixity_and_replays(
        any_project: ProjectContext, restore_url: str | None, tmp_path: Path) -> None:
    ctx = any_project
    done, _open = returned_and_open(ctx)
    out = tmp_path / "备份"
    first = backup.backup(ctx, out)
    assert (first.files, first.copied, first.reused, first.changed) == (FILES, FILES, 0, [])
    second = backup.backup(ctx, out)  # nothing new: nothing copied
    assert (second.files, second.copied, second.reused) == (FILES, 0, FILES)
    store_files(ctx, done[0], count=1, area=Area.UPLOADED)
    third = backup.backup(ctx, out)
    assert (third.files, third.copied, third.reused) == (FILES + 1, 1, FILES)
    assert len(backup.snapshots(out)) == 3
    assert len(list((out / "objects").rglob("*"))) - len(list((out / "objects").glob("*"))) == FILES + 1

    restored = backup.restore(out, tmp_path / "恢复", database_url=restore_url)
    assert restored.files == FILES + 1 and restored.snapshot == backup.snapshots(out)[-1]
    again = open_project(tmp_path / "恢复")
    assert again.project_uuid == ctx.project_uuid
    assert again.database_url != ctx.database_url
    assert fixity(again).checked == FILES + 1
    assert_replays(again)
    for model in (Volume, StageEvent, StoredFile):
        assert _count(again, model) == _count(ctx, model)
    with again.transaction() as s:
        stages = dict(s.execute(select(Volume.archive_code, Volume.stage)).all())
    with ctx.transaction() as s:
        assert stages == dict(s.execute(select(Volume.archive_code, Volume.stage)).all())

    earlier = backup.restore(out, tmp_path / "第一次", snapshot=backup.snapshots(out)[0],
                             database_url=None if restore_url is None else _other(restore_url))
    assert earlier.files == FILES


@pytest.fixture(scope="module")
def scan_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 3, seed=11, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def test_an_ingested_project_restores_with_its_tracking_sheets(
        any_project: ProjectContext, restore_url: str | None, tmp_path: Path,
        scan_set: tuple[Path, SetTruth]) -> None:
    ctx = any_project
    root, truth = scan_set
    with ctx.transaction() as session:
        for vol in truth.volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                               expected_pages=vol.image_count))
    line_to(ctx, wf.SCAN)
    report = ingest(ctx, resolve_actor(ctx, "张扫"), root, workers=1)
    assert [v.state for v in report.volumes] == ["ingested"] * 3
    assert all(v.signed for v in report.volumes)  # the sign-off rewrote each sheet
    with ctx.transaction() as s:
        folders = dict(s.execute(select(Volume.archive_code, Volume.folder_name)).all())
    codes = sorted(folders)
    sheets = {c: sheet_rel(str(folders[c]), c) for c in codes}
    assert all(ctx.storage.exists(rel) for rel in sheets.values())
    fixity(ctx)  # the project itself is whole

    out = tmp_path / "备份"
    taken = backup.backup(ctx, out)
    assert taken.files == sum(v.image_count for v in truth.volumes) and taken.changed == []
    restored = backup.restore(out, tmp_path / "恢复", database_url=restore_url)
    assert (restored.sheets, restored.unfinished) == (3, ())
    again = open_project(restored.home)
    assert fixity(again).checked == taken.files  # was: 3 tracking sheets missing, exit 8
    assert unfinished_ingests(again) == []
    for code, rel in sheets.items():
        with again.storage.open(rel) as fh:
            sheet = openpyxl.load_workbook(fh).active
        assert sheet is not None
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert code in values and "张扫" in values  # the scan sign-off of the copy

    # An ingest stopped after its sign-off (sheet not written) when the backup ran: the
    # restore keeps it unfinished, named by fixity and status, not silently "finished".
    ctx.storage.fs.rm(ctx.storage.path(sheets[codes[1]]))
    backup.backup(ctx, out)
    cli = CliRunner().invoke(app, ["--lang", "en", "restore", str(out), str(tmp_path / "第二次")]
                             + ([] if restore_url is None else
                                ["--database-url", _other(restore_url)]))
    assert cli.exit_code == 0, cli.output
    said = " ".join(cli.output.split())
    assert "Rebuilt 2 tracking sheet(s)" in said and "still unfinished" in said
    assert codes[1] in said
    third = open_project(tmp_path / "第二次")
    assert third.storage.exists(f"{Area.SCANNED.value}/{folders[codes[1]]}/{PENDING}")
    assert unfinished_ingests(third) == [codes[1]]
    with pytest.raises(IntegrityError) as bad:
        fixity(third)
    assert bad.value.key == "intake.fixity.unfinished"  # no stored file differs
    assert [d for d in bad.value.details if codes[1] in d] and len(bad.value.details) == 1


def _other(url: str) -> str:
    """A second PostgreSQL schema beside ``url``'s, dropped with the test's own schema."""
    schema = make_url(url).query["options"].split("=", 1)[1]  # type: ignore[union-attr]
    return url.replace(schema, schema + "b")


def test_a_backup_taken_while_signing_restores_one_consistent_moment(
        any_project: ProjectContext, restore_url: str | None, tmp_path: Path) -> None:
    ctx = any_project
    add_people(ctx)
    add_volumes(ctx, 12, pages=40)
    _no, made = borrow_and_split(ctx, 12, pages_per_batch=40)
    codes = add_volumes(ctx, 1, start=100)
    store_files(ctx, codes[0], count=3)
    signed = threading.Event()
    errors: list[BaseException] = []

    def sign_in_a_loop() -> None:
        try:
            for batch in made:
                do_stage(ctx, batch, wf.SORT, "李整")
                do_stage(ctx, batch, wf.SCAN, "张扫")
                signed.set()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            signed.set()

    signer = threading.Thread(target=sign_in_a_loop)
    signer.start()
    assert signed.wait(60)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    during = _count(ctx, StageEvent)
    signer.join()
    assert errors == []
    total = _count(ctx, StageEvent)
    restored = backup.restore(out, tmp_path / "恢复", database_url=restore_url)
    again = open_project(restored.home)
    assert_replays(again)  # every sign-off in the copy comes with its claim, records and state
    events = _count(again, StageEvent)
    assert 0 < events <= during <= total
    assert fixity(again).checked == 3


def test_restore_refuses_what_it_cannot_do_whole(any_project: ProjectContext,
                                                 restore_url: str | None,
                                                 tmp_path: Path) -> None:
    ctx = any_project
    returned_and_open(ctx)
    with pytest.raises(InputError) as inside:
        backup.backup(ctx, Path(ctx.storage.root) / "备份")
    assert inside.value.key == "site.backup.inside_storage"
    out = tmp_path / "备份"
    with pytest.raises(NotFoundError) as none:  # exit 5, as everything not found
        backup.restore(out, tmp_path / "x", database_url=restore_url)
    assert none.value.key == "site.restore.no_snapshot" and none.value.exit_code == 5
    backup.backup(ctx, out)
    with pytest.raises(NotFoundError) as unknown:
        backup.restore(out, tmp_path / "x", database_url=restore_url, snapshot="nope")
    assert unknown.value.key == "site.restore.unknown_snapshot"
    with pytest.raises(ConflictError) as exists:
        backup.restore(out, ctx.home, database_url=restore_url)
    assert exists.value.key == "site.restore.folder_not_empty"
    kind_url = "sqlite:///x.sqlite" if restore_url else "postgresql+psycopg://u@127.0.0.1/db"
    with pytest.raises(InputError) as kind:
        backup.restore(out, tmp_path / "y", database_url=kind_url)
    assert kind.value.key == "site.restore.database_kind"
    if restore_url:  # a schema that already holds a project is never overwritten
        with pytest.raises(ConflictError) as busy:
            backup.restore(out, tmp_path / "z", database_url=ctx.database_url)
        assert busy.value.key == "site.restore.target_not_empty"
    victim = next(p for p in (out / "objects").rglob("*") if p.is_file())
    victim.unlink()
    with pytest.raises(IntegrityError) as lost:
        backup.restore(out, tmp_path / "w", database_url=restore_url)
    assert lost.value.key == "site.restore.objects_missing"
    assert not (tmp_path / "w" / "dangan.toml").exists()


def test_schema_renamed_on_statements_never_in_copied_rows() -> None:
    script = [
        "CREATE SCHEMA t_old;\n",
        "CREATE TABLE t_old.volume (id integer NOT NULL, title text);\n",
        "ALTER TABLE ONLY t_old.volume ALTER COLUMN id SET DEFAULT "
        "nextval('t_old.volume_id_seq'::regclass);\n",
        "COPY t_old.volume (id, title) FROM stdin;\n",
        "1\t见 t_old.volume 一文\n",
        "\\.\n",
        "SELECT pg_catalog.setval('t_old.volume_id_seq', 1, true);\n",
    ]
    out = rewrite(script, "t_old", "t_new")
    assert out[0] == 'CREATE SCHEMA "t_new";\n'
    assert rewrite(script, "t_old", "t_new", create=False) == out[1:]
    assert "CREATE SCHEMA t_old;\n" not in out
    assert out[1] == 'CREATE TABLE "t_new".volume (id integer NOT NULL, title text);\n'
    assert "nextval('\"t_new\".volume_id_seq'::regclass)" in out[2]
    assert out[3] == 'COPY "t_new".volume (id, title) FROM stdin;\n'
    assert out[4] == "1\t见 t_old.volume 一文\n"  # data is data
    assert out[6] == "SELECT pg_catalog.setval('\"t_new\".volume_id_seq', 1, true);\n"


def test_a_file_changed_since_its_record_is_named_not_hidden(project: ProjectContext,
                                                            tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    with ctx.transaction() as s:
        path = s.scalars(select(StoredFile.path).order_by(StoredFile.path)).first()
    assert path is not None
    Path(ctx.storage.path(path)).write_bytes(b"overwritten on the NAS")
    out = tmp_path / "备份"
    result = backup.backup(ctx, out)
    assert result.changed == [path] and result.copied == FILES - 1
    restored = backup.restore(out, tmp_path / "恢复")
    assert restored.not_backed_up == (path,) and restored.files == FILES - 1
    with pytest.raises(IntegrityError) as err:
        fixity(open_project(restored.home))
    assert err.value.key == "intake.fixity.bad" and any(path in d for d in err.value.details)


def test_backup_and_restore_commands(project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    runner = CliRunner()
    out = tmp_path / "备份"
    first = runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)])
    assert first.exit_code == 0, first.output
    assert "备份完成" in first.output and f"新复制{FILES}个" in "".join(first.output.split())
    again = runner.invoke(app, ["--lang", "en", "backup", str(out), "-p", str(ctx.home), "--json"])
    assert json.loads(again.output)["copied"] == 0
    inside = runner.invoke(app, ["backup", str(ctx.storage.root), "-p", str(ctx.home)])
    assert isinstance(inside.exception, InputError) and inside.exception.exit_code == 4
    done = runner.invoke(app, ["restore", str(out), str(tmp_path / "恢复")])
    assert done.exit_code == 0, done.output
    assert "已恢复到" in done.output
    assert fixity(open_project(tmp_path / "恢复")).checked == FILES


def test_the_password_goes_by_environment_never_on_the_command_line() -> None:
    from dangan._exec import libpq

    conn = libpq.connection("postgresql+psycopg://dangan_app:s%40cret@db.lan:5433/dangan"
                            "?sslmode=require&options=-csearch_path%3Dsite2")
    assert conn.dsn == "host='db.lan' port='5433' user='dangan_app' dbname='dangan' sslmode='require'"
    assert conn.schema == "site2" and conn.env["PGPASSWORD"] == "s@cret"
    assert "cret" not in conn.dsn
    assert libpq.connection("postgresql://root@127.0.0.1/test").schema is None


def test_the_next_backup_removes_what_a_killed_one_left(project: ProjectContext,
                                                        tmp_path: Path) -> None:
    import fcntl

    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    backup.backup(ctx, out)
    # what a kill -9 leaves: the unfinished snapshot folder and a half-copied object
    stale = out / "snapshots" / ".dangan-tmp-20261126T031500123456Z"
    stale.mkdir()
    (stale / "database.sqlite").write_bytes(b"half")
    half = out / "objects" / "33" / f".dangan-tmp-{uuid.uuid4().hex}"
    half.parent.mkdir(exist_ok=True)
    half.write_bytes(b"half")
    others = [out / "snapshots" / "notes.txt", out / "objects" / "33" / ".dangan-tmp-mine.txt"]
    for path in others:
        path.write_text("not the backup's")
    again = backup.backup(ctx, out)
    assert again.reused == FILES and not stale.exists() and not half.exists()
    assert all(p.exists() for p in others)  # only the backup's own temporary names go
    assert len(backup.snapshots(out)) == 2
    with open(out / backup.LOCK_FILE, "a+b") as lock:  # another backup writing there now
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ConflictError) as busy:
            backup.backup(ctx, out)
    assert busy.value.key == "site.backup.busy"


def test_a_backup_that_meets_a_damaged_file_says_so_and_fails(project: ProjectContext,
                                                              tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    runner = CliRunner()
    out = tmp_path / "备份"
    assert runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)]).exit_code == 0
    with ctx.transaction() as s:
        path, good = s.execute(select(StoredFile.path, StoredFile.sha256)
                               .order_by(StoredFile.path)).first()  # type: ignore[misc]
    stored = Path(ctx.storage.path(path))
    data = bytearray(stored.read_bytes())
    data[100] ^= 0xFF  # bit rot: same size, other content
    stored.write_bytes(bytes(data))
    # incremental: the backup already holds the file's recorded content
    inc = runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)])
    assert isinstance(inc.exception, IntegrityError), inc.output
    assert inc.exception.key == "site.backup.failed_verification"
    assert inc.exception.exit_code == 8
    flat = "".join(inc.output.split())  # the terminal's width wraps the lines anywhere
    assert path in flat and f"已有{FILES}个" in flat
    assert inc.exception.details == [path]
    js = runner.invoke(app, ["backup", str(out), "-p", str(ctx.home), "--json"])
    assert isinstance(js.exception, IntegrityError) and json.loads(js.output)["damaged"] == [path]
    assert len(backup.snapshots(out)) == 3  # everything else was backed up
    # the snapshot still restores the recorded content: the damage can be repaired from it
    restored = backup.restore(out, tmp_path / "恢复")
    assert restored.not_backed_up == () and restored.files == FILES
    assert fixity(open_project(restored.home)).checked == FILES
    # into a new folder: not backed up, named, and no success either
    fresh = runner.invoke(app, ["backup", str(tmp_path / "新备份"), "-p", str(ctx.home)])
    assert isinstance(fresh.exception, IntegrityError) and fresh.exception.exit_code == 8
    assert path in fresh.output and "未备份" in fresh.output
    assert backup.object_path(tmp_path / "备份", good).exists()
    assert not backup.object_path(tmp_path / "新备份", good).exists()


def test_a_stored_file_gone_is_named_and_the_rest_backed_up(project: ProjectContext,
                                                           tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    with ctx.transaction() as s:
        first, second = s.scalars(select(StoredFile.path).order_by(StoredFile.path)).all()[:2]
    out = tmp_path / "备份"
    Path(ctx.storage.path(first)).unlink()  # gone before the first backup: not backed up
    result = backup.backup(ctx, out)
    assert result.missing == [first] and result.changed == [] and result.copied == FILES - 1
    Path(ctx.storage.path(second)).unlink()  # gone after it: the backup holds it
    again = backup.backup(ctx, out)
    assert again.missing == [first, second] and again.changed == again.damaged == []
    assert again.not_backed_up == [first]
    assert again.failed_verification == sorted([first, second])
    cli = CliRunner().invoke(app, ["backup", str(out), "-p", str(ctx.home)])
    assert isinstance(cli.exception, IntegrityError) and cli.exception.exit_code == 8
    assert first in cli.output and second in cli.output
    assert len(backup.snapshots(out)) == 3


def test_a_restore_never_goes_inside_a_project_or_its_backup_and_says_when_incomplete(
        project: ProjectContext, tmp_path: Path) -> None:
    """A restore into a project's home or storage (its 已扫描 is written by ingest alone), or
    into the backup it reads, is refused before anything is written; a blank folder argument
    is refused (it would mean the current directory); a restore whose snapshot lacks a file
    (damaged when the backup ran) makes the rest and exits 8."""
    ctx = project
    returned_and_open(ctx)
    out = tmp_path / "备份"
    runner = CliRunner()
    assert runner.invoke(app, ["backup", str(out), "-p", str(ctx.home)]).exit_code == 0
    storage = Path(ctx.storage.root)
    for inside in (storage / "已扫描" / "newhome", storage / "newhome", ctx.home / "sub",
                   out / "restored"):
        with pytest.raises(InputError) as err:
            backup.restore(out, inside)
        assert err.value.key in ("site.restore.inside_project", "site.restore.inside_backup")
        assert not inside.exists()
    blank = runner.invoke(app, ["backup", "", "-p", str(ctx.home)])
    assert isinstance(blank.exception, InputError) and blank.exception.key == "site.blank_path"
    assert blank.exception.exit_code == 4
    with ctx.transaction() as s:
        path = s.scalars(select(StoredFile.path).order_by(StoredFile.path)).first()
    assert path is not None
    stored = Path(ctx.storage.path(path))
    data = bytearray(stored.read_bytes())
    data[100] ^= 0xFF
    stored.write_bytes(bytes(data))
    out2 = tmp_path / "新备份"  # a first backup meets the damage: the file is not in it
    first = runner.invoke(app, ["backup", str(out2), "-p", str(ctx.home)])
    assert isinstance(first.exception, IntegrityError) and first.exception.exit_code == 8
    done = runner.invoke(app, ["restore", str(out2), str(tmp_path / "恢复")])
    assert isinstance(done.exception, IntegrityError), done.output
    assert done.exception.key == "site.restore.incomplete" and done.exception.exit_code == 8
    assert done.exception.details == [path]
    assert (tmp_path / "恢复" / "dangan.toml").exists()  # the rest was restored
