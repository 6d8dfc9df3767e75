"""Backup of a project while the line works.

A backup folder holds snapshots and the files they name, stored once by content (the layout
and the snapshot format: ``snapshot``; restore: ``restore``).

The database copy is consistent while others write: SQLite's online backup API copies one
read snapshot; PostgreSQL's ``pg_dump`` runs in a snapshot exported by a transaction that
also reads the manifest, so the dump and the manifest agree. The manifest is read from that
same snapshot, never from the live tables. A second backup into the same folder copies only
files whose content is not there yet (an object already there is checked by its size, or
re-hashed with ``verify``). A snapshot folder appears under its real name only when
everything it names is in place; its completion marker ``complete.json`` (the SHA-256 of the
manifest, the database copy and dangan.toml) is written last, atomically, before the
unfinished folder is renamed into place: a restore takes only a snapshot with that marker, and
checks those files against it before writing anything.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from dangan.config import CONFIG_FILE
from dangan.db.session import db_errors
from dangan.errors import ConflictError, DanganError, InputError, StorageError
from dangan.intake.renumber import crash_point
from dangan.services.project import ProjectContext
from dangan.services.site.restore import RestoreResult, restore, without_password
from dangan.services.site.snapshot import (
    _FILES_SQL,
    _SHEETS_SQL,
    COMPLETE,
    FORMAT,
    MANIFEST,
    PG_FILE,
    SQLITE_FILE,
    ManifestFile,
    object_path,
    read_manifest,
    snapshots,
)
from dangan.storage.atomic import TMP_PREFIX, atomic_write_text, fsync_dir
from dangan.storage.checksum import copy_hashing, sha256_file, sha256_stream

LOCK_FILE = ".dangan-backup.lock"  # held while a backup writes into the folder
_SNAPSHOT_TMP = re.compile(re.escape(TMP_PREFIX) + r"\d{8}T\d{12}Z")
_SNAPSHOT_NAME = re.compile(r"\d{8}T\d{12}Z")
_OBJECT_TMP = re.compile(re.escape(TMP_PREFIX) + r"[0-9a-f]{32}")

# Also importable from here as before: the snapshot format and the restore side.
__all__ = [
    "COMPLETE", "FORMAT", "LOCK_FILE", "MANIFEST", "PG_FILE", "SQLITE_FILE", "BackupResult",
    "ManifestFile", "RestoreResult", "backup", "object_path", "read_manifest", "restore",
    "snapshots", "without_password",
]


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
            with db_errors(ctx.database_url, rerun="backup"):
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
    (only this module's own temporary names; no other backup runs, the lock is held), and a
    snapshot folder an earlier release renamed into place but was killed before writing its
    marker into (format 2 and unmarked: never restored, see ``_killed_before_marker``)."""
    for item in (out / "snapshots").iterdir():
        unfinished = _SNAPSHOT_TMP.fullmatch(item.name) and item.is_dir()
        if unfinished or _killed_before_marker(item):
            shutil.rmtree(item, ignore_errors=True)
    objects = out / "objects"
    if objects.is_dir():
        for item in objects.glob(f"??/{TMP_PREFIX}*"):
            if _OBJECT_TMP.fullmatch(item.name) and item.is_file():
                item.unlink(missing_ok=True)


def _killed_before_marker(item: Path) -> bool:
    """A snapshot folder under its real name, without its completion marker, whose manifest
    is of the marked format: an earlier release wrote the marker after the rename and was
    killed in between. A snapshot of the format before the marker (1), or one whose manifest
    cannot be read, is left alone."""
    if not (_SNAPSHOT_NAME.fullmatch(item.name) and item.is_dir() and not item.is_symlink()):
        return False
    if os.path.lexists(item / COMPLETE):
        return False
    try:
        manifest = json.loads((item / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT


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
            # damaged, or missing, in the storage when the backup ran, the backup holding the
            # content an earlier backup copied and verified: a restore brings that back and
            # names them
            "damaged": sorted(result.damaged),
            "missing_held": sorted(set(result.missing) - set(result.missing_not_held)),
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
        # the marker that makes the snapshot a complete one, written inside the unfinished
        # folder: the rename makes the snapshot appear whole, marker included, or not at all
        atomic_write_text(work / COMPLETE, json.dumps(
            {"format": FORMAT, "sha256": sums}, ensure_ascii=False))
        fsync_dir(work)
        crash_point("backup.marked")
        os.replace(work, result.snapshot)
        fsync_dir(snapshots)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    crash_point("backup.renamed")
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
    from dangan.services.ingest_markers import PENDING
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
