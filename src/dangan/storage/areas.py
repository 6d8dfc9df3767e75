"""The storage root and its stage areas (已扫描 / 已修图 / 制作目录 / 已上传) over fsspec.

A local path is the default; any fsspec URL (``memory://``, ``s3://``, ``sftp://`` …) works the
same. Writes go to a temporary name beside the target and are renamed into place, so a crash
never leaves a half-written file under a real name. Paths are relative to the root, use "/"
and may not climb out of it.
"""

from __future__ import annotations

import os
import posixpath
import stat
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, BinaryIO

import fsspec
from fsspec.spec import AbstractFileSystem

from dangan.errors import IntegrityError, StorageError
from dangan.storage.atomic import TMP_PREFIX, fsync_dir
from dangan.storage.checksum import copy_hashing, sha256_bytes, sha256_file, sha256_stream


class Area(StrEnum):
    """Stage areas; the value is the folder name users see on the server."""

    SCANNED = "已扫描"
    RETOUCHED = "已修图"
    CATALOGUE = "制作目录"
    UPLOADED = "已上传"
    RECORDS = "过程记录"
    HANDOVER = "移交"

    @property
    def key(self) -> str:
        return self.name.lower()


AREAS: tuple[Area, ...] = tuple(Area)
# Page images in 已扫描 are the masters: only ingest writes them (``masters=True``).
MASTER_SUFFIXES = (".jpg", ".jpeg", ".tif", ".tiff", ".png", ".jp2", ".pdf")
HASH_THREADS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Storage:
    """A storage root. Picklable (URL only), so it can travel to pool and Dask workers."""

    url: str
    # A project's configured root, which must already exist: a write refuses when it has gone
    # (a NAS share unmounted while a command runs) instead of recreating it on the local disk.
    existing: bool = False

    @property
    def fs(self) -> AbstractFileSystem:
        fs, _ = fsspec.core.url_to_fs(self.url)
        return fs

    @property
    def root(self) -> str:
        _, root = fsspec.core.url_to_fs(self.url)
        return str(root).rstrip("/") or "/"

    @property
    def is_local(self) -> bool:
        return "file" in _protocols(self.fs)

    def path(self, *parts: str | Area) -> str:
        """Absolute path inside the root for a relative path.

        Refuses to leave the root, and refuses a path that leaves the top folder it names
        (``已上传/pdf/../../已扫描/x`` is not a path into 已上传): a name built from
        configuration or data can never land in another area (the masters included).
        """
        raw = "/".join(str(p) for p in parts if str(p))
        rel = posixpath.normpath(raw)
        if rel.startswith("../") or rel == ".." or rel.startswith("/") or "\x00" in raw:
            raise StorageError("storage.outside_root", path=raw)
        top = raw.split("/", 1)[0]
        if top not in ("", ".", "..") and rel != top and not rel.startswith(top + "/"):
            raise StorageError("storage.outside_area", path=raw, area=top)
        return self.root if rel == "." else f"{self.root}/{rel}"

    def relative(self, full: str) -> str:
        full = full.rstrip("/")
        if not full.startswith(self.root + "/"):
            raise StorageError("storage.outside_root", path=full)
        return full[len(self.root) + 1 :]

    def create_areas(self, *, create_root: bool = True) -> None:
        """Make the stage folders; the root too only when ``create_root`` (``dangan init``)."""
        if not create_root:
            self.require_root(areas=False)
        for area in AREAS:
            self.fs.makedirs(self.path(area), exist_ok=True)

    def require_root(self, *, areas: bool = True) -> None:
        """Refuse a local root that is not there — an unmounted NAS share — instead of letting
        a write recreate it on the local disk; with ``areas``, also a root holding none of
        the stage folders (an empty mount point). Other fsspec stores are not checked here:
        their own errors name the URL."""
        if not self.is_local:
            return
        root = self.root
        if not _local_isdir(root):
            raise StorageError("storage.root_missing", path=root)
        # a stage folder that cannot be looked at is the root refusing this user, not a
        # root without stage folders
        if areas and not any(_local_isdir(os.path.join(root, a.value), unreadable=root)
                             for a in AREAS):
            raise StorageError("storage.root_empty", path=root,
                               areas=" / ".join(a.value for a in AREAS))

    def _root_present(self) -> None:
        """Before a write makes folders: an ``existing`` local root must still be there."""
        if self.existing and self.is_local and not _local_isdir(self.root):
            raise StorageError("storage.root_missing", path=self.root)

    def exists(self, rel: str) -> bool:
        """Whether the stored file or folder is there. On local storage a path this user may
        not look at (permission denied on it or a folder above it) is not "missing":
        ``storage.permission_denied`` (exit 11) names it."""
        full = self.path(rel)
        if not self.is_local:
            return bool(self.fs.exists(full))
        try:
            os.stat(full)
        except PermissionError as exc:
            raise StorageError("storage.permission_denied", path=full) from exc
        except (OSError, ValueError):
            return False
        return True

    def open(self, rel: str, mode: str = "rb") -> Any:
        try:
            return self.fs.open(self.path(rel), mode)
        except PermissionError as exc:
            raise StorageError("storage.permission_denied", path=self.path(rel)) from exc
        except OSError as exc:
            raise StorageError("storage.read_failed", path=rel, detail=str(exc)) from exc

    def read_bytes(self, rel: str) -> bytes:
        with self.open(rel) as fh:
            data: bytes = fh.read()
            return data

    def refuse_master(self, rel: str, masters: bool = False) -> None:
        """A page image in 已扫描 is written by ingest alone; anyone else is refused."""
        if masters:
            return
        norm = posixpath.normpath(rel)
        if norm.split("/", 1)[0] == Area.SCANNED.value and \
                posixpath.splitext(norm)[1].lower() in MASTER_SUFFIXES:
            raise StorageError("storage.masters_protected", path=rel)

    @contextmanager
    def atomic_writer(self, rel: str, *, masters: bool = False) -> Iterator[BinaryIO]:
        """Write to a temporary sibling, then rename into place; removed on failure.

        ``masters=True`` is for ingest alone: it may write page images into 已扫描."""
        target = self.path(rel)  # first: a path leaving its area is refused as such
        self.refuse_master(rel, masters)
        self._root_present()
        parent = posixpath.dirname(target)
        tmp = f"{parent}/{TMP_PREFIX}{uuid.uuid4().hex}-{posixpath.basename(target)}"
        fs = self.fs
        try:
            fs.makedirs(parent, exist_ok=True)
            with fs.open(tmp, "wb") as fh:
                yield fh
                _fsync(fh)
            fs.mv(tmp, target)
            if self.is_local:
                fsync_dir(parent)
        except BaseException as exc:
            try:
                if fs.exists(tmp):
                    fs.rm(tmp)
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise StorageError("storage.write_failed", path=rel, detail=str(exc)) from exc
            raise

    def write_bytes(self, rel: str, data: bytes, *, masters: bool = False) -> str:
        """Atomically write ``data``; returns its SHA-256."""
        with self.atomic_writer(rel, masters=masters) as fh:
            fh.write(data)
        return sha256_bytes(data)

    def put_file(self, local_path: str, rel: str, expected_sha256: str | None = None, *,
                 masters: bool = False) -> tuple[str, int]:
        """Copy a local file in atomically, hashing while copying; verify against the source hash.

        Returns (sha256, size). If ``expected_sha256`` is given and the bytes read differ, the
        partial copy is discarded and IntegrityError raised: nothing half-copied is left.
        """
        with open(local_path, "rb") as src, self.atomic_writer(rel, masters=masters) as dst:
            actual, size = copy_hashing(src, dst)
            if expected_sha256 is not None and actual != expected_sha256:
                raise IntegrityError(
                    "storage.checksum_mismatch", path=rel, expected=expected_sha256, actual=actual
                )
        return actual, size

    def write_batch(self, items: Iterable[tuple[str, bytes, str | None]], *,
                    masters: bool = False) -> list[tuple[str, str, int]]:
        """Atomically write several files with one durability barrier; verify each by re-reading.

        ``items`` yields (rel, data, expected_sha256 or None) and is consumed lazily, so only
        one file's bytes need be in memory. Every file is written under a temporary sibling
        name first. On local storage the data of all temporaries is then made durable at once
        (one ``syncfs``/``sync`` instead of an fsync per file), each temporary is read back and
        hashed, and only when all match are they renamed into place, after which the parent
        folders are fsynced. Elsewhere each file goes through ``atomic_writer`` and is read
        back from its destination. Returns (rel, sha256 read back, size) per item, in order.
        On any failure the batch's remaining temporaries are removed; files already renamed
        into place are complete and verified. A mismatch raises IntegrityError.
        """
        if not self.is_local:
            done: list[tuple[str, str, int]] = []
            for rel, data, expected in items:
                with self.atomic_writer(rel, masters=masters) as fh:
                    fh.write(data)
                done.append((rel, self._verified(rel, self.sha256(rel), expected), len(data)))
            return done
        self._root_present()
        pending: list[tuple[str, str, str, str | None, int]] = []  # rel, tmp, target, sha, size
        renamed = 0
        token = uuid.uuid4().hex  # one per batch: uuid4 per file costs more than the write
        try:
            for rel, data, expected in items:
                target = self.path(rel)
                self.refuse_master(rel, masters)
                parent = os.path.dirname(target)
                tmp = os.path.join(parent, f"{TMP_PREFIX}{token}-{len(pending)}-"
                                           f"{os.path.basename(target)}")
                os.makedirs(parent, exist_ok=True)
                pending.append((rel, tmp, target, expected, len(data)))
                with open(tmp, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    _start_writeback(fh.fileno())
            if not pending:
                return []
            # Sync while reading back on a few threads (syncfs and hashlib release the GIL);
            # nothing is renamed before both have finished.
            with ThreadPoolExecutor(max_workers=HASH_THREADS + 1) as pool:
                synced = pool.submit(_sync_filesystem, os.path.dirname(pending[0][2]))
                digests = list(pool.map(_sha256_local, [p[1] for p in pending]))
                synced.result()
            done = [(rel, self._verified(rel, digest, expected), size)
                    for (rel, _tmp, _target, expected, size), digest in zip(pending, digests,
                                                                            strict=True)]
            for _rel, tmp, target, _expected, _size in pending:
                os.replace(tmp, target)
                renamed += 1
            for parent in dict.fromkeys(os.path.dirname(p[2]) for p in pending):
                fsync_dir(parent)
            return done
        except BaseException as exc:
            for _rel, tmp, _target, _expected, _size in pending[renamed:]:
                with suppress(OSError):
                    os.unlink(tmp)
            if isinstance(exc, OSError):
                rel = pending[min(renamed, len(pending) - 1)][0] if pending else ""
                raise StorageError("storage.write_failed", path=rel, detail=str(exc)) from exc
            raise

    @staticmethod
    def _verified(rel: str, actual: str, expected: str | None) -> str:
        if expected is not None and actual != expected:
            raise IntegrityError("storage.checksum_mismatch", path=rel, expected=expected,
                                 actual=actual)
        return actual

    def sha256(self, rel: str) -> str:
        with self.open(rel) as fh:
            return sha256_stream(fh)

    def size(self, rel: str) -> int:
        try:
            return int(self.fs.size(self.path(rel)))
        except PermissionError as exc:
            raise StorageError("storage.permission_denied", path=self.path(rel)) from exc

    def walk_files(self, rel: str = "") -> Iterator[str]:
        """Relative paths of all files below ``rel`` (temporary files skipped), sorted."""
        base = self.path(rel) if rel else self.root
        if not self.fs.exists(base):
            return
        found = self.fs.find(base)
        for full in sorted(found):
            if posixpath.basename(full).startswith(TMP_PREFIX):
                continue
            yield self.relative(full)

    def holds_stored_files(self) -> bool:
        """Whether any stage folder holds a file (temporaries aside); stops at the first."""
        for area in AREAS:
            base = self.path(area)
            if not self.fs.exists(base):
                continue
            for _root, _dirs, files in self.fs.walk(base):
                if any(not name.startswith(TMP_PREFIX) for name in files):
                    return True
        return False

    def remove_stale_temporaries(self, rel: str = "") -> int:
        """Delete temporaries left by a crash; returns how many were removed."""
        base = self.path(rel) if rel else self.root
        removed = 0
        if not self.fs.exists(base):
            return 0
        for full in self.fs.find(base):
            if posixpath.basename(full).startswith(TMP_PREFIX):
                self.fs.rm(full)
                removed += 1
        return removed


def _local_isdir(path: str, unreadable: str | None = None) -> bool:
    """``os.path.isdir``, except that a path this user may not look at is said as such
    (``storage.permission_denied`` naming ``unreadable``, else ``path``), never as absent."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except PermissionError as exc:
        raise StorageError("storage.permission_denied", path=unreadable or path) from exc
    except (OSError, ValueError):
        return False


def _protocols(fs: AbstractFileSystem) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)


def _sha256_local(path: str) -> str:
    return sha256_file(path)


def _libc_function(name: str) -> Any:
    try:
        import ctypes
        import ctypes.util

        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True), name)
    except (OSError, AttributeError):
        return None


_SYNC_FILE_RANGE = _libc_function("sync_file_range")
if _SYNC_FILE_RANGE is not None:
    import ctypes

    _SYNC_FILE_RANGE.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
_SYNC_FILE_RANGE_WRITE = 2


def _start_writeback(fd: int) -> None:
    """Start writing a file's dirty pages to disk without waiting (Linux sync_file_range), so
    the batch's final sync finds little left to do; a no-op elsewhere."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)


def _sync_filesystem(folder: str) -> None:
    """Make every written file on ``folder``'s filesystem durable: syncfs(2), else sync(2)."""
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _fsync(fh: Any) -> None:
    """Flush to disk for local files, so a rename never publishes unwritten data."""
    try:
        fh.flush()
        os.fsync(fh.fileno())
    except (AttributeError, OSError, ValueError, NotImplementedError):
        pass
