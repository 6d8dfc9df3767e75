"""The main job: the demo drives sample scans from borrow to return and hands over a bag."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.demo import run_demo
from dangan.errors import ConfigError
from dangan.services.handover import verify_handover
from dangan.services.project import open_project


def test_demo_runs_the_whole_line(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = run_demo(tmp_path / "demo", volumes=2, pages=(5, 7), seed=7, say=lines.append)
    ctx = open_project(summary.home)
    with ctx.transaction() as s:
        stages = set(s.scalars(select(Volume.stage)))
        images = {area: n for area, n in s.execute(
            select(StoredFile.area, func.count()).group_by(StoredFile.area)).all()}
        signed = set(s.scalars(select(StageEvent.stage).where(StageEvent.kind == "signoff")))
    assert stages == {"done"}
    # every page scanned is retouched; the delivery and the catalogue copy are stored too
    assert images["scanned"] == images["retouched"] > 0
    assert images["uploaded"] > 0
    assert {"scan", "retouch", "index", "upload", "rebind"} <= signed
    assert summary.line["returned"] == 2
    assert summary.bag is not None and verify_handover(summary.bag).ok
    assert any("移交包" in line for line in lines)


def test_demo_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError):
        run_demo(tmp_path / "x", volumes=1, say=lambda _l: None)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
