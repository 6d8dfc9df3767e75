"""Kill ``renumber`` and ``ingest`` at random moments (SIGKILL); a rerun repairs everything."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import func, select

from dangan.db.models import Page, StoredFile, Volume
from dangan.samples import SetTruth
from dangan.services.intake import fixity

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
    args = ["ingest", str(project.home), str(root), "--worker", "张三", "--workers", "1"]
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
