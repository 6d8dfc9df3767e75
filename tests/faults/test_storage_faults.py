"""The storage unreachable while ``ingest`` and ``package`` write: a full disk (a 1 MB tmpfs
mounted over the area, where mounting is allowed) and a blocked folder (a plain file where
the volume's folder must go). Exit 11 with the path and key ``storage.write_failed``, no
partial file under a real name, nothing recorded, and a rerun completes once the cause is
gone. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.db.models import Page, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.i18n import set_language, t
from dangan.samples import SetTruth, generate_set
from dangan.services import indexing
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import assert_replays, dangan
from indexing.dangan_index_fixtures import add_volume, write_catalogue
from workflow.helpers import actor, line_to

CODE = "1997-民-0014-0025"


@pytest.fixture(scope="module")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 1, seed=5, pages=(6, 6), p_blank=0.0, p_duplicate=0.0)


@contextmanager
def full_disk(folder: Path) -> Iterator[None]:
    """A 1 MB tmpfs over ``folder`` (skipped where mounting is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextmanager
def blocked(folder: Path) -> Iterator[None]:
    """A plain file where ``folder`` must be made: every write under it fails."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"not a folder")
    try:
        yield
    finally:
        folder.unlink()


def _real_files(folder: Path) -> list[str]:
    """Files under ``folder`` by their real names (temporaries start with a dot)."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def _count(ctx: ProjectContext, stmt: Any) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(stmt) or 0)


def _message(key: str, **params: Any) -> str:
    set_language("en")
    try:
        return t(key, **params)
    finally:
        set_language(None)


def _assert_write_failed(result: subprocess.CompletedProcess[str], where: str) -> None:
    assert result.returncode == 11, (result.returncode, result.stdout, result.stderr)
    err = " ".join(result.stderr.split())  # rich may wrap long lines
    prefix = _message("storage.write_failed", path="\x00", detail="").split("\x00")[0]
    assert prefix.strip() in err and where in err and "Traceback" not in err, err


@pytest.mark.parametrize("fault", ["full_disk", "blocked"])
def test_ingest_with_the_storage_unreachable(any_project: ProjectContext, tmp_path: Path,
                                             clean_set: tuple[Path, SetTruth],
                                             fault: str) -> None:
    ctx = any_project
    src, truth = clean_set
    vol = truth.volumes[0]
    root = tmp_path / "scan"
    shutil.copytree(src / vol.folder, root / vol.folder)
    with ctx.transaction() as session:
        session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                           expected_pages=vol.image_count))
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    scanned = Path(ctx.storage.root) / Area.SCANNED.value
    target = scanned / vol.folder
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    with full_disk(scanned) if fault == "full_disk" else blocked(target):
        failed = dangan(ctx, *args)
        _assert_write_failed(failed, vol.folder)
        if fault == "full_disk":
            assert _real_files(scanned) == []  # no page under its name, whole or partial
    assert _count(ctx, select(func.count(Page.id))) == 0
    assert _count(ctx, select(func.count(StoredFile.id))) == 0
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN)) == 0
    assert_replays(ctx)
    assert sorted(p.name for p in (root / vol.folder).iterdir()) == sorted(
        p.name for p in (src / vol.folder).iterdir())  # the scan station's copy untouched

    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    pages = sorted(p.name for p in (root / vol.folder).iterdir() if p.suffix == ".jpg")
    assert len(pages) == vol.image_count
    assert [n for n in _real_files(target) if n.endswith(".jpg")] == pages
    assert _count(ctx, select(func.count(Page.id))) == vol.image_count
    assert _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN,
        StageEvent.volume_id.is_not(None))) == 1
    assert_replays(ctx)


@pytest.fixture
def indexed(any_project: ProjectContext, tmp_path: Path) -> ProjectContext:
    add_volume(any_project, CODE, 6)
    path = write_catalogue(
        tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1997", "永久", 3, 6]],
        [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "李四", "答辩状", "19970301", "3", ""],
         [CODE, 3, "", "某某人民法院", "民事判决书", "19970630", "4", ""]])
    indexing.import_catalogue(any_project, actor(any_project, "钱标", "indexer", "uploader"),
                              [path])
    return any_project


@pytest.mark.parametrize("fault", ["full_disk", "blocked"])
def test_package_with_the_storage_unreachable(indexed: ProjectContext, fault: str) -> None:
    ctx = indexed
    uploaded = Path(ctx.storage.root) / Area.UPLOADED.value
    packaged = select(func.count(StoredFile.id)).where(StoredFile.area == Area.UPLOADED.key)
    events_before = _count(ctx, select(func.count(StageEvent.id)))
    args = ("package", "-w", "钱标", "-p", str(ctx.home), "--form", "pdf")
    with full_disk(uploaded) if fault == "full_disk" else blocked(uploaded / "pdf"):
        if fault == "full_disk":  # fill it: the first item's PDF cannot be written
            with open(uploaded / "filler", "wb") as fh, pytest.raises(OSError):
                while True:
                    fh.write(os.urandom(64 * 1024))
                    fh.flush()
        failed = dangan(ctx, *args)
        _assert_write_failed(failed, Area.UPLOADED.value)
        assert [n for n in _real_files(uploaded) if n not in ("filler", "pdf")] == []
        assert [p.name for p in uploaded.rglob(".dangan-*")] == []  # no temporary left
    assert _count(ctx, packaged) == 0
    assert _count(ctx, select(func.count(StageEvent.id))) == events_before  # nothing signed

    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _count(ctx, packaged) == 3  # one PDF per item, recorded once
    assert len([n for n in _real_files(uploaded) if n.endswith(".pdf")]) == 3
