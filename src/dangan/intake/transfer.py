"""Copy page files into a storage area without losing a byte, and verify what is stored.

Each file is read once at the source and hashed while it is copied, written under a temporary
name, then read back at the destination and hashed again; only when every file of the volume
matches are the temporaries renamed into place. A file the check has already hashed
(``Checked``: its SHA-256, size and mtime when the check read it) and that still has that size
and mtime is copied without hashing it again: the read-back of the destination must hash to
the check's SHA-256, so what is stored is byte for byte what the check inspected. A file
changed since the check (its bytes, whatever its size and mtime say) is refused as a conflict
(``intake.ingest.source_changed``), never stored under a checksum the check did not see. A file already at the destination with the
same checksum is adopted (a rerun after a crash); one with a different checksum is never
overwritten — masters are written once.

On local storage (a disk or a mounted NAS share) ``transfer_files`` works file by file on two
threads (read, hash and write through one reused buffer per thread; the read-back hashes the
written temporary through a read-only memory map, so the verification costs a hash and no
copy; hashlib, reads and writes release the GIL). Durability: writeback of each temporary is
started as soon as it is written, and the volume has ONE barrier — ``syncfs`` of the storage's
filesystem (an fsync of each file where there is no syncfs) — after all its temporaries are
written and before any is renamed (on the thread that copies ahead, when a volume is copied
ahead: its turn then only renames); then the renames and an fsync of the folder. Nothing is
published (renamed, then recorded in the database) before the barrier, so an fsync per file
would add nothing but one journal commit per page; a crash before the barrier leaves only
temporaries, which the rerun removes. Elsewhere (fsspec stores) ``Storage.write_batch`` does the same file by file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import io
import itertools
import mmap
import os
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from dangan.errors import ConflictError, IntegrityError, StorageError
from dangan.storage import Storage, fsync_dir, sha256_bytes
from dangan.storage.atomic import TMP_PREFIX

MAX_IN_MEMORY = 256 << 20
READ_AHEAD = 3  # sources read and hashed ahead of the one being written (fsspec stores)
COPY_THREADS = 2
BUFFER = 1 << 20  # per thread, reused: a page file of up to this size is one read and one write


@dataclass(frozen=True)
class Transferred:
    rel: str
    sha256: str
    size: int
    copied: bool  # False: the identical file was already there


@dataclass(frozen=True)
class Checked:
    """A source file as the check read it: the SHA-256 of its bytes, their number, and the
    file's mtime (ns) from before they were read."""

    sha256: str
    size: int
    mtime_ns: int


def _changed(source: str) -> ConflictError:
    return ConflictError("intake.ingest.source_changed", path=source)


def read_source(path: str) -> tuple[bytes, str]:
    with open(path, "rb") as fh:
        # Ask for the file's size (+1 to notice growth), not MAX_IN_MEMORY: a huge read request
        # makes Python allocate (and then shrink) a buffer of that size for every page.
        data = fh.read(min(os.fstat(fh.fileno()).st_size, MAX_IN_MEMORY) + 1)
        while len(data) <= MAX_IN_MEMORY and (more := fh.read(1 << 20)):  # it grew meanwhile
            data += more
    if len(data) > MAX_IN_MEMORY:
        raise IntegrityError("storage.read_failed", path=path, detail="file too large")
    return data, sha256_bytes(data)


def transfer_file(storage: Storage, source: str, rel: str, volume: str) -> Transferred:
    """Copy ``source`` to ``rel`` (or adopt an identical copy); verify at the destination."""
    data, sha = read_source(source)
    if storage.exists(rel):
        existing = storage.sha256(rel)
        if existing != sha:
            raise ConflictError("intake.ingest.conflict", volume=volume, path=rel,
                                old=existing[:12], new=sha[:12])
        return Transferred(rel, sha, len(data), copied=False)
    with storage.atomic_writer(rel, masters=True) as fh:  # ingest: the one writer of masters
        fh.write(data)
    stored = storage.sha256(rel)
    if stored != sha:
        raise IntegrityError("storage.checksum_mismatch", path=rel, expected=sha, actual=stored)
    return Transferred(rel, sha, len(data), copied=True)


def transfer_files(storage: Storage, files: Sequence[tuple[str, str]], volume: str,
                   extra: Sequence[tuple[str, bytes]] = ()) -> list[Transferred]:
    """``transfer_file`` for many (source, rel) pairs, made durable together (one barrier).
    ``extra`` (rel, bytes) files are written, synced and renamed with them (not returned)."""
    return stage_files(storage, files, volume, extra).commit()


