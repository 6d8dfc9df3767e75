"""Copy page files into a storage area without losing a byte, and verify what is stored.

Each file is read once at the source and hashed, written atomically (temporary name, fsync,
rename), then read back at the destination and hashed again. A file already at the
destination with the same checksum is adopted (a rerun after a crash); one with a different
checksum is never overwritten — masters are written once.

``transfer_files`` does the same for a whole volume with one durability barrier: all
temporaries are written, synced together, read back and verified, and only then renamed.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from dangan.errors import ConflictError, IntegrityError
from dangan.storage import Storage, sha256_bytes

MAX_IN_MEMORY = 256 << 20
READ_AHEAD = 3  # sources read and hashed ahead of the one being written


@dataclass(frozen=True)
class Transferred:
    rel: str
    sha256: str
    size: int
    copied: bool  # False: the identical file was already there


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


def transfer_files(storage: Storage, files: Sequence[tuple[str, str]], volume: str) -> list[Transferred]:
    """``transfer_file`` for many (source, rel) pairs, made durable together (one sync per call)."""
    adopted: dict[str, Transferred] = {}
    to_copy: list[tuple[str, str]] = []
    for source, rel in files:
        if storage.exists(rel):
            data, sha = read_source(source)
            existing = storage.sha256(rel)
            if existing != sha:
                raise ConflictError("intake.ingest.conflict", volume=volume, path=rel,
                                    old=existing[:12], new=sha[:12])
            adopted[rel] = Transferred(rel, sha, len(data), copied=False)
        else:
            to_copy.append((source, rel))

    def items() -> Iterator[tuple[str, bytes, str | None]]:
        # Read and hash the next few sources on threads while this one is written (hashlib and
        # file reads release the GIL); the window bounds how many pages are held in memory.
        with ThreadPoolExecutor(max_workers=READ_AHEAD) as pool:
            window: deque[tuple[str, Future[tuple[bytes, str]]]] = deque()
            queue = iter(to_copy)
            for source, rel in queue:
                window.append((rel, pool.submit(read_source, source)))
                if len(window) >= READ_AHEAD:
                    break
            while window:
                rel, future = window.popleft()
                nxt = next(queue, None)
                if nxt is not None:
                    window.append((nxt[1], pool.submit(read_source, nxt[0])))
                data, sha = future.result()
                yield rel, data, sha

    written = {rel: Transferred(rel, sha, size, copied=True)
               for rel, sha, size in storage.write_batch(items(), masters=True)}
    return [adopted.get(rel) or written[rel] for _source, rel in files]
