"""SHA-256 of files and streams, in 1 MiB blocks (constant memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

BLOCK = 1 << 20


def sha256_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while block := stream.read(BLOCK):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_hashing(src: BinaryIO, dst: BinaryIO) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` in blocks, hashing what was read: (SHA-256, bytes)."""
    digest = hashlib.sha256()
    size = 0
    while block := src.read(BLOCK):
        digest.update(block)
        dst.write(block)
        size += len(block)
    return digest.hexdigest(), size
