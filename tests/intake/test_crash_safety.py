"""Kill ``renumber`` and ``ingest`` (SIGKILL) at random moments and at fixed points; a rerun
repairs everything, once: a request already applied is recognised and not applied again."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from dangan.db.models import Page, StoredFile, Volume
from dangan.samples import SetTruth
from dangan.services.fixity import fixity

CLI = [sys.executable, "-c", "from dangan.cli.main import run; run()"]


def _tiny(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (60, 40, 3), dtype=np.uint8)).save(path, "JPEG")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_killed(args: list[str], delay: float) -> None:
    proc = subprocess.Popen(CLI + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_renumber_killed_anywhere_then_rerun(tmp_path: Path) -> None:
    rnd = random.Random(3)
    for attempt in range(6):
        vol = tmp_path / f"v{attempt}" / "1-1-1-1-1997-民-0014-0025"
        vol.mkdir(parents=True)
        for n in range(1, 121):
            _tiny(vol / f"{n:04d}.jpg", n)
        missed = tmp_path / f"missed{attempt}.jpg"
        _tiny(missed, 1000 + attempt)
        before = {_digest(p) for p in vol.iterdir()}
        removed = _digest(vol / "0010.jpg")
        args = ["renumber", str(vol), str(missed), "--insert-before", "0005", "--remove", "0010"]
        _run_killed(args, rnd.uniform(0.3, 1.2))
        done = subprocess.run(CLI + args, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        pages = sorted(p.name for p in vol.iterdir() if not p.name.startswith("."))
        assert pages == [f"{n:04d}.jpg" for n in range(1, 121)]
        digests = [_digest(vol / p) for p in pages]
        assert len(set(digests)) == 120
        assert set(digests) == (before - {removed}) | {_digest(missed)}
        assert _digest(vol / "0005.jpg") == _digest(missed)
        assert not (vol / ".dangan-renumber.json").exists()


def _small_volume(tmp_path: Path, pages: int) -> Path:
    vol = tmp_path / "1-1-1-1-1997-民-0014-0025"
    vol.mkdir(parents=True)
    for n in range(1, pages + 1):
        _tiny(vol / f"{n:04d}.jpg", n)
    return vol


def _pages(vol: Path) -> list[str]:
    return sorted(p.name for p in vol.iterdir() if not p.name.startswith("."))


def _renumber(args: list[str], crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    """``dangan renumber ARGS`` in a forked child (the CLI already imported: fast), optionally
    killed by SIGKILL at a named point; returns its exit status (-9 when killed) and output."""
    from dangan.cli.main import run

    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = Path(tmp) / "out", Path(tmp) / "err"
        pid = os.fork()
        if pid == 0:  # child: never returns
            code = 1
            try:
                sys.stdout = open(out_path, "w", encoding="utf-8")  # noqa: SIM115
                sys.stderr = open(err_path, "w", encoding="utf-8")  # noqa: SIM115
                os.environ.pop("DANGAN_CRASH_AT", None)
                if crash_at:
                    os.environ["DANGAN_CRASH_AT"] = crash_at
                sys.argv = ["dangan", "renumber", *args]
                try:
                    run()
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return subprocess.CompletedProcess(args, os.waitstatus_to_exitcode(status),
                                           out_path.read_text("utf-8"),
                                           err_path.read_text("utf-8"))


CRASH_POINTS = [None, "renumber.first_temporary", "renumber.staged", "renumber.receipt",
                "renumber.done"]


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_renumber_insert_applied_once(tmp_path: Path, crash_at: str | None) -> None:
    """Insert a missed page into 13: killed (or not) at a fixed point, rerun twice → 14 pages."""
    vol = _small_volume(tmp_path, 13)
    missed = tmp_path / "missed.jpg"
    _tiny(missed, 999)
    before = [_digest(vol / p) for p in _pages(vol)]
    args = [str(vol), str(missed), "--insert-before", "0005"]
    if crash_at:
        killed = _renumber(args, crash_at)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
    else:
        first = _renumber(args)
        assert first.returncode == 0, first.stderr
    for _ in range(2):
        again = _renumber(args)
        assert again.returncode == 0, again.stderr + again.stdout
    assert _pages(vol) == [f"{n:04d}.jpg" for n in range(1, 15)]
    assert [_digest(vol / p) for p in _pages(vol)] == [*before[:4], _digest(missed), *before[4:]]
    assert "已经执行过" in again.stdout, again.stdout  # said so, exit 0
    assert not (vol / ".dangan-renumber.json").exists()


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_renumber_remove_applied_once(tmp_path: Path, crash_at: str | None) -> None:
    """Remove one extra scan of 14: killed (or not) at a fixed point, rerun twice → one removed."""
    vol = _small_volume(tmp_path, 14)
    before = [_digest(vol / p) for p in _pages(vol)]
    args = [str(vol), "--remove", "0010"]
    if crash_at:
        assert _renumber(args, crash_at).returncode == -signal.SIGKILL
    else:
        assert _renumber(args).returncode == 0
    for _ in range(2):
        again = _renumber(args)
        assert again.returncode == 0, again.stderr + again.stdout
    assert _pages(vol) == [f"{n:04d}.jpg" for n in range(1, 14)]
    assert [_digest(vol / p) for p in _pages(vol)] == before[:9] + before[10:]
    assert len(list((vol / ".dangan-removed").iterdir())) == 1


def test_renumber_same_request_on_a_changed_folder_is_applied(tmp_path: Path) -> None:
    """The request is recognised only while the folder is as it left it: after another change
    (here: a page taken out by hand and renumbered), the same words are a new request."""
    vol = _small_volume(tmp_path, 14)
    args = [str(vol), "--remove", "0014"]
    assert _renumber(args).returncode == 0
    assert _pages(vol) == [f"{n:04d}.jpg" for n in range(1, 14)]
    _tiny(vol / "0014.jpg", 4242)
    assert _renumber(args).returncode == 0
    assert _pages(vol) == [f"{n:04d}.jpg" for n in range(1, 14)]
    assert len(list((vol / ".dangan-removed").iterdir())) == 2


def _volume_rows(project, truth: SetTruth) -> None:  # type: ignore[no-untyped-def]
    with project.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))


def test_ingest_killed_anywhere_then_rerun(project, clean_set: tuple[Path, SetTruth],  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    src_root, truth = clean_set
    root = tmp_path / "scan"
    root.mkdir()
    for v in truth.volumes[:3]:
        shutil.copytree(src_root / v.folder, root / v.folder)
    truth = SetTruth(truth.root, truth.seed, truth.volumes[:3])
    _volume_rows(project, truth)
    from workflow.helpers import line_to  # the volumes are borrowed and sorted, scan claimed

    line_to(project, "scan")
    args = ["ingest", str(root), "-p", str(project.home), "-w", "张扫", "--workers", "1"]
    rnd = random.Random(5)
    for _ in range(3):
        _run_killed(args, rnd.uniform(0.8, 2.5))
    done = subprocess.run(CLI + args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    again = subprocess.run(CLI + args, capture_output=True, text=True)
    assert again.returncode == 0 and "已入库未变 3 卷" in again.stdout
    with project.transaction() as session:
        for v in truth.volumes:
            vol = session.scalar(select(Volume).where(Volume.archive_code == v.archive_code))
            assert vol is not None and vol.page_count == v.image_count
            count = session.scalar(select(func.count()).select_from(Page)
                                   .where(Page.volume_id == vol.id))
            assert count == v.image_count
            files = session.scalars(select(StoredFile).where(StoredFile.volume_id == vol.id)).all()
            assert sorted(f.path.rsplit("/", 1)[1] for f in files) == [p.file for p in v.pages]
            for f in files:
                assert f.sha256 == _digest(root / v.folder / f.path.rsplit("/", 1)[1])
    assert fixity(project).checked == sum(v.image_count for v in truth.volumes)
    stored = [p for p in (project.storage.root and Path(project.storage.root)).rglob("*")
              if p.is_file() and p.suffix == ".jpg"]
    assert len(stored) == sum(v.image_count for v in truth.volumes)