@dataclass
class Staged:
    """A volume's files copied and verified under temporary names (on local storage), not
    yet made durable nor renamed: ``commit`` does both, ``discard`` removes them."""

    storage: Storage
    files: list[tuple[str, str]]
    adopted: dict[str, Transferred]
    done: dict[str, Transferred]
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # rel, tmp, target
    barrier: int | None = None  # a folder's descriptor for syncfs, opened before any write
    durable: bool = False  # the barrier is passed (``make_durable``): ``commit`` only renames

    def make_durable(self) -> None:
        """The volume's durability barrier now, before its turn to be published: every
        temporary is on disk when this returns, so ``commit`` only renames. Taken on the
        thread that copies ahead (``CopyAhead``), the wait for the disk is off the thread that
        records. On failure the temporaries are removed."""
        if self.durable or not self.pending:
            return
        try:
            _barrier(self.pending, self.barrier)
        except BaseException as exc:
            rel = self.pending[0][0]
            self.discard()
            if isinstance(exc, OSError):
                raise StorageError("storage.write_failed", path=rel, detail=str(exc)) from exc
            raise
        self.durable = True
        self._close()

    def commit(self) -> list[Transferred]:
        try:
            if self.pending:
                _publish(self.pending, self.barrier, durable=self.durable)
                self.pending = []
        finally:
            self._close()
        return [self.adopted.get(rel) or self.done[rel] for _source, rel in self.files]

    def discard(self) -> None:
        for _rel, tmp, _target in self.pending:
            with suppress(OSError):
                os.unlink(tmp)
        self.pending = []
        self._close()

    def _close(self) -> None:
        if self.barrier is not None:
            os.close(self.barrier)
            self.barrier = None


class CopyGate:
    """How many files of a volume are copied at once: one while the thread that records is
    busy (the other core is its), ``COPY_THREADS`` while it waits for the copy (``wide``)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running = 0
        self._wide = False

    def widen(self, wide: bool = True) -> None:
        with self._cond:
            self._wide = wide
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            while self._running >= (COPY_THREADS if self._wide else 1):
                self._cond.wait()
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()


class CopyAhead:
    """Volumes' files staged (``stage_files``) and made durable (``Staged.make_durable``) on
    one thread, one volume after another in the order they were started, ahead of their turn:
    the copies and their waits for the disk overlap the recording of the volumes before them,
    one file at a time unless ``take`` is waiting (``CopyGate``). ``take`` hands a volume's
    copy over (or raises what the copy raised, as a copy in turn would); a copy not taken is
    removed."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: deque[tuple[object, Future[Staged]]] = deque()
        self._gate = CopyGate()

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def has(self, key: object) -> bool:
        return any(k is key for k, _job in self._jobs)

    def start(self, key: object, files: Sequence[tuple[str, str]], volume: str,
              extra: Sequence[tuple[str, bytes]] = (),
              checked: Mapping[str, Checked] | None = None) -> None:
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1)
        self._jobs.append((key, self._pool.submit(_stage_durable, self.storage, files, volume,
                                                  extra, self._gate, checked)))

    def take(self, key: object) -> Staged | None:
        """``key``'s copy. The copies started before it are removed, and so is every copy
        when ``key`` has none (another volume's turn came first)."""
        while self._jobs:
            job_key, job = self._jobs.popleft()
            if job_key is key:
                self._gate.widen()  # nothing else to do here: every copy thread may run
                try:
                    return job.result()
                finally:
                    self._gate.widen(False)
            _discard(job)
        return None

    def close(self) -> None:
        jobs, self._jobs = list(self._jobs), deque()
        for _key, job in jobs:
            job.cancel()  # not started yet: it never runs
        for _key, job in jobs:
            _discard(job)
        if self._pool is not None:
            self._pool.shutdown()


def _stage_durable(storage: Storage, files: Sequence[tuple[str, str]], volume: str,
                   extra: Sequence[tuple[str, bytes]], gate: CopyGate,
                   checked: Mapping[str, Checked] | None = None) -> Staged:
    staged = stage_files(storage, files, volume, extra, gate, checked)
    staged.make_durable()
    return staged


def _discard(job: Future[Staged]) -> None:
    if job.cancelled():
        return
    with suppress(Exception):
        job.result().discard()


