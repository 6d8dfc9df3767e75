"""Ingest takes each page's SHA-256 from the check instead of hashing the source again, while
the file still has the size and mtime the check read it with; the copy is still read back and
must hash to that checksum. A page changed between the check and the ingest — whatever its
size and mtime say — is refused as a conflict (exit 6), never stored under a checksum the
check did not see, and nothing of its volume is published."""

from __future__ import annotations

import hashlib
import os
import shutil
import types
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.db.models import StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, IntegrityError
from dangan.intake import transfer
from dangan.intake.transfer import Checked, transfer_files
from dangan.samples import SetTruth, generate_set
from dangan.services.intake import check_scan_root, ingest
from dangan.services.scan_lookup import check_options
from dangan.storage import Storage
from dangan.storage.areas import TMP_PREFIX
from workflow.helpers import actor, line_to, register_set


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=31, pages=(4, 5), p_blank=0.0, p_duplicate=0.0)


def _flip_a_byte(path: Path, keep_mtime: bool) -> None:
    """Same size, other bytes (one byte of the compressed data); the mtime kept or new."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    else:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
    after = path.stat()
    assert after.st_size == before.st_size
    assert (after.st_mtime_ns == before.st_mtime_ns) == keep_mtime


def _stored(ctx: Any, code: str) -> list[StoredFile]:
    with ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(Volume.archive_code == code))
        return list(session.scalars(select(StoredFile).where(StoredFile.volume_id == volume_id)))


def _scan_checked(ctx: Any, scans: tuple[Path, SetTruth], tmp_path: Path) -> tuple[Path, Any]:
    """The scan set copied into a scan root, its volumes registered and at the scan stage,
    and the check's report of it (no errors)."""
    src, truth = scans
    root = tmp_path / "scan"
    shutil.copytree(src, root)
    register_set(ctx, truth)
    line_to(ctx, wf.SCAN)
    report = check_scan_root(root, check_options(ctx, workers=1))
    assert not [d for d in report.defects if d.is_error]
    return root, report


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "same-mtime"])
def test_a_page_changed_after_the_check_is_refused_not_stored_with_a_stale_checksum(
        project: Any, scans: tuple[Path, SetTruth], tmp_path: Path, keep_mtime: bool) -> None:
    root, report = _scan_checked(project, scans, tmp_path)
    first = report.volumes[0]
    page = sorted(first.folder.pages, key=lambda p: p.page_no)[1]
    _flip_a_byte(Path(page.path), keep_mtime)
    with pytest.raises(ConflictError) as refused:
        ingest(project, actor(project, "张扫"), root, report=report)
    assert refused.value.key == "intake.ingest.source_changed"
    assert refused.value.exit_code == 6
    assert refused.value.params["path"] == page.path
    assert _stored(project, first.folder.archive_code or "") == []  # nothing recorded
    published = project.storage.path(f"已扫描/{first.folder.name}")
    assert not os.path.exists(published) or os.listdir(published) == []  # nor published


def test_a_touched_page_with_the_same_bytes_is_hashed_again_and_ingested(
        project: Any, scans: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, report = _scan_checked(project, scans, tmp_path)
    truth = scans[1]
    page = report.volumes[0].folder.pages[0]
    os.utime(page.path, ns=(0, os.stat(page.path).st_mtime_ns + 5_000_000_000))
    result = ingest(project, actor(project, "张扫"), root, report=report)
    assert [v.state for v in result.volumes] == ["ingested"] * len(truth.volumes)
    for vol in report.volumes:
        stored = {f.path.rsplit("/", 1)[-1]: f.sha256
                  for f in _stored(project, vol.folder.archive_code or "") if f.kind == "page"}
        assert stored == {name: info.sha256 for name, info in vol.infos.items()}
        for entry in vol.folder.pages:
            assert stored[entry.name] == hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()


def _sources(tmp_path: Path, count: int) -> list[Path]:
    (tmp_path / "src").mkdir()
    paths = []
    for n in range(count):
        p = tmp_path / "src" / f"{n + 1:04d}.jpg"
        p.write_bytes(os.urandom(3000 + n))
        paths.append(p)
    return paths


def _checked(paths: list[Path]) -> dict[str, Checked]:
    return {str(p): Checked(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size,
                            p.stat().st_mtime_ns) for p in paths}


def _count_hashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    count = [0]

    def sha256(*args: Any) -> Any:
        count[0] += 1
        return hashlib.sha256(*args)

    monkeypatch.setattr(transfer, "hashlib", types.SimpleNamespace(sha256=sha256))
    return count


def test_a_checked_source_is_not_hashed_again_only_its_copy_is_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    paths = _sources(tmp_path, 4)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    checked = _checked(paths)
    hashes = _count_hashes(monkeypatch)
    moved = transfer.stage_files(storage, files, "v", checked=checked).commit()
    assert hashes[0] == len(paths)  # the read-back of each copy, not its source
    assert [t.sha256 for t in moved] == [checked[str(p)].sha256 for p in paths]
    assert [storage.read_bytes(t.rel) for t in moved] == [p.read_bytes() for p in paths]
    hashes[0] = 0
    transfer_files(storage, [(str(p), f"已扫描/w/{p.name}") for p in paths], "w")
    assert hashes[0] == 2 * len(paths)  # without the check's: source and copy


def test_a_checked_copy_written_wrong_is_caught_by_the_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    paths = _sources(tmp_path, 3)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    real_write = transfer._write_all

    def flip_one_byte(fd: int, data: memoryview) -> None:  # a write path that corrupts
        real_write(fd, memoryview(bytes(data[:-1]) + bytes([data[-1] ^ 1])))

    monkeypatch.setattr(transfer, "_write_all", flip_one_byte)
    with pytest.raises(IntegrityError) as bad:
        transfer.stage_files(storage, files, "v", checked=_checked(paths)).commit()
    assert bad.value.key == "storage.checksum_mismatch"  # the source is as the check read it
    assert not [r for r in storage.fs.find(storage.root) if TMP_PREFIX in r]
    assert not list(storage.walk_files("已扫描"))


@pytest.mark.parametrize("url", ["local", "memory://dangan-checked-source-test"])
def test_a_source_differing_from_the_checks_checksum_is_a_conflict(
        tmp_path: Path, url: str) -> None:
    storage = Storage(str(tmp_path / "store") if url == "local" else url)
    paths = _sources(tmp_path, 3)
    files = [(str(p), f"已扫描/v/{p.name}") for p in paths]
    checked = _checked(paths)
    stale = checked[str(paths[1])]  # as if the bytes changed within the mtime's tick
    checked[str(paths[1])] = Checked("0" * 64, stale.size, stale.mtime_ns)
    try:
        with pytest.raises(ConflictError) as refused:
            transfer.stage_files(storage, files, "v", checked=checked).commit()
        assert refused.value.key == "intake.ingest.source_changed"
        assert refused.value.params["path"] == str(paths[1])
        assert not [f for f in storage.walk_files("已扫描") if f.endswith("0002.jpg")]
    finally:
        if url != "local":
            storage.fs.rm(storage.root, recursive=True)
