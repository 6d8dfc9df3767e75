"""A page file is read whole, to its end, in one read of the size the file says it has: the
same bytes a buffered read gives, also when the file grew after its size was taken (a scan
still being written) or a read stops short (a network share), and the mtime taken before."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dangan.intake import check
from dangan.intake.check import _read_page, inspect_files, read_page_file
from dangan.intake.content import PageInfo


def _plain(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("size", [0, 1, 4095, 65_536, 65_537, 700_001])
def test_the_bytes_are_the_files(tmp_path: Path, size: int) -> None:
    path = tmp_path / "0001.jpg"
    path.write_bytes(os.urandom(size))
    read = _read_page(str(path))
    assert not isinstance(read, PageInfo)
    assert read == (_plain(path), path.stat().st_mtime_ns)
    assert read_page_file(str(path)) == _plain(path)


def test_a_file_grown_since_its_size_was_taken_is_read_to_its_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "0001.jpg"
    path.write_bytes(os.urandom(300_000))
    real_fstat = os.fstat

    class Smaller:  # fstat as it was before the last 200,000 bytes were written
        def __init__(self, st: os.stat_result) -> None:
            self._st = st

        def __getattr__(self, name: str) -> object:
            return 100_000 if name == "st_size" else getattr(self._st, name)

    monkeypatch.setattr(check.os, "fstat", lambda fd: Smaller(real_fstat(fd)))
    assert read_page_file(str(path)) == _plain(path)


def test_short_reads_are_read_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "0001.jpg"
    path.write_bytes(os.urandom(250_000))
    real_read = os.read
    monkeypatch.setattr(check.os, "read", lambda fd, n: real_read(fd, min(n, 30_000)))
    assert read_page_file(str(path)) == _plain(path)


def test_the_check_hashes_and_measures_the_whole_file(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "0001.jpg"
    data = os.urandom(150_000)
    path.write_bytes(b"\xff\xd8\xff" + data)
    info = inspect_files([str(path)])[0]
    assert info.sha256 == hashlib.sha256(_plain(path)).hexdigest()
    assert info.size == len(data) + 3
