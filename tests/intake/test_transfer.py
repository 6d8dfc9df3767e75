"""Batched transfer: one durability barrier per volume, same guarantees as file by file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dangan.errors import ConflictError, IntegrityError
from dangan.intake import transfer
from dangan.intake.transfer import CopyAhead, transfer_files
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


def _temporaries(storage: Storage) -> list[str]:
    return [r for r in storage.fs.find(storage.root) if TMP_PREFIX in r]


def test_a_page_written_wrong_is_caught_by_the_read_back_and_nothing_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    paths = _sources(tmp_path, 4)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    real_write = transfer._write_all

    def flip_one_byte(fd: int, data: memoryview) -> None:  # a write path that corrupts
        real_write(fd, memoryview(bytes(data[:-1]) + bytes([data[-1] ^ 1])))

    monkeypatch.setattr(transfer, "_write_all", flip_one_byte)
    with pytest.raises(IntegrityError) as bad:
        transfer_files(storage, files, "v", extra=[("已扫描/v/marker.json", b"{}")])
    assert bad.value.key == "storage.checksum_mismatch"
    assert not (tmp_path / "store" / "已扫描" / "v").exists() or \
        list((tmp_path / "store" / "已扫描" / "v").iterdir()) == []
    monkeypatch.undo()
    moved = transfer_files(storage, files, "v", extra=[("已扫描/v/marker.json", b"{}")])
    assert [t.copied for t in moved] == [True] * 4  # the extra file is not among them
    assert storage.read_bytes("已扫描/v/marker.json") == b"{}" and not _temporaries(storage)


def test_a_copy_ahead_is_published_only_when_taken(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "store"))
    paths = _sources(tmp_path, 3)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    ahead = CopyAhead(storage)
    ahead.start("v", files, "v")
    assert ahead.busy
    assert ahead.take("w") is None  # another volume's turn: the copy is removed
    assert not ahead.busy and not _temporaries(storage)
    assert not [f for f in storage.walk_files("已扫描")]
    ahead.start("v", files, "v")
    staged = ahead.take("v")
    assert staged is not None and len(_temporaries(storage)) == 3
    assert not storage.exists(files[0][1])  # copied and verified, not yet published
    moved = staged.commit()
    assert [storage.read_bytes(t.rel) for t in moved] == [p.read_bytes() for p in paths]
    ahead.start("x", [(str(paths[0]), "已扫描/x/0001.jpg")], "x")
    ahead.close()  # stopped before its turn: nothing left behind
    assert not storage.exists("已扫描/x/0001.jpg") and not _temporaries(storage)


def test_without_syncfs_each_temporary_is_fsynced_before_the_renames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    paths = _sources(tmp_path, 3)
    synced: list[str] = []
    real_fsync = transfer.os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(transfer, "_SYNCFS", None)  # as on a system without syncfs(2)
    monkeypatch.setattr(transfer.os, "fsync", fsync)
    moved = transfer_files(storage, [(str(p), f"已扫描/v/{p.name}") for p in paths], "v")
    assert [storage.read_bytes(t.rel) for t in moved] == [p.read_bytes() for p in paths]
    temporaries = [s for s in synced if TMP_PREFIX in os.path.basename(s)]
    assert sorted(os.path.basename(s).rsplit("-", 1)[-1] for s in temporaries) == sorted(
        p.name for p in paths)
    assert not _temporaries(storage)
