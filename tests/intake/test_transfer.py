"""Batched transfer: one durability barrier per volume, same guarantees as file by file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dangan.errors import ConflictError, IntegrityError
from dangan.intake.transfer import transfer_files
from dangan.storage import Storage
from dangan.storage.areas import TMP_PREFIX


def _sources(tmp_path: Path, count: int) -> list[Path]:
    src = tmp_path / "src"
    src.mkdir()
    paths = []
    for n in range(count):
        p = src / f"{n + 1:04d}.jpg"
        p.write_bytes(bytes([n]) * (1000 + n))
        paths.append(p)
    return paths


@pytest.mark.parametrize("url", ["local", "memory://dangan-transfer-test"])
def test_transfer_files_copies_verifies_and_adopts(tmp_path: Path, url: str) -> None:
    storage = Storage(str(tmp_path / "store") if url == "local" else url)
    paths = _sources(tmp_path, 5)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    first = transfer_files(storage, files[:2], "v")
    assert [t.copied for t in first] == [True, True]
    moved = transfer_files(storage, files, "v")  # a rerun adopts what is already there
    assert [t.copied for t in moved] == [False, False, True, True, True]
    for p, t in zip(paths, moved, strict=True):
        assert t.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
        assert storage.read_bytes(t.rel) == p.read_bytes()
    assert not [r for r in storage.fs.find(storage.root) if TMP_PREFIX in r]
    paths[0].write_bytes(b"changed")
    with pytest.raises(ConflictError):
        transfer_files(storage, files, "v")
    if url != "local":
        storage.fs.rm(storage.root, recursive=True)


def test_write_batch_mismatch_publishes_nothing(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "store"))
    items = [("a/1.jpg", b"one", hashlib.sha256(b"one").hexdigest()),
             ("a/2.jpg", b"two", "0" * 64)]
    with pytest.raises(IntegrityError):
        storage.write_batch(iter(items))
    assert list((tmp_path / "store" / "a").iterdir()) == []
