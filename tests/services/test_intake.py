"""Ingest on both databases: record then sign, tracking sheet, refusal, idempotence, conflict,
renumber guard, and the line's order (a batch not at the scan stage is refused)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.samples import SetTruth, generate_set
from dangan.services.intake import ingest, renumber_volume
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=5, pages=(6, 6), p_blank=0.0, p_duplicate=0.0)


def test_ingest_sheet_refusal_conflict_and_renumber_guard(
    any_project, clean_set: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    src, truth = clean_set
    root = tmp_path / "scan"
    root.mkdir()
    good, bad = truth.volumes[0], truth.volumes[1]
    for v in (good, bad):
        shutil.copytree(src / v.folder, root / v.folder)
    (root / bad.folder / "0002.jpg").unlink()  # missing page: refused
    with any_project.transaction() as session:
        for v in (good, bad):
            session.add(Volume(project_id=any_project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    line_to(any_project, wf.SCAN)
    scanner = actor(any_project, "张扫")
    result = ingest(any_project, scanner, root, ["第3页右下角破损"], workers=1)
    states = {v.volume: v.state for v in result.volumes}
    assert states == {good.archive_code: "ingested", bad.archive_code: "refused"}
    sheet = next(Path(any_project.storage.root, "已扫描", good.folder).glob("*跟踪表.xlsx"))
    ws = load_workbook(sheet).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value]
    text = " ".join(map(str, values))
    assert "电子档案信息跟踪表" in values and "张扫" in values and "第3页右下角破损" in text
    assert {"修图", "标引", "上传", "质检"} <= set(values)
    with any_project.transaction() as session:
        ev = session.scalar(select(StageEvent).where(StageEvent.kind == "signoff",
                                                     StageEvent.stage == "scan"))
        assert ev is not None and ev.person == "张扫" and ev.worker_id == scanner.worker_id
    again = ingest(any_project, scanner, root, workers=1)
    assert {v.volume: v.state for v in again.volumes}[good.archive_code] == "unchanged"
    with open(root / good.folder / "0004.jpg", "ab") as fh:
        fh.write(b"\x00")  # same picture, different bytes: a conflict, never an overwrite
    changed = ingest(any_project, scanner, root, workers=1)
    assert {v.volume: v.state for v in changed.volumes}[good.archive_code] == "conflict"
    with pytest.raises(StateError):
        renumber_volume(root / good.folder, rules=any_project.rules, remove=["0003"])
    with pytest.raises(InputError) as who:  # changing an ingested volume is signed
        renumber_volume(root / good.folder, rules=any_project.rules, remove=["0003"], force=True,
                        ctx=any_project)
    assert who.value.key == "workflow.worker_required"
    renumber_volume(root / good.folder, rules=any_project.rules, remove=["0003"], force=True,
                    ctx=any_project, actor=scanner)
    with any_project.transaction() as session:
        renumbered = session.scalar(select(StageEvent).where(StageEvent.kind == "renumber"))
        assert renumbered is not None and renumbered.worker_id == scanner.worker_id
    after = ingest(any_project, scanner, root, workers=1)  # a page removed: the count is wrong
    assert {v.volume: v.state for v in after.volumes}[good.archive_code] == "refused"
