"""An ingest stopped by the storage going away names the volume it stopped at and the storage
root (``storage.root_missing``, exit 11, as backup and retouch say it) — not one file; with the
root gone before it starts it names the first volume it would have ingested, nothing ingested."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.samples import SetTruth, generate_set
from dangan.services.project import ProjectContext
from faults.support import dangan
from workflow.helpers import actor, line_to, register_set


@pytest.fixture(scope="module")
def two_volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=29, pages=(2, 2), p_blank=0.0, p_duplicate=0.0)


def _ready(ctx: ProjectContext, tmp_path: Path,
           two_volumes: tuple[Path, SetTruth]) -> tuple[Path, list[str], list[str]]:
    src, truth = two_volumes
    root = tmp_path / "scan"
    shutil.copytree(src, root)
    register_set(ctx, truth)
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    vols = sorted(truth.volumes, key=lambda v: v.folder)  # the order ingest takes them in
    return root, [v.archive_code for v in vols], [v.folder for v in vols]


def test_the_storage_gone_midway_names_the_volume_and_the_root(
        project: ProjectContext, tmp_path: Path, two_volumes: tuple[Path, SetTruth],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services import intake
    from dangan.services.ingest_report import IngestReport

    ctx = project
    root, codes, _folders = _ready(ctx, tmp_path, two_volumes)
    storage = Path(ctx.storage.root)
    real = intake.ingest_volume
    calls: list[int] = []

    def unmount_at_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            storage.rename(storage.with_name(storage.name + "-away"))
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "ingest_volume", unmount_at_second)
    report = IngestReport()
    with pytest.raises(StorageError) as err:
        intake.ingest(ctx, actor(ctx, "张扫"), root, workers=1, into=report)
    assert err.value.key == "storage.root_missing" and err.value.exit_code == 11
    assert err.value.params["path"] == str(storage)
    assert report.stopped_at == codes[1]
    assert [v.volume for v in report.volumes if v.state == "ingested"] == [codes[0]]
    assert not storage.exists()


def test_the_storage_gone_before_the_start_names_the_first_volume(
        any_project: ProjectContext, tmp_path: Path,
        two_volumes: tuple[Path, SetTruth]) -> None:
    ctx = any_project
    root, _codes, folders = _ready(ctx, tmp_path, two_volumes)
    storage = Path(ctx.storage.root)
    storage.rename(storage.with_name(storage.name + "-away"))
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    out = dangan(ctx, *args)
    assert out.returncode == 11, out.stdout + out.stderr
    assert f"ingest stopped at {folders[0]} (exit code 11)" in out.stderr
    assert str(storage) in out.stderr
    as_json = dangan(ctx, *args, "--json")
    assert as_json.returncode == 11
    stopped = json.loads(as_json.stdout)["stopped"]
    assert stopped["volume"] == folders[0] and stopped["key"] == "storage.root_missing"
    assert stopped["exit_code"] == 11
    assert not storage.exists()
