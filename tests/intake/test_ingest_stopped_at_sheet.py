"""An ingest stopped by the storage going away while a volume's tracking sheet is written —
after the volume was recorded and its scan stage signed, both committed — names that volume
as ingested and signed (read back from the database), not "0 ingested, 0 signed"; the rerun
finishes it. The storage is taken away (the root renamed) inside the sheet write."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.samples import SetTruth, generate_set
from dangan.services.project import ProjectContext
from workflow.helpers import actor, line_to, register_set


@pytest.fixture(scope="module")
def two_volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=800_431, pages=(2, 2), p_blank=0.0,
                              p_duplicate=0.0)


def _ready(ctx: ProjectContext, tmp_path: Path,
           two_volumes: tuple[Path, SetTruth]) -> tuple[Path, list[str]]:
    src, truth = two_volumes
    root = tmp_path / "scan"
    shutil.copytree(src, root)
    register_set(ctx, truth)
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    return root, [v.archive_code for v in sorted(truth.volumes, key=lambda v: v.folder)]


def _unmount_at_first_sheet(ctx: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The storage root goes away when the first sheet is written (after the sign-off)."""
    from dangan.export import tracking_sheet

    storage = Path(ctx.storage.root)
    away = storage.with_name(storage.name + ".gone")
    real = tracking_sheet.write_tracking_sheets

    def gone(*args: Any, **kwargs: Any) -> list[str]:
        if storage.exists():
            storage.rename(away)
        return real(*args, **kwargs)

    monkeypatch.setattr(tracking_sheet, "write_tracking_sheets", gone)
    return away


def _signed(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as s:
        return sorted(s.scalars(select(Volume.archive_code).join(
            StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN)))


def test_the_stop_names_the_volume_recorded_and_signed(
        any_project: ProjectContext, tmp_path: Path, two_volumes: tuple[Path, SetTruth],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services import intake
    from dangan.services.ingest_report import IngestReport

    ctx = any_project
    root, codes = _ready(ctx, tmp_path, two_volumes)
    _unmount_at_first_sheet(ctx, monkeypatch)
    report = IngestReport()
    with pytest.raises(StorageError) as err:
        intake.ingest(ctx, actor(ctx, "张扫"), root, workers=1, into=report)
    assert err.value.key == "storage.root_missing"
    assert _signed(ctx) == [codes[0]]  # recorded and signed for good
    assert report.stopped_at == codes[0]
    assert [(v.volume, v.state, v.pages, v.signed, v.key) for v in report.volumes] == [
        (codes[0], "ingested", 2, True, "intake.ingest.stopped_unfinished")]


def test_the_cli_counts_it_and_the_rerun_finishes_it(
        any_project: ProjectContext, tmp_path: Path, two_volumes: tuple[Path, SetTruth],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    root, codes = _ready(ctx, tmp_path, two_volumes)
    storage = Path(ctx.storage.root)
    from dangan.export import tracking_sheet

    real_sheets = tracking_sheet.write_tracking_sheets
    away = _unmount_at_first_sheet(ctx, monkeypatch)
    monkeypatch.delenv("COLUMNS", raising=False)
    args = ["ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1"]

    failed = CliRunner().invoke(app, ["--lang", "en", *args])

    stop = failed.exception  # mapped to exit 11 at the process's edge
    assert isinstance(stop, StorageError) and stop.key == "storage.root_missing", failed.output
    said = " ".join(failed.output.split())
    assert f"{codes[0]}: ingested 2 page(s)" in said
    assert "the scan stage is signed by 张扫" in said
    assert f"the ingest of {codes[0]} is unfinished" in said
    assert (f"ingest stopped at {codes[0]} (exit code 11): 1 volume(s) ingested and "
            "1 signed by this run are kept") in said
    assert failed.output.index(f"{codes[0]}: ingested") < failed.output.index("ingest stopped")

    away.rename(storage)  # mounted again: the rerun finishes the first and does the second
    from dangan.export import tracking_sheet

    monkeypatch.setattr(tracking_sheet, "write_tracking_sheets", real_sheets)
    again = CliRunner().invoke(app, ["--lang", "en", *args])
    assert again.exit_code == 0, again.output
    assert _signed(ctx) == sorted(codes)
    assert "finished an interrupted ingest" in " ".join(again.output.split())
