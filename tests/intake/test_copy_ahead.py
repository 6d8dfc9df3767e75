"""Copies ahead: several volumes staged one after another on one thread, each made durable
there (its syncfs) before its turn, published (renamed) only when taken, in order; a copy not
taken is removed; ingest keeps at most COPY_AHEAD of them beyond the volume it records."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.intake import transfer
from dangan.intake.transfer import COPY_THREADS, CopyAhead, CopyGate, Staged, stage_files
from dangan.samples import SetTruth, generate_set
from dangan.services import intake as intake_service
from dangan.services.intake import COPY_AHEAD, ingest
from dangan.storage import Storage
from dangan.storage.areas import TMP_PREFIX
from workflow.helpers import actor, line_to, register_set


def _files(tmp_path: Path, volume: str, count: int) -> list[tuple[str, str]]:
    src = tmp_path / "src" / volume
    src.mkdir(parents=True)
    out = []
    for n in range(count):
        p = src / f"{n + 1:04d}.jpg"
        p.write_bytes(f"{volume}-{n}".encode() * 300)
        out.append((str(p), f"已扫描/{volume}/{p.name}"))
    return out


def _temporaries(storage: Storage) -> list[str]:
    return [r for r in storage.fs.find(storage.root) if TMP_PREFIX in r]


def test_copies_ahead_are_durable_on_their_thread_and_published_in_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    synced: list[str] = []
    real_sync = transfer._sync_filesystem

    def sync(fd: int) -> None:
        synced.append(threading.current_thread().name)
        real_sync(fd)

    monkeypatch.setattr(transfer, "_sync_filesystem", sync)
    volumes = {v: _files(tmp_path, v, 3) for v in ("a", "b", "c")}
    ahead = CopyAhead(storage)
    for v, files in volumes.items():
        ahead.start(v, files, v)
    assert len(ahead) == 3 and ahead.has("b") and not ahead.has("d")
    for v, files in volumes.items():
        staged = ahead.take(v)
        assert staged is not None and staged.durable
        assert not storage.exists(files[0][1])  # durable, not yet published
        moved = staged.commit()  # only renames: the syncs were all taken on the copy's thread
        assert [storage.read_bytes(t.rel) for t in moved] == [
            Path(src).read_bytes() for src, _rel in files]
    assert len(synced) == 3 and threading.current_thread().name not in synced
    assert not ahead.busy and not _temporaries(storage)
    ahead.close()


def test_a_later_take_removes_the_copies_before_it_and_close_removes_the_rest(
        tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "store"))
    ahead = CopyAhead(storage)
    for v in ("a", "b", "c", "d"):
        ahead.start(v, _files(tmp_path, v, 2), v)
    staged = ahead.take("b")  # a's turn passed without it
    assert staged is not None and [rel for _s, rel in staged.files] == [
        "已扫描/b/0001.jpg", "已扫描/b/0002.jpg"]
    assert len(ahead) == 2 and not storage.exists("已扫描/a/0001.jpg")
    staged.discard()
    ahead.close()  # c and d: started or not, nothing is left behind
    assert not ahead.busy and not _temporaries(storage)
    assert not list(storage.walk_files("已扫描"))


def test_a_failed_barrier_ahead_is_raised_at_its_turn_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(transfer, "_sync_filesystem", broken)
    ahead = CopyAhead(storage)
    ahead.start("a", _files(tmp_path, "a", 3), "a", [("已扫描/a/marker.json", b"{}")])
    with pytest.raises(StorageError) as bad:
        ahead.take("a")
    assert bad.value.key == "storage.write_failed"
    assert not _temporaries(storage) and not list(storage.walk_files("已扫描"))
    ahead.close()


def _count_concurrent_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch the copy of one file to take a while and note how many run at once."""
    running = [0, 0]  # now, most
    lock = threading.Lock()
    real_copy = transfer._copy_verified

    def copy(source: str, tmp: str, rel: str, known: Any = None) -> tuple[str, int]:
        with lock:
            running[0] += 1
            running[1] = max(running)
        time.sleep(0.02)
        try:
            return real_copy(source, tmp, rel, known)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(transfer, "_copy_verified", copy)
    return running


def test_a_copy_ahead_runs_one_file_at_a_time_until_its_turn_is_waited_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = Storage(str(tmp_path / "store"))
    running = _count_concurrent_copies(monkeypatch)
    gate = CopyGate()  # the thread that records is busy: one file at a time
    stage_files(storage, _files(tmp_path, "a", 6), "a", gate=gate).discard()
    assert running[1] == 1
    ahead = CopyAhead(storage)
    ahead.start("b", _files(tmp_path, "b", 8), "b")
    staged = ahead.take("b")  # waited for: every copy thread joins in
    assert staged is not None and running[1] == COPY_THREADS == 2
    staged.commit()
    ahead.close()


@pytest.fixture(scope="module")
def four_volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 4, seed=31, pages=(3, 4), p_blank=0.0, p_duplicate=0.0)


def test_ingest_copies_at_most_copy_ahead_volumes_beyond_the_one_it_records(
        project: Any, four_volumes: tuple[Path, SetTruth],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root, truth = four_volumes
    register_set(project, truth)
    line_to(project, wf.SCAN)
    events: list[tuple[str, str]] = []
    real_start, real_take, real_commit = CopyAhead.start, CopyAhead.take, Staged.commit

    def start(self: CopyAhead, key: Any, files: Any, volume: str, extra: Any = (),
              checked: Any = None) -> None:
        events.append(("start", volume))
        assert len(self) < COPY_AHEAD  # never more than COPY_AHEAD copies waiting
        real_start(self, key, files, volume, extra, checked)

    def take(self: CopyAhead, key: Any) -> Staged | None:
        events.append(("take", key.folder.archive_code))
        return real_take(self, key)

    def commit(self: Staged) -> list[Any]:
        events.append(("commit", self.files[0][1].split("/")[1]))
        return real_commit(self)

    monkeypatch.setattr(CopyAhead, "start", start)
    monkeypatch.setattr(CopyAhead, "take", take)
    monkeypatch.setattr(Staged, "commit", commit)
    monkeypatch.setattr(intake_service, "stage_files", None)  # every volume is copied ahead
    result = ingest(project, actor(project, "张扫"), root, workers=1)
    assert [v.state for v in result.volumes] == ["ingested"] * 4
    codes = [v.archive_code for v in truth.volumes]
    assert [c for kind, c in events if kind == "start"] == codes
    assert [c for kind, c in events if kind == "take"] == codes
    folders = [e[1] for e in events if e[0] == "commit"]
    assert folders == [v.folder.split("/")[-1] for v in truth.volumes]  # published in order
    assert events[:2] == [("start", codes[0]), ("start", codes[1])]  # two ahead from the start
    assert not _temporaries(project.storage)
    events.clear()
    again = ingest(project, actor(project, "张扫"), root, workers=1, report=result.check)
    assert [v.state for v in again.volumes] == ["unchanged"] * 4
    assert not [e for e in events if e[0] in ("start", "commit")]  # recorded: nothing copied
