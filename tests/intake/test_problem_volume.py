"""``dangan ingest --problem``: a problem belongs to the volume it names, and to no other."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.samples import SetTruth, generate_set
from dangan.services.intake import ingest
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def two_volumes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 3, seed=7, pages=(5, 5), p_blank=0.0, p_duplicate=0.0)


def _setup(project: Any, two_volumes: tuple[Path, SetTruth], tmp_path: Path, n: int = 2) -> Any:
    src, truth = two_volumes
    root = tmp_path / "scan"
    root.mkdir()
    vols = truth.volumes[:n]
    for v in vols:
        shutil.copytree(src / v.folder, root / v.folder)
    with project.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    line_to(project, wf.SCAN)
    return root, vols, truth


def _scan_records(project: Any) -> dict[str, tuple[str, list[str]]]:
    with project.transaction() as session:
        rows = session.execute(select(Volume.archive_code, StageEvent.kind, StageEvent.remarks,
                                      StageEvent.data)
                               .join(Volume, Volume.id == StageEvent.volume_id)
                               .where(StageEvent.stage == wf.SCAN,
                                      StageEvent.kind.in_([wf.EVENT_SCAN_RECORD, "signoff"]))).all()
    out: dict[str, tuple[str, list[str]]] = {}
    for code, kind, remarks, data in rows:
        out[f"{code}/{kind}"] = (remarks or "", list((data or {}).get("problems", [])))
    return out


def _sheet_text(project: Any, folder: str) -> str:
    sheet = next(Path(project.storage.root, "已扫描", folder).glob("*跟踪表.xlsx"))
    ws = load_workbook(sheet).active
    assert ws is not None
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_a_problem_opening_with_an_archive_code_goes_to_that_volume_only(
        project: Any, two_volumes: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, (first, second), _truth = _setup(project, two_volumes, tmp_path)
    scanner = actor(project, "张扫")
    ingest(project, scanner, root,
           [f"{second.archive_code} 第5页原卷缺失", f"{first.archive_code}=封面破损"], workers=1)
    records = _scan_records(project)
    assert records[f"{second.archive_code}/{wf.EVENT_SCAN_RECORD}"] == ("第5页原卷缺失", ["第5页原卷缺失"])
    assert records[f"{first.archive_code}/{wf.EVENT_SCAN_RECORD}"] == ("封面破损", ["封面破损"])
    assert records[f"{second.archive_code}/signoff"][0] == "第5页原卷缺失"
    assert records[f"{first.archive_code}/signoff"][0] == "封面破损"
    assert "第5页原卷缺失" in _sheet_text(project, second.folder)
    assert "第5页原卷缺失" not in _sheet_text(project, first.folder)
    assert "封面破损" not in _sheet_text(project, second.folder)


def test_a_problem_naming_a_volume_outside_the_ingest_is_refused_before_anything(
        project: Any, two_volumes: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, _vols, truth = _setup(project, two_volumes, tmp_path)
    outside = truth.volumes[2].archive_code
    result = CliRunner().invoke(app, ["ingest", str(root), "-w", "张扫", "-p", str(project.home),
                                      "--problem", f"{outside} 第5页原卷缺失"])
    assert isinstance(result.exception, InputError)
    assert result.exception.key == "intake.problem_unknown_volume"
    assert outside in result.exception.message
    assert _scan_records(project) == {}
    with pytest.raises(InputError) as exc:
        ingest(project, actor(project, "张扫"), root, [f"{outside}=第5页原卷缺失"], workers=1)
    assert exc.value.key == "intake.problem_unknown_volume"


def test_an_unnamed_problem_is_refused_when_several_volumes_are_ingested(
        project: Any, two_volumes: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, _vols, _truth = _setup(project, two_volumes, tmp_path)
    with pytest.raises(InputError) as exc:
        ingest(project, actor(project, "张扫"), root, ["第5页原卷缺失"], workers=1)
    assert exc.value.key == "intake.problem_unnamed"
    assert _scan_records(project) == {}


def test_an_unnamed_problem_still_goes_to_the_only_volume(
        project: Any, two_volumes: tuple[Path, SetTruth], tmp_path: Path) -> None:
    root, (only,), _truth = _setup(project, two_volumes, tmp_path, n=1)
    ingest(project, actor(project, "张扫"), root, ["第3页右下角破损"], workers=1)
    assert _scan_records(project)[f"{only.archive_code}/{wf.EVENT_SCAN_RECORD}"][1] == ["第3页右下角破损"]