def stage_files(storage: Storage, files: Sequence[tuple[str, str]], volume: str,
                extra: Sequence[tuple[str, bytes]] = (), gate: CopyGate | None = None,
                checked: Mapping[str, Checked] | None = None) -> Staged:
    """Adopt what is already in place (identical) or refuse a conflict, and copy the rest
    under temporary names, verified (see ``Staged``). Elsewhere than on local storage the
    files are written and published at once. ``checked``: what the check read of the
    sources (by source path); a source whose bytes differ from it is refused."""
    checked = checked or {}
    adopted: dict[str, Transferred] = {}
    to_copy: list[tuple[str, str]] = []
    for source, rel in files:
        if storage.exists(rel):
            data, sha = read_source(source)
            existing = storage.sha256(rel)
            if existing != sha:
                raise ConflictError("intake.ingest.conflict", volume=volume, path=rel,
                                    old=existing[:12], new=sha[:12])
            if source in checked and checked[source].sha256 != sha:
                raise _changed(source)
            adopted[rel] = Transferred(rel, sha, len(data), copied=False)
        else:
            to_copy.append((source, rel))
    staged = Staged(storage, list(files), adopted, {})
    if not to_copy and not extra:
        return staged
    if storage.is_local:
        done, staged.pending, staged.barrier = _stage_local(storage, to_copy, extra, gate,
                                                            checked)
        staged.done = {tr.rel: tr for tr in done}
    else:
        items = [(rel, data, sha256_bytes(data)) for rel, data in extra]
        written = storage.write_batch(itertools.chain(_read_ahead(to_copy, checked), items),
                                      masters=True)
        staged.done = {rel: Transferred(rel, sha, size, copied=True)
                       for rel, sha, size in written[:len(to_copy)]}
    return staged


def _read_ahead(to_copy: Sequence[tuple[str, str]], checked: Mapping[str, Checked]
                ) -> Iterator[tuple[str, bytes, str | None]]:
    # Read and hash the next few sources on threads while this one is written (hashlib and
    # file reads release the GIL); the window bounds how many pages are held in memory.
    with ThreadPoolExecutor(max_workers=READ_AHEAD) as pool:
        window: deque[tuple[str, str, Future[tuple[bytes, str]]]] = deque()
        queue = iter(to_copy)
        for source, rel in queue:
            window.append((source, rel, pool.submit(read_source, source)))
            if len(window) >= READ_AHEAD:
                break
        while window:
            source, rel, future = window.popleft()
            nxt = next(queue, None)
            if nxt is not None:
                window.append((nxt[0], nxt[1], pool.submit(read_source, nxt[0])))
            data, sha = future.result()
            if source in checked and checked[source].sha256 != sha:
                raise _changed(source)
            yield rel, data, sha


# --- local storage -------------------------------------------------------------------------
_local = threading.local()


def _buffer() -> memoryview:
    buf = getattr(_local, "buffer", None)
    if buf is None:
        buf = _local.buffer = memoryview(bytearray(BUFFER))
    return buf


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data):]


_SOURCE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def copy_hashing(source: str, tmp: str) -> tuple[str, int]:
    """Copy ``source`` to the new file ``tmp`` reading it once: (SHA-256 of what was read,
    bytes). Writeback of ``tmp`` is started, not waited for."""
    with io.FileIO(os.open(source, _SOURCE_FLAGS), "rb") as src:
        return _copy_from(src, tmp, hashlib.sha256())


def _copy_from(src: io.FileIO, tmp: str, digest: Any = None) -> tuple[str, int]:
    """The rest of ``src`` into the new file ``tmp``, through this thread's buffer, hashed
    on the way when ``digest`` is given: (its hex digest or "", bytes). Writeback of ``tmp``
    is started, not waited for."""
    buf = _buffer()
    size = 0
    dst = os.open(tmp, _NEW_FLAGS, 0o644)
    try:
        while n := src.readinto(buf):
            chunk = buf[:n]
            if digest is not None:
                digest.update(chunk)
            _write_all(dst, chunk)
            size += n
        _start_writeback(dst)
    finally:
        os.close(dst)
    return (digest.hexdigest() if digest is not None else ""), size


