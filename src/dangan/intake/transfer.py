"""Copy page files into a storage area without losing a byte, and verify what is stored.

Each file is read once at the source and hashed, written atomically (temporary name, fsync,
rename), then read back at the destination and hashed again. A file already at the
destination with the same checksum is adopted (a rerun after a crash); one with a different
checksum is never overwritten — masters are written once.
"""

from __future__ import annotations

import hashlib
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
