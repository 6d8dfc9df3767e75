"""Two runs of one command on one project, released together from a barrier: one proceeds, the
other waits or is refused with exit 6 — never both failing, never nothing done."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.db.models import Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError
from dangan.intake.locks import lock_path, project_lock, read_holder
from dangan.samples import SetTruth, generate_set

FORK = mp.get_context("fork")


def _take_lock(home: str, barrier: Any, wait: float, hold: float, results: Any) -> None:
    import time

    barrier.wait()
    try:
        with project_lock(home, "ingest", wait=wait):
            results.put(("held", os.getpid()))
            time.sleep(hold)
    except ConflictError as exc:
        results.put((exc.key, exc.exit_code))


@pytest.mark.parametrize("wait", [0.0, 5.0])
def test_lock_one_holder_the_other_waits_or_is_refused(tmp_path: Path, wait: float) -> None:
    barrier, results = FORK.Barrier(2), FORK.Queue()
    procs = [FORK.Process(target=_take_lock, args=(str(tmp_path), barrier, wait, 0.5, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    outcomes = sorted(results.get(timeout=5)[0] for _ in procs)
    if wait:
        assert outcomes == ["held", "held"]  # the second waited for the first
    else:
        assert outcomes == ["held", "intake.lock.busy"]
    assert all(p.exitcode == 0 for p in procs)


def test_lock_of_a_killed_run_is_free_and_reentrant(tmp_path: Path) -> None:
    pid = os.fork()
    if pid == 0:
        with project_lock(tmp_path, "ingest"):
            os.kill(os.getpid(), 9)  # killed while holding the lock
    os.waitpid(pid, 0)
    assert read_holder(lock_path(tmp_path, "ingest"))["pid"] == pid
    with project_lock(tmp_path, "ingest", wait=0), project_lock(tmp_path, "ingest", wait=0):
        assert read_holder(lock_path(tmp_path, "ingest"))["pid"] == os.getpid()


def _cli(argv: list[str], barrier: Any, out_dir: str) -> None:
    """A child: wait at the barrier, run ``dangan ARGV``, leave its exit code in a file."""
    from dangan.cli.main import run
    from dangan.services.project import _ENGINES

    for engine in list(_ENGINES.values()):
        engine.dispose(close=False)  # the parent's pooled connections are not the child's
    me = os.getpid()
    sys.stdout = open(os.path.join(out_dir, f"{me}.out"), "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = open(os.path.join(out_dir, f"{me}.err"), "w", encoding="utf-8")  # noqa: SIM115
    sys.argv = ["dangan", *argv]
    barrier.wait()
    code = 1
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(os.path.join(out_dir, f"{me}.code"), "w") as fh:
            fh.write(str(code))
        os._exit(code)


def _race(argv: list[str]) -> list[tuple[int, str]]:
    """Run ``dangan ARGV`` twice at once; [(exit code, stdout + stderr)] of both."""
    barrier = FORK.Barrier(2)
    with tempfile.TemporaryDirectory() as out_dir:
        procs = [FORK.Process(target=_cli, args=(argv, barrier, out_dir)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        results = []
        for p in procs:
            assert p.pid is not None
            text = "".join(Path(out_dir, f"{p.pid}.{s}").read_text("utf-8")
                           for s in ("out", "err") if Path(out_dir, f"{p.pid}.{s}").exists())
            results.append((p.exitcode or 0, text))
        return results


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("race") / "scan"
    return root, generate_set(root, 3, seed=5, pages=(5, 6), p_blank=0.0, p_duplicate=0.0)


def test_two_ingests_of_one_share_at_once(any_project,  # type: ignore[no-untyped-def]
                                          small_set: tuple[Path, SetTruth],
                                          tmp_path: Path) -> None:
    from workflow.helpers import line_to

    src_root, truth = small_set
    root = tmp_path / "scan"
    shutil.copytree(src_root, root)
    chosen = truth.volumes
    with any_project.transaction() as session:
        for v in chosen:
            session.add(Volume(project_id=any_project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    line_to(any_project, wf.SCAN)
    argv = ["ingest", str(root), "-p", str(any_project.home), "-w", "张扫", "--workers", "1"]
    for attempt in range(2):  # the second race: both find everything already ingested
        results = _race(argv)
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 6]), results
        assert all("Traceback" not in text for _, text in results), results
        if 6 in codes:
            refused = next(text for code, text in results if code == 6)
            assert "正在运行" in refused, refused
        with any_project.transaction() as session:
            for v in chosen:
                vol = session.scalar(select(Volume).where(Volume.archive_code == v.archive_code))
                assert vol is not None and vol.page_count == v.image_count, attempt
                pages = session.scalar(select(func.count()).select_from(Page)
                                       .where(Page.volume_id == vol.id))
                files = session.scalar(select(func.count()).select_from(StoredFile)
                                       .where(StoredFile.volume_id == vol.id,
                                              StoredFile.kind == "page"))
                assert pages == files == v.image_count
    stored = [p for p in Path(any_project.storage.root).rglob("*") if p.is_file()
              and p.suffix == ".jpg"]
    assert len(stored) == sum(v.image_count for v in chosen)
    assert not [p for p in Path(any_project.storage.root).rglob(".dangan-tmp-*")]


def _tiny_page(path: Path, seed: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (60, 40, 3), dtype=np.uint8)).save(path, "JPEG")


@pytest.mark.parametrize("second", ["same", "other"])
def test_two_renumbers_of_one_folder_at_once(tmp_path: Path, second: str) -> None:
    """The same request twice: applied once. Two requests: each applied to what the other
    left, or the later refused (exit 6) — never a page lost, doubled or misplaced."""
    vol = tmp_path / "1-1-1-1-1997-民-0014-0025"
    vol.mkdir()
    for n in range(1, 14):
        _tiny_page(vol / f"{n:04d}.jpg", n)
    missed = tmp_path / "missed.jpg"
    _tiny_page(missed, 99)
    first = ["renumber", str(vol), str(missed), "--insert-before", "0005"]
    argv = first if second == "same" else ["renumber", str(vol), "--remove", "0013"]
    results = _race_two(first, argv)
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 6]), results
    pages = sorted(p.name for p in vol.iterdir() if not p.name.startswith("."))
    digests = [hashlib.sha256((vol / p).read_bytes()).hexdigest() for p in pages]
    inserted = digests.count(hashlib.sha256(missed.read_bytes()).hexdigest())
    removed = len(list((vol / ".dangan-removed").iterdir())) \
        if (vol / ".dangan-removed").exists() else 0
    assert len(set(digests)) == len(digests), results
    assert pages == [f"{n:04d}.jpg" for n in range(1, 13 + inserted - removed + 1)], results
    if second == "same":
        assert (inserted, removed, len(pages)) == (1, 0, 14), results
    else:
        assert inserted + removed == codes.count(0), results  # applied iff it exited 0
    assert not (vol / ".dangan-renumber.json").exists()
    assert not [p for p in vol.iterdir() if p.name.startswith(".dangan-rn-")]


def _race_two(a: list[str], b: list[str]) -> list[tuple[int, str]]:
    barrier = FORK.Barrier(2)
    with tempfile.TemporaryDirectory() as out_dir:
        procs = [FORK.Process(target=_cli, args=(argv, barrier, out_dir)) for argv in (a, b)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        out = []
        for p in procs:
            assert p.pid is not None
            text = "".join(Path(out_dir, f"{p.pid}.{s}").read_text("utf-8")
                           for s in ("out", "err") if Path(out_dir, f"{p.pid}.{s}").exists())
            out.append((p.exitcode or 0, text))
        return out


def test_watch_retries_a_folder_while_another_ingest_holds_the_project(tmp_path: Path) -> None:
    import json
    import threading

    from dangan.intake.watch import REPORT, watch

    vol = tmp_path / "v1"
    vol.mkdir()
    (vol / ".dangan-complete").touch()
    stop = threading.Event()
    calls: list[str] = []

    def handle(folder: str) -> dict[str, object]:
        calls.append(folder)
        if len(calls) == 1:
            raise ConflictError("intake.lock.busy", command="ingest", pid=1, host="h", since="-",
                                path="x")
        if len(calls) == 2:
            stop.set()
            raise ConflictError("error.conflict")
        return {}

    watch(tmp_path, ".dangan-complete", handle, stop=stop, poll=0.05)
    assert len(calls) == 2
    report = json.loads((vol / REPORT).read_text("utf-8"))
    assert report["error"]["key"] == "error.conflict" and report["error"]["exit_code"] == 6
    assert not (vol / ".dangan-complete").exists()
