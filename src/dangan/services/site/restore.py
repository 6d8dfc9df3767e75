"""Restore of a project from a backup folder's snapshot (see ``snapshot`` for its format).

A restore takes only a snapshot with its completion marker, and checks its files against it
before writing anything; the new home is built beside its place and renamed into it at the
end.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from dangan.config import CONFIG_FILE, DEFAULT_DB_FILE, sqlite_url
from dangan.db.session import db_errors
from dangan.errors import ConflictError, DanganError, InputError, IntegrityError, StorageError
from dangan.i18n import t
from dangan.services.project import ProjectContext
from dangan.services.site.snapshot import (
    _FILES_SQL,
    _SHEETS_SQL,
    PG_FILE,
    SQLITE_FILE,
    ManifestFile,
    object_path,
    read_manifest,
)
from dangan.storage.atomic import TMP_PREFIX, atomic_write_text, fsync_dir


@dataclass(frozen=True)
class RestoreResult:
    home: Path
    snapshot: str
    files: int
    database: str
    not_backed_up: tuple[str, ...] = ()  # changed or missing when the backup ran: not restored
    sheets: int = 0  # tracking sheets rebuilt from the restored database
    unfinished: tuple[str, ...] = ()  # ingests unfinished when the backup ran: still so
    password_left_out: bool = False  # the database password was not written to dangan.toml
    missing_at_backup: tuple[str, ...] = ()  # of not_backed_up: missing when the backup ran
    # damaged or missing in the storage when the backup ran, the backup holding the content
    # an earlier backup copied and verified: that earlier sound content is what was restored
    earlier_copy: tuple[str, ...] = ()
    # with ``skip_damaged``: stored files whose object in the backup folder is damaged or
    # gone, left out (each with its object's place in the backup folder)
    skipped: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"home": str(self.home), "snapshot": self.snapshot, "files": self.files,
                "database": self.database, "not_backed_up": list(self.not_backed_up),
                "missing_at_backup": list(self.missing_at_backup),
                "earlier_copy": list(self.earlier_copy),
                "skipped_damaged": [{"path": p, "object": o} for p, o in self.skipped],
                "sheets": self.sheets, "unfinished": list(self.unfinished),
                "password_left_out": self.password_left_out}


def restore(out: Path, home: Path, *, database_url: str | None = None,
            snapshot: str | None = None, skip_damaged: bool = False) -> RestoreResult:
    """Make a new project home from a snapshot: dangan.toml, the database, every stored file.

    A restore writes only where its arguments say: the folder ``home`` and, for a PostgreSQL
    backup, the database of ``database_url``. ``DANGAN_*`` settings of the environment (set
    on every PC of a site, naming the live project) are never followed. Every precondition
    is checked before anything is written; the home is built in a temporary folder beside
    it and renamed into place at the end, so a refused or killed restore leaves no half-built
    home (a rerun removes what a killed one left).

    A damaged or lost object in the backup folder refuses the restore, unless
    ``skip_damaged``: then the database and every sound file are restored, no damaged file
    is written, and each one left out is in ``RestoreResult.skipped``."""
    out, home = out.resolve(), home.resolve()
    try:
        with db_errors(database_url or sqlite_url(home / DEFAULT_DB_FILE), rerun="restore"):
            return _restore(out, home, database_url, snapshot, skip_damaged)
    except DanganError:
        raise
    except OSError as exc:
        raise StorageError("site.restore.write_failed", path=exc.filename or home,
                           detail=exc.strerror or str(exc)) from exc


def _restore(out: Path, home: Path, database_url: str | None,
             snapshot: str | None, skip_damaged: bool) -> RestoreResult:
    name, manifest = read_manifest(out, snapshot)
    kind = manifest["database"]
    url_kind = "sqlite" if not database_url or database_url.startswith("sqlite") else "postgresql"
    if url_kind != kind or (kind == "postgresql" and not database_url):
        raise InputError("site.restore.database_kind", kind=kind)
    changed = set(manifest.get("changed", ()))
    missing_then = tuple(sorted(set(manifest.get("missing", ())) & changed))
    every = [ManifestFile(*row) for row in manifest["files"]]
    files = [f for f in every if f.path not in changed]
    skipped = _check_objects(out, files, skip_damaged)
    files = [f for f in files if f.path not in {p for p, _o in skipped}]
    _check_target_folder(home, out)
    if kind == "postgresql":
        from dangan.services.site import backup_pg

        assert database_url is not None
        try:
            backup_pg.check_target(database_url)
        except ConflictError as exc:
            _refuse_interrupted(home, database_url, exc)  # or empties its own schema
            backup_pg.check_target(database_url)
    home.parent.mkdir(parents=True, exist_ok=True)
    snap = out / "snapshots" / name
    unfinished = tuple(manifest.get("unfinished", ()))
    with _work_folder(home) as work:
        written_url = _write_config(snap / CONFIG_FILE, work / CONFIG_FILE, database_url)
        copy_skipped = _restore_files(out, work, files, skip_damaged)
        skipped += copy_skipped
        if kind == "sqlite":
            shutil.copyfile(snap / SQLITE_FILE, work / DEFAULT_DB_FILE)
            url = sqlite_url(work / DEFAULT_DB_FILE)
        else:
            assert database_url is not None
            marker = _db_marker(home)  # stays if the restore stops after filling the schema
            token = uuid.uuid4().hex
            atomic_write_text(marker, json.dumps(
                {"database": without_password(database_url), "token": token},
                ensure_ascii=False))
            _restore_postgres(snap / PG_FILE, str(manifest["schema"]), database_url, token)
            url = database_url
        try:
            ctx = _open_restored(work, url)
            try:
                _check_database_files(ctx, every)
                sheets = _restore_sheets(ctx, set(unfinished))
            finally:
                ctx.engine.dispose()  # no pooled handle on a file about to move
            if kind == "postgresql":
                from dangan.services.site import backup_pg

                assert database_url is not None
                backup_pg.finish(database_url)
        except BaseException:
            if kind == "postgresql":  # the load committed: empty this restore's schema again
                assert database_url is not None
                _drop_own_schema(home, database_url)
            raise
        _move_into_place(work, home)
        _db_marker(home).unlink(missing_ok=True)
    left_out = {p for p, _o in skipped}
    earlier = sorted({*manifest.get("damaged", ()), *manifest.get("missing_held", ())}
                     - left_out)
    return RestoreResult(home, name, len(files) - len(copy_skipped), kind,
                         tuple(sorted(changed)), sheets, unfinished, password_left_out=written_url != (database_url or ""),
                         missing_at_backup=missing_then, earlier_copy=tuple(earlier),
                         skipped=tuple(sorted(skipped)))


def _check_objects(out: Path, files: Sequence[ManifestFile],
                   skip_damaged: bool = False) -> list[tuple[str, str]]:
    """Before anything is written: every object the snapshot needs is in the backup folder,
    of its recorded size (its hash is checked as it is copied). A lost or damaged one refuses
    the restore; with ``skip_damaged`` each is returned (stored path, object) instead."""
    gone, damaged = [], []
    bad: list[tuple[str, str]] = []
    for f in files:
        obj = object_path(out, f.sha256)
        rel = obj.relative_to(out)
        if not obj.is_file():
            gone.append(t("site.restore.object_line", object=rel, path=f.path))
        elif obj.stat().st_size != f.size:
            damaged.append(t("site.restore.object_line", object=rel, path=f.path))
        else:
            continue
        bad.append((f.path, str(rel)))
    if skip_damaged:
        return bad
    if gone:
        raise IntegrityError("site.restore.objects_missing", count=len(gone), backup=out,
                             details=gone + damaged)
    if damaged:
        raise IntegrityError("site.restore.objects_damaged", count=len(damaged), backup=out,
                             details=damaged)
    return []


def _check_database_files(ctx: ProjectContext, every: Sequence[ManifestFile]) -> None:
    """Every stored file the restored database records is in the snapshot's manifest with
    the same checksum; a database copy that names others is refused, naming them."""
    with ctx.transaction() as session:
        rows = session.execute(text(_FILES_SQL.format(pid=int(ctx.project_id)))).all()
    known = {f.path: f.sha256 for f in every}
    lacking = sorted(str(p) for p, _a, sha, _z in rows if known.get(str(p)) != str(sha))
    if lacking:
        raise IntegrityError("site.restore.manifest_lacks", count=len(lacking), details=lacking)


def _drop_own_schema(home: Path, database_url: str) -> None:
    """After a failed restore whose load committed: its schema emptied (best effort; a rerun
    does it otherwise), and its marker beside the home removed once done."""
    from dangan.services.site import backup_pg

    marker = _db_marker(home)
    try:
        token = str(json.loads(marker.read_text("utf-8")).get("token", ""))
        if backup_pg.drop_unfinished(database_url, token):
            marker.unlink(missing_ok=True)
    except Exception:
        pass


def _db_marker(home: Path) -> Path:
    """Beside the target while a PostgreSQL restore may have filled its schema."""
    return home.with_name(f"{TMP_PREFIX}restore-{home.name}.database")


def _refuse_interrupted(home: Path, database_url: str, exc: ConflictError) -> None:
    """A schema filled by an earlier restore into the same home that stopped before the home
    was in place: said so (the schema is never emptied here: someone may use it since)."""
    marker = _db_marker(home)
    if exc.key != "site.restore.target_not_empty" or not marker.exists():
        raise exc
    try:
        earlier = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        raise exc from None
    if earlier.get("database") != without_password(database_url):
        raise exc
    from dangan.services.site import backup_pg

    if backup_pg.drop_unfinished(database_url, str(earlier.get("token", ""))):
        marker.unlink(missing_ok=True)  # its own unfinished schema, emptied
        return
    raise ConflictError("site.restore.interrupted", path=home,
                        schema=exc.params.get("schema", ""), marker=marker) from exc


def _check_target_folder(home: Path, out: Path) -> None:
    """The new home must not exist yet, or be an empty folder: nothing there is overwritten
    or mixed into the restored project; and it may not lie inside another project's home or
    storage (a stage folder such as 已扫描 is written by its own commands alone) nor inside
    the backup it is restored from."""
    from dangan.storage import AREAS

    stage_folders = {a.value for a in AREAS}
    for folder in (home, *home.parents):
        if folder.name in stage_folders or (folder != home and (
                (folder / CONFIG_FILE).exists()
                or any((folder / name).is_dir() for name in stage_folders))):
            raise InputError("site.restore.inside_project", path=home, project=folder)
    if out == home or out in home.parents:
        raise InputError("site.restore.inside_backup", path=home, backup=out)
    if not os.path.lexists(home):
        return
    if not home.is_dir() or any(home.iterdir()):
        raise ConflictError("site.restore.folder_not_empty", path=home)


@contextmanager
def _work_folder(home: Path) -> Iterator[Path]:
    """The temporary folder beside ``home`` the restore is built in, locked while in use.

    What a killed restore into the same home left is removed first; a restore into the same
    home still running is refused. On any failure the folder is removed."""
    work = home.with_name(f"{TMP_PREFIX}restore-{home.name}")
    lock_path = home.with_name(f"{TMP_PREFIX}restore-{home.name}.lock")
    with open(lock_path, "a+b") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError("site.restore.busy", path=home) from None
        try:
            shutil.rmtree(work, ignore_errors=True)  # a killed restore's leftovers
            work.mkdir()
            try:
                yield work
            finally:
                shutil.rmtree(work, ignore_errors=True)  # gone after the rename in place
        finally:
            lock_path.unlink(missing_ok=True)


def _move_into_place(work: Path, home: Path) -> None:
    """Rename the finished home into place (an empty ``home`` folder is replaced); where a
    rename cannot (``home`` is a mount point), move its entries in, dangan.toml last."""
    for item in work.iterdir():
        if item.is_file():
            with open(item, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(work)
    try:
        os.replace(work, home)
    except OSError:
        if not home.is_dir() or any(home.iterdir()):
            raise
        for item in sorted(work.iterdir(), key=lambda p: p.name == CONFIG_FILE):
            shutil.move(str(item), str(home / item.name))
    fsync_dir(home.parent)


def _open_restored(work: Path, url: str) -> ProjectContext:
    """The restored project opened from its own folder and database only (never from the
    environment's DANGAN_* settings); an older snapshot's database is migrated."""
    from dangan.config import DEFAULT_STORAGE_DIR
    from dangan.services.project import open_project_at

    return open_project_at(work, url, str(work / DEFAULT_STORAGE_DIR))


def _restore_sheets(ctx: ProjectContext, unfinished: set[str]) -> int:
    """Rebuild every ingested volume's tracking sheet from the restored database; a volume
    whose ingest was unfinished gets its pending marker back instead, so ``status`` and
    ``fixity`` name it and a rerun of ``dangan ingest`` finishes it."""
    from dangan.export.tracking_sheet import write_tracking_sheet
    from dangan.services.ingest_markers import PENDING
    from dangan.storage import Area

    with ctx.transaction() as session:
        rows = session.execute(text(_SHEETS_SQL.replace("SELECT v.", "SELECT v.id, v.", 1)
                                    .format(pid=int(ctx.project_id)))).all()
    written = 0
    for vid, code, folder in rows:
        if code in unfinished:
            ctx.storage.write_bytes(f"{Area.SCANNED.value}/{folder}/{PENDING}", json.dumps(
                {"archive_code": code, "restored": True}, ensure_ascii=False).encode())
        else:
            write_tracking_sheet(ctx, int(vid))
            written += 1
    return written


def _write_config(source: Path, target: Path, database_url: str | None) -> str:
    """The snapshot's dangan.toml with storage in the new home and the given database, its
    password left out (the file is readable by everyone who may open the project): the
    project takes it from DANGAN_DATABASE_URL or ~/.pgpass. Returns the URL written."""
    import tomlkit

    from dangan.config import DEFAULT_STORAGE_DIR, parse_config
    from dangan.storage import atomic_write_text

    written = without_password(database_url) if database_url else ""
    doc = tomlkit.parse(source.read_text("utf-8"))
    doc.setdefault("storage", tomlkit.table())["url"] = DEFAULT_STORAGE_DIR
    doc.setdefault("database", tomlkit.table())["url"] = written
    text_ = tomlkit.dumps(doc)
    parse_config(text_, target)  # refuse a config this version cannot read before writing it
    atomic_write_text(target, text_)
    return written


def without_password(url: str) -> str:
    """``url`` with no password in it, neither after the user name nor as a query key."""
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k.lower() != "password"}
    if parsed.password is None and query == dict(parsed.query):
        return url
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                      parsed.database, query)  # URL.set(password=None) would keep it
    return bare.render_as_string(hide_password=False)


def _restore_files(out: Path, home: Path, files: Sequence[ManifestFile],
                   skip_damaged: bool = False) -> list[tuple[str, str]]:
    """Every file copied in, verified while copied: a damaged object is refused, not
    restored (with ``skip_damaged`` it is left out and returned, nothing of it written)."""
    from dangan.config import DEFAULT_STORAGE_DIR
    from dangan.storage import Storage

    storage = Storage(str(home / DEFAULT_STORAGE_DIR))
    storage.create_areas()
    skipped: list[tuple[str, str]] = []
    for f in files:
        obj = object_path(out, f.sha256)
        try:
            storage.put_file(str(obj), f.path, f.sha256, masters=True)
        except IntegrityError as exc:
            if skip_damaged:
                skipped.append((f.path, str(obj.relative_to(out))))
                continue
            raise IntegrityError("site.restore.object_damaged", object=obj.relative_to(out),
                                 backup=out, path=f.path) from exc
    return skipped


def _restore_postgres(archive: Path, source_schema: str, url: str, token: str) -> None:
    from dangan.services.site import backup_pg

    backup_pg.restore(archive, source_schema, url, token)
