"""The backup folder's layout and the snapshot format, and reading a snapshot back.

A backup folder holds snapshots and the files they name, stored once by content::

    OUT/objects/ab/ab12…ef             every stored file, named by its SHA-256
    OUT/snapshots/20261126T031500Z/    one per backup: manifest.json, dangan.toml and
                                       database.sqlite (SQLite) or database.pgdump (PostgreSQL)

A snapshot's completion marker ``complete.json`` (the SHA-256 of the manifest, the database
copy and dangan.toml) is written last, atomically, into the snapshot's unfinished folder,
which is then renamed into place: a snapshot is taken only with that marker, and its files
are checked against it before anything is read from them. A folder of this format without
the marker (an earlier release, killed between the rename and the marker) is never taken:
naming it is refused, and the next backup removes it. A snapshot of format 1 (before the
marker existed) is taken only when named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangan.config import CONFIG_FILE
from dangan.errors import InputError, IntegrityError, NotFoundError
from dangan.storage.atomic import TMP_PREFIX
from dangan.storage.checksum import sha256_file

FORMAT = 2  # 2: a completion marker with the snapshot files' SHA-256
COMPLETE = "complete.json"  # written last: a snapshot without it is unfinished
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



def object_path(out: Path, sha256: str) -> Path:
    return out / "objects" / sha256[:2] / sha256


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


def _manifest_format(snap: Path) -> object:
    """The format its manifest names (None when it has no readable manifest)."""
    try:
        data = json.loads((snap / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("format") if isinstance(data, dict) else None


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
                 if _manifest_format(out / "snapshots" / n) == 1]
        if older:  # format 1 has no marker: taken only when named
            raise NotFoundError("site.restore.only_unmarked", path=out, names=", ".join(older))
        killed = [n for n in _unfinished_snapshots(out)
                  if _manifest_format(out / "snapshots" / n) == FORMAT]
        if killed:  # killed before its marker: never taken, but named
            raise NotFoundError("site.restore.only_unfinished", path=out, names=", ".join(killed))
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