def sha256_mapped(path: str) -> str:
    """SHA-256 of a local file read through a read-only memory map (no copy into Python)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            with suppress(AttributeError, OSError):
                mapped.madvise(mmap.MADV_SEQUENTIAL)
            return hashlib.sha256(mapped).hexdigest()


def _copy_verified(source: str, tmp: str, rel: str,
                   known: Checked | None = None) -> tuple[str, int]:
    """Copy ``source`` to ``tmp`` and read the copy back: (its SHA-256, bytes). ``known``:
    what the check read of ``source``. While the file has the size and mtime the check saw it
    with, its SHA-256 is the check's and it is copied without hashing; else it is hashed as
    it is copied, and must hash to the check's. Either way the copy must read back to that
    SHA-256: a source changed since the check raises ConflictError, a copy written wrong
    IntegrityError."""
    with io.FileIO(os.open(source, _SOURCE_FLAGS), "rb") as src:
        st = os.fstat(src.fileno())
        as_checked = known is not None and (st.st_size, st.st_mtime_ns) == (known.size,
                                                                             known.mtime_ns)
        sha, size = _copy_from(src, tmp, None if as_checked else hashlib.sha256())
    if known is not None:
        if as_checked:
            sha = known.sha256
        elif sha != known.sha256:
            raise _changed(source)
    stored = sha256_mapped(tmp)
    if stored != sha:
        if as_checked and sha256_mapped(source) != sha:  # changed within the mtime's tick
            raise _changed(source)
        raise IntegrityError("storage.checksum_mismatch", path=rel, expected=sha, actual=stored)
    return sha, size


def _gated_copy(gate: CopyGate, source: str, tmp: str, rel: str,
                known: Checked | None = None) -> tuple[str, int]:
    with gate.slot():
        return _copy_verified(source, tmp, rel, known)


def _write_new(tmp: str, data: bytes) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        _write_all(fd, memoryview(data))
    finally:
        os.close(fd)


def _stage_local(storage: Storage, to_copy: Sequence[tuple[str, str]],
                 extra: Sequence[tuple[str, bytes]], gate: CopyGate | None = None,
                 checked: Mapping[str, Checked] | None = None
                 ) -> tuple[list[Transferred], list[tuple[str, str, str]], int | None]:
    if storage.existing:
        storage.require_root(areas=False)
    rels = [rel for _source, rel in to_copy] + [rel for rel, _data in extra]
    targets = [storage.path(rel) for rel in rels]
    token = os.urandom(8).hex()
    pending = [(rel, os.path.join(os.path.dirname(target),
                                  f"{TMP_PREFIX}{token}-{n}-{os.path.basename(target)}"), target)
               for n, (rel, target) in enumerate(zip(rels, targets, strict=True))]
    tmps = [tmp for _rel, tmp, _target in pending]
    barrier: int | None = None
    try:
        for parent in dict.fromkeys(os.path.dirname(target) for target in targets):
            os.makedirs(parent, exist_ok=True)
        if _SYNCFS is not None:  # opened before the first write: syncfs reports any
            barrier = os.open(os.path.dirname(targets[0]), os.O_RDONLY)  # error since
        with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
            copy = _copy_verified if gate is None else functools.partial(_gated_copy, gate)
            done = list(pool.map(copy, [s for s, _rel in to_copy], tmps,
                                 [rel for _s, rel in to_copy],
                                 [(checked or {}).get(s) for s, _rel in to_copy]))
        for (_rel, data), tmp in zip(extra, tmps[len(to_copy):], strict=True):
            _write_new(tmp, data)
    except BaseException as exc:
        for tmp in tmps:
            with suppress(OSError):
                os.unlink(tmp)
        if barrier is not None:
            os.close(barrier)
        if isinstance(exc, OSError):
            raise StorageError("storage.write_failed", path=rels[0], detail=str(exc)) from exc
        raise
    return ([Transferred(rel, sha, size, copied=True)
             for (_source, rel), (sha, size) in zip(to_copy, done, strict=True)], pending,
            barrier)


def _barrier(pending: Sequence[tuple[str, str, str]], barrier: int | None) -> None:
    """Every temporary durable: syncfs of their filesystem, or an fsync of each."""
    if barrier is not None:
        _sync_filesystem(barrier)
        return
    for _rel, tmp, _target in pending:  # no syncfs here: every temporary is fsynced
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _publish(pending: Sequence[tuple[str, str, str]], barrier: int | None,
             durable: bool = False) -> None:
    """The barrier (every temporary durable) unless ``durable`` says it is passed, then the
    renames and an fsync of each folder. On failure the temporaries not yet renamed are
    removed; those renamed are complete."""
    parents = list(dict.fromkeys(os.path.dirname(target) for _rel, _tmp, target in pending))
    renamed = 0
    try:
        if not durable:
            _barrier(pending, barrier)
        for _rel, tmp, target in pending:
            os.replace(tmp, target)
            renamed += 1
        for parent in parents:
            fsync_dir(parent)
    except BaseException as exc:
        for _rel, tmp, _target in pending[renamed:]:
            with suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            rel = pending[min(renamed, len(pending) - 1)][0]
            raise StorageError("storage.write_failed", path=rel, detail=str(exc)) from exc
        raise


def _libc_function(name: str) -> Any:
    try:
        fn = getattr(ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    return fn


_SYNC_FILE_RANGE = _libc_function("sync_file_range")
if _SYNC_FILE_RANGE is not None:
    _SYNC_FILE_RANGE.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
_SYNC_FILE_RANGE_WRITE = 2
_SYNCFS = _libc_function("syncfs")


def _start_writeback(fd: int) -> None:
    """Start writing a file's dirty pages to disk without waiting (Linux sync_file_range), so
    the volume's barrier finds little left to do; a no-op elsewhere."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)


def _sync_filesystem(fd: int) -> None:
    """The durability barrier: syncfs(2) of the filesystem holding ``fd`` (an error raises)."""
    if _SYNCFS(fd) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
