"""Backup and restore of a project while the line works.

A backup folder holds snapshots and the files they name, stored once by content::

    OUT/objects/ab/ab12…ef             every stored file, named by its SHA-256
    OUT/snapshots/20261126T031500Z/    one per backup: manifest.json, dangan.toml and
                                       database.sqlite (SQLite) or database.pgdump (PostgreSQL)

The database copy is consistent while others write: SQLite's online backup API copies one
read snapshot; PostgreSQL's ``pg_dump`` runs in a snapshot exported by a transaction that
also reads the manifest, so the dump and the manifest agree. The manifest is read from that
same snapshot, never from the live tables. A second backup into the same folder copies only
files whose content is not there yet (an object already there is checked by its size, or
re-hashed with ``verify``). A snapshot folder appears under its real name only when
everything it names is in place; its completion marker ``complete.json`` (the SHA-256 of the
manifest, the database copy and dangan.toml) is written last, atomically: a restore takes
only a snapshot with that marker, and checks those files against it before writing anything.
A backup whose storage root is gone, or goes away while it runs, leaves no snapshot.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from dangan.config import CONFIG_FILE, DEFAULT_DB_FILE, sqlite_url
from dangan.errors import (
    ConflictError,
    DanganError,
    InputError,
    IntegrityError,
    NotFoundError,
    StorageError,
)
from dangan.i18n import t
from dangan.services.project import ProjectContext
from dangan.storage.atomic import TMP_PREFIX, atomic_write_text, fsync_dir
from dangan.storage.checksum import copy_hashing, sha256_file, sha256_stream

FORMAT = 2  # 2: a completion marker with the snapshot files' SHA-256
COMPLETE = "complete.json"  # written last: a snapshot without it is unfinished
LOCK_FILE = ".dangan-backup.lock"  # held while a backup writes into the folder
_SNAPSHOT_TMP = re.compile(re.escape(TMP_PREFIX) + r"\d{8}T\d{12}Z")
_OBJECT_TMP = re.compile(re.escape(TMP_PREFIX) + r"[0-9a-f]{32}")
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
_FILES_SQL = "SELECT path, area, sha256, size FROM stored_file WHERE project_id = {pid} ORDER BY path"
# The volumes with recorded scans, each with its tracking sheet (电子档案信息跟踪表).
_SHEETS_SQL = ("SELECT v.archive_code, v.folder_name FROM volume v WHERE v.project_id = {pid}"
               " AND v.folder_name IS NOT NULL AND EXISTS (SELECT 1 FROM stored_file f"
               " WHERE f.volume_id = v.id AND f.area = 'scanned') ORDER BY v.archive_code")


@dataclass(frozen=True)
class ManifestFile:
    path: str
    area: str
    sha256: str
    size: int


@dataclass
class BackupResult:
    snapshot: Path
    files: int = 0
    copied: int = 0
    reused: int = 0
    bytes_copied: int = 0
    # objects of the backup folder found damaged (wrong size, or wrong hash with verify)
    # and copied again from the storage
    repaired: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # differ from the snapshot's checksum now
    # differ from their checksum now, but the backup holds their recorded content (copied
    # and verified by an earlier backup)
    damaged: list[str] = field(default_factory=list)
    # not in the storage at all now (as ``dangan fixity`` says: missing, not changed)
    missing: list[str] = field(default_factory=list)
    # of those, the ones the backup does not hold either: neither backed up nor restorable
    missing_not_held: list[str] = field(default_factory=list)

    @property
    def failed_verification(self) -> list[str]:
        """Every stored file that fails its checksum now, or is missing (a backup that met
        one is not a success: the CLI exits with IntegrityError's code)."""
        return sorted(self.changed + self.damaged + self.missing)

    @property
    def not_backed_up(self) -> list[str]:
        """The snapshot's files its backup folder lacks: a restore leaves them out."""
        return sorted(self.changed + self.missing_not_held)

    def to_dict(self) -> dict[str, object]:
        return {"snapshot": str(self.snapshot), "files": self.files, "copied": self.copied,
                "reused": self.reused, "bytes_copied": self.bytes_copied,
                "changed": self.changed, "damaged": self.damaged, "missing": self.missing,
                "repaired": self.repaired}


def object_path(out: Path, sha256: str) -> Path:
    return out / "objects" / sha256[:2] / sha256


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def backup(ctx: ProjectContext, out: Path, *, verify: bool = False) -> BackupResult:
    """Copy the database (one consistent snapshot) and every stored file it names into ``out``.

    ``verify``: re-hash every object the backup folder already holds (otherwise its size is
    checked); a damaged one is copied again from the storage."""
    out = out.resolve()
    _refuse_inside_project(ctx, out)
    ctx.storage.require_root()
    if os.path.lexists(out) and not out.is_dir():
        raise InputError("site.backup.not_a_folder", path=out)
    snapshots = out / "snapshots"
    try:
        snapshots.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError("site.backup.write_failed", path=exc.filename or out,
                           detail=exc.strerror or str(exc)) from exc
    try:
        with open(out / LOCK_FILE, "a+b") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConflictError("site.backup.busy", path=out) from None
            _remove_leftovers(out)
            return _backup(ctx, out, snapshots, verify)
    except StorageError:
        ctx.storage.require_root()  # a file unreadable because its root went away
        raise
    except DanganError:
        raise
    except OSError as exc:
        ctx.storage.require_root()  # the storage went away: that is what to say
        raise _write_error("site.backup.write_failed", exc, out) from exc


def _write_error(key: str, exc: OSError, where: Path) -> StorageError:
    """An OS error of writing or reading the backup folder (full, read-only, gone), naming
    the path it met."""
    path = exc.filename or where
    if not os.path.exists(where):
        return StorageError(f"{key.rsplit('.', 1)[0]}.folder_gone", path=where)
    return StorageError(key, path=path, detail=exc.strerror or str(exc))


def _remove_leftovers(out: Path) -> None:
    """What a killed backup left: its unfinished snapshot folder and half-copied objects
    (only this module's own temporary names; no other backup runs, the lock is held)."""
    for item in (out / "snapshots").iterdir():
        if _SNAPSHOT_TMP.fullmatch(item.name) and item.is_dir():
            shutil.rmtree(item, ignore_errors=True)
    objects = out / "objects"
    if objects.is_dir():
        for item in objects.glob(f"??/{TMP_PREFIX}*"):
            if _OBJECT_TMP.fullmatch(item.name) and item.is_file():
                item.unlink(missing_ok=True)


def _backup(ctx: ProjectContext, out: Path, snapshots: Path, verify: bool) -> BackupResult:
    name = _stamp()
    work = snapshots / f"{TMP_PREFIX}{name}"
    work.mkdir()
    try:
        if ctx.database_url.startswith("sqlite"):
            kind, schema = "sqlite", None
            files, volumes = _sqlite_copy(ctx, work / SQLITE_FILE)
        else:
            kind = "postgresql"
            schema, files, volumes = _postgres_dump(ctx, work / PG_FILE)
        result = BackupResult(snapshots / name, files=len(files))
        unfinished = _unfinished(ctx, volumes)
        ctx.storage.require_root()  # a root gone makes every volume look unfinished
        _copy_objects(ctx, out, files, result, verify)
        ctx.storage.require_root()  # gone while copying: no snapshot
        shutil.copyfile(ctx.home / CONFIG_FILE, work / CONFIG_FILE)
        manifest = {
            "format": FORMAT, "taken_at": datetime.now(UTC).isoformat(),
            "project": {"uuid": ctx.project_uuid, "name": ctx.config.project.name},
            "database": kind, "schema": schema,
            "files": [[f.path, f.area, f.sha256, f.size] for f in files],
            "changed": result.not_backed_up,  # left out by a restore
            # of those, the ones missing from the storage when the backup ran
            "missing": result.missing_not_held,
            # Tracking sheets are not copied: restore rebuilds them from the database copy,
            # so each shows exactly what that copy holds. An ingest unfinished when the
            # backup ran (no sheet yet, or its pending marker) is restored unfinished.
            "unfinished": unfinished,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
        for item in work.iterdir():
            with open(item, "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(work)
        sums = {item.name: sha256_file(item) for item in sorted(work.iterdir())}
        os.replace(work, result.snapshot)
        fsync_dir(snapshots)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    # last: the marker that makes the snapshot a complete one (written atomically)
    atomic_write_text(result.snapshot / COMPLETE, json.dumps(
        {"format": FORMAT, "sha256": sums}, ensure_ascii=False))
    fsync_dir(result.snapshot)
    return result


def _refuse_inside_project(ctx: ProjectContext, out: Path) -> None:
    """A backup inside the storage root, or holding it, would back itself up and die with the
    disk it guards; one in the project's home would be mixed into the project."""
    home = ctx.home.resolve()
    if ctx.storage.is_local:
        root = Path(ctx.storage.root).resolve()
        if out == root or root in out.parents:
            raise InputError("site.backup.inside_storage", path=out, storage=root)
        if out in root.parents:
            raise InputError("site.backup.holds_storage", path=out, storage=root)
    if out == home or home in out.parents or out in home.parents:
        raise InputError("site.backup.inside_home", path=out, home=home)


def _unfinished(ctx: ProjectContext, volumes: Sequence[tuple[str, str]]) -> list[str]:
    """The volumes of the snapshot whose ingest had not written its sheet (or still had its
    pending marker) when the backup ran."""
    from dangan.export.tracking_sheet import sheet_rel
    from dangan.services.intake import PENDING
    from dangan.storage import Area

    return [code for code, folder in volumes
            if ctx.storage.exists(f"{Area.SCANNED.value}/{folder}/{PENDING}")
            or not ctx.storage.exists(sheet_rel(folder, code))]


def _sqlite_copy(ctx: ProjectContext,
                 target: Path) -> tuple[list[ManifestFile], list[tuple[str, str]]]:
    source = make_url(ctx.database_url).database or ""
    src = sqlite3.connect(source, timeout=30)  # reads only; a WAL file may need its -shm made
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one read snapshot of a live database
        rows = dst.execute(_FILES_SQL.format(pid=int(ctx.project_id))).fetchall()
        volumes = dst.execute(_SHEETS_SQL.format(pid=int(ctx.project_id))).fetchall()
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    return ([ManifestFile(str(p), str(a), str(s), int(z)) for p, a, s, z in rows],
            [(str(c), str(f)) for c, f in volumes])


def _postgres_dump(ctx: ProjectContext, target: Path
                   ) -> tuple[str, list[ManifestFile], list[tuple[str, str]]]:
    from dangan._exec import pg_dump

    engine = ctx.engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn, conn.begin():
        snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
        rows = conn.execute(text(_FILES_SQL.format(pid=int(ctx.project_id)))).all()
        volumes = conn.execute(text(_SHEETS_SQL.format(pid=int(ctx.project_id)))).all()
        pg_dump.dump(ctx.database_url, schema, target, snapshot=snapshot)
    return (schema, [ManifestFile(str(p), str(a), str(s), int(z)) for p, a, s, z in rows],
            [(str(c), str(f)) for c, f in volumes])


def _copy_objects(ctx: ProjectContext, out: Path, files: Sequence[ManifestFile],
                  result: BackupResult, verify: bool = False) -> None:
    """Copy each file whose content the backup lacks, checking it hashes as recorded; an
    object already there of the wrong size (or, with ``verify``, the wrong hash) is damaged
    in the backup and copied again."""
    checked: set[str] = set()
    for f in files:
        target = object_path(out, f.sha256)
        held = target.exists()
        if held and f.sha256 not in checked:
            if target.stat().st_size != f.size or (verify and sha256_file(target) != f.sha256):
                result.repaired.append(str(target.relative_to(out)))
                held = False
            else:
                checked.add(f.sha256)
        if held:
            # already in the backup (verified when copied): the stored file is still read,
            # so one damaged or lost since is named, never passed over in silence
            if _gone(ctx, f.path):
                result.missing.append(f.path)
            else:
                with ctx.storage.open(f.path) as src:
                    if sha256_stream(src) != f.sha256:
                        result.damaged.append(f.path)
            result.reused += 1
            continue
        if _gone(ctx, f.path):  # missing from the storage, and from the backup
            result.missing.append(f.path)
            result.missing_not_held.append(f.path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}")
        try:
            with ctx.storage.open(f.path) as src, open(tmp, "wb") as dst:
                actual, size = copy_hashing(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            if actual != f.sha256:
                result.changed.append(f.path)
                tmp.unlink()
                continue
            os.replace(tmp, target)
            checked.add(f.sha256)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        result.copied += 1
        result.bytes_copied += size
    if result.copied:
        fsync_dir(out / "objects")


def _gone(ctx: ProjectContext, rel: str) -> bool:
    """A stored file missing from the storage; its root gone (unmounted, renamed while the
    backup runs) is a storage error, not every file missing."""
    if ctx.storage.exists(rel):
        return False
    ctx.storage.require_root()
    return True


# --- restore -----------------------------------------------------------------------------------
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

    def to_dict(self) -> dict[str, object]:
        return {"home": str(self.home), "snapshot": self.snapshot, "files": self.files,
                "database": self.database, "not_backed_up": list(self.not_backed_up),
                "missing_at_backup": list(self.missing_at_backup),
                "sheets": self.sheets, "unfinished": list(self.unfinished),
                "password_left_out": self.password_left_out}


def snapshots(out: Path) -> list[str]:
    """The complete snapshots of ``out`` (with their completion marker), oldest first."""
    folder = out / "snapshots"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(TMP_PREFIX) and (p / COMPLETE).exists())


def _unfinished_snapshots(out: Path) -> list[str]:
    """Snapshot folders without the completion marker: killed before it, or written by a
    version before it existed (manifest format 1)."""
    folder = out / "snapshots"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir()
                  and not p.name.startswith(TMP_PREFIX) and not (p / COMPLETE).exists())


def read_manifest(out: Path, snapshot: str | None = None) -> tuple[str, dict[str, Any]]:
    """The snapshot's manifest (the latest complete one unless named), its files checked
    against the SHA-256 its completion marker records first."""
    if not out.is_dir():
        raise NotFoundError("site.restore.no_snapshot", path=out)
    names = snapshots(out)
    if snapshot and snapshot not in names and snapshot in _unfinished_snapshots(out):
        snap = out / "snapshots" / snapshot
        legacy = _read_json(snap / MANIFEST) if (snap / MANIFEST).is_file() else {}
        if legacy.get("format") == 1:  # written before the marker existed: named, taken
            return snapshot, legacy
        raise IntegrityError("site.restore.snapshot_unfinished", name=snapshot, path=snap)
    if not names:
        older = [n for n in _unfinished_snapshots(out)
                 if (out / "snapshots" / n / MANIFEST).is_file()]
        if older:  # format 1 has no marker: taken only when named
            raise NotFoundError("site.restore.only_unmarked", path=out, names=", ".join(older))
        raise NotFoundError("site.restore.no_snapshot", path=out)
    name = snapshot or names[-1]
    if name not in names:
        raise NotFoundError("site.restore.unknown_snapshot", name=name,
                            choices=", ".join(names))
    snap = out / "snapshots" / name
    marker = _read_json(snap / COMPLETE)
    if marker.get("format") != FORMAT or not isinstance(marker.get("sha256"), dict):
        raise InputError("site.restore.bad_format", name=name, format=marker.get("format"))
    sums: dict[str, str] = marker["sha256"]
    for needed in (MANIFEST, CONFIG_FILE):
        if needed not in sums:
            raise InputError("site.restore.snapshot_file_missing", path=snap / needed)
    for file_name, expected in sorted(sums.items()):
        path = snap / file_name
        if not path.is_file():
            raise InputError("site.restore.snapshot_file_missing", path=path)
        if sha256_file(path) != expected:
            raise IntegrityError("site.restore.snapshot_damaged", path=path)
    data = _read_json(snap / MANIFEST)
    if data.get("format") != FORMAT:
        raise InputError("site.restore.bad_format", name=name, format=data.get("format"))
    db_file = SQLITE_FILE if data.get("database") == "sqlite" else PG_FILE
    if db_file not in sums:
        raise InputError("site.restore.snapshot_file_missing", path=snap / db_file)
    return name, data


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError("site.restore.snapshot_file_missing", path=path) from None
    except (OSError, ValueError) as exc:
        raise InputError("site.restore.snapshot_unreadable", path=path,
                         detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                         ) from exc
    if not isinstance(data, dict):
        raise InputError("site.restore.snapshot_unreadable", path=path, detail="not an object")
    return data


def restore(out: Path, home: Path, *, database_url: str | None = None,
            snapshot: str | None = None) -> RestoreResult:
    """Make a new project home from a snapshot: dangan.toml, the database, every stored file.

    A restore writes only where its arguments say: the folder ``home`` and, for a PostgreSQL
    backup, the database of ``database_url``. ``DANGAN_*`` settings of the environment (set
    on every PC of a site, naming the live project) are never followed. Every precondition
    is checked before anything is written; the home is built in a temporary folder beside
    it and renamed into place at the end, so a refused or killed restore leaves no half-built
    home (a rerun removes what a killed one left)."""
    out, home = out.resolve(), home.resolve()
    try:
        return _restore(out, home, database_url, snapshot)
    except DanganError:
        raise
    except OSError as exc:
        raise StorageError("site.restore.write_failed", path=exc.filename or home,
                           detail=exc.strerror or str(exc)) from exc


def _restore(out: Path, home: Path, database_url: str | None,
             snapshot: str | None) -> RestoreResult:
    name, manifest = read_manifest(out, snapshot)
    kind = manifest["database"]
    url_kind = "sqlite" if not database_url or database_url.startswith("sqlite") else "postgresql"
    if url_kind != kind or (kind == "postgresql" and not database_url):
        raise InputError("site.restore.database_kind", kind=kind)
    changed = set(manifest.get("changed", ()))
    missing_then = tuple(sorted(set(manifest.get("missing", ())) & changed))
    every = [ManifestFile(*row) for row in manifest["files"]]
    files = [f for f in every if f.path not in changed]
    _check_objects(out, files)
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
        _restore_files(out, work, files)
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
    return RestoreResult(home, name, len(files), kind, tuple(sorted(changed)), sheets,
                         unfinished, password_left_out=written_url != (database_url or ""),
                         missing_at_backup=missing_then)


def _check_objects(out: Path, files: Sequence[ManifestFile]) -> None:
    """Before anything is written: every object the snapshot needs is in the backup folder,
    of its recorded size (its hash is checked as it is copied)."""
    gone, damaged = [], []
    for f in files:
        obj = object_path(out, f.sha256)
        rel = obj.relative_to(out)
        if not obj.is_file():
            gone.append(t("site.restore.object_line", object=rel, path=f.path))
        elif obj.stat().st_size != f.size:
            damaged.append(t("site.restore.object_line", object=rel, path=f.path))
    if gone:
        raise IntegrityError("site.restore.objects_missing", count=len(gone), backup=out,
                             details=gone + damaged)
    if damaged:
        raise IntegrityError("site.restore.objects_damaged", count=len(damaged), backup=out,
                             details=damaged)


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
    from dangan.services.intake import PENDING
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


def _restore_files(out: Path, home: Path, files: Sequence[ManifestFile]) -> None:
    from dangan.config import DEFAULT_STORAGE_DIR
    from dangan.storage import Storage

    storage = Storage(str(home / DEFAULT_STORAGE_DIR))
    storage.create_areas()
    for f in files:  # verified while copied: a damaged object is refused, not restored
        obj = object_path(out, f.sha256)
        try:
            storage.put_file(str(obj), f.path, f.sha256, masters=True)
        except IntegrityError as exc:
            raise IntegrityError("site.restore.object_damaged", object=obj.relative_to(out),
                                 backup=out, path=f.path) from exc


def _restore_postgres(archive: Path, source_schema: str, url: str, token: str) -> None:
    from dangan.services.site import backup_pg

    backup_pg.restore(archive, source_schema, url, token)
