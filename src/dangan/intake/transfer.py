"""Copy page files into a storage area without losing a byte, and verify what is stored.

Each file is read once at the source and hashed, written atomically (temporary name, fsync,
rename), then read back at the destination and hashed again. A file already at the
destination with the same checksum is adopted (a rerun after a crash); one with a different
checksum is never overwritten — masters are written once.

``transfer_files`` does the same for a whole volume with one durability barrier: all
temporaries are written, synced together, read back and verified, and only then renamed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dangan.errors import ConflictError, IntegrityError
from dangan.storage import Storage

MAX_IN_MEMORY = 256 << 20


@dataclass(frozen=True)
class Transferred:
    rel: str
    sha256: str
    size: int
    copied: bool  # False: the identical file was already there


def read_source(path: str) -> tuple[bytes, str]:
    with open(path, "rb") as fh:
        data = fh.read(MAX_IN_MEMORY + 1)
    if len(data) > MAX_IN_MEMORY:
        raise IntegrityError("storage.read_failed", path=path, detail="file too large")
    return data, hashlib.sha256(data).hexdigest()


def transfer_file(storage: Storage, source: str, rel: str, volume: str) -> Transferred:
    """Copy ``source`` to ``rel`` (or adopt an identical copy); verify at the destination."""
    data, sha = read_source(source)
    if storage.exists(rel):
        existing = storage.sha256(rel)
        if existing != sha:
            raise ConflictError("intake.ingest.conflict", volume=volume, path=rel,
                                old=existing[:12], new=sha[:12])
        return Transferred(rel, sha, len(data), copied=False)
    with storage.atomic_writer(rel) as fh:
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
        for source, rel in to_copy:
            data, sha = read_source(source)
            yield rel, data, sha

    written = {rel: Transferred(rel, sha, size, copied=True)
               for rel, sha, size in storage.write_batch(items())}
    return [adopted.get(rel) or written[rel] for _source, rel in files]
