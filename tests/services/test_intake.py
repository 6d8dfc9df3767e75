"""Ingest on both databases: record then sign, tracking sheet, refusal, idempotence, conflict,
renumber guard, and the line's order (a batch not at the scan stage is refused)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import t
from dangan.samples import SetTruth, generate_set
from dangan.services import claims
from dangan.services.ingest_markers import RECEIPT
from dangan.services.intake import ingest
from dangan.services.renumber import renumber_volume
from faults.support import env_for, scan_root_with
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
    [said] = [v.message for v in changed.volumes if v.volume == good.archive_code]
    assert "0004.jpg" in said and t("intake.ingest.conflict_pages", volume=good.archive_code,
                                     detail=1) in said
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


def _cli(ctx, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """``dangan`` in its default language (Chinese)."""
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env_for(ctx), timeout=300)


def test_an_ingest_rerun_says_per_volume_what_it_did(
    any_project, clean_set: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    ctx = any_project
    src, truth = clean_set
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    batch = line_to(ctx, wf.SCAN, claim=False)
    scanner = actor(ctx, "张扫")
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    first = _cli(ctx, *args)  # recorded, not signed: nobody holds the scan claim
    assert first.returncode == 0, first.stdout + first.stderr
    a, b = truth.volumes
    assert f"{a.archive_code}：入库 {a.image_count} 页" in first.stdout
    assert "已由 张扫 签字" not in first.stdout
    claims.claim(ctx, scanner, batch, wf.SCAN)
    storage = Path(ctx.storage.root)
    sheet_b = storage / sheet_rel(b.folder, b.archive_code)
    sheet_b.unlink()  # b as an interrupted ingest leaves it: no tracking sheet, no receipt
    (root / b.folder / RECEIPT).unlink()

    second = _cli(ctx, *args)
    assert second.returncode == 0, second.stdout + second.stderr
    said = " ".join(second.stdout.split())  # the console wraps long lines
    assert f"{a.archive_code}：已入库，无变化；此前未签字，本次由 张扫 签扫描环节" in said
    assert (f"{b.archive_code}：已入库，无变化；补完了上次中断的入库（跟踪表和回执），"
            f"并由 张扫 签扫描环节") in said
    assert "补完 1 卷" in said and "本次签扫描环节 2 卷" in said
    assert sheet_b.exists() and (root / b.folder / RECEIPT).exists()
    with ctx.transaction() as session:
        assert set(session.scalars(select(Volume.stage))) == {wf.RETOUCH}
        events = session.scalar(select(func.count(StageEvent.id)))
    sheets = {p: p.stat().st_mtime_ns for p in storage.glob("已扫描/*/*跟踪表.xlsx")}
    assert len(sheets) == 2

    third = _cli(ctx, *args, "--json")  # nothing left to do: nothing written, nothing signed
    assert third.returncode == 0, third.stdout + third.stderr
    volumes = json.loads(third.stdout)["volumes"]
    assert [(v["state"], v["signed"], v["finished"]) for v in volumes] == [
        ("unchanged", False, False)] * 2
    assert {v["message"] for v in volumes} == {
        f"{v.archive_code}：已入库，无变化，本次未写入任何内容" for v in truth.volumes}
    assert {p: p.stat().st_mtime_ns for p in sheets} == sheets
    with ctx.transaction() as session:
        assert session.scalar(select(func.count(StageEvent.id))) == events


def test_a_problem_given_to_a_rerun_is_recorded_on_the_ingested_volume(
    any_project, clean_set: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """``ingest … --problem CODE=TEXT`` on a volume already ingested (pages unchanged): the
    problem is recorded once, by the operator, as a correction of the volume's scan record,
    and shown on its tracking sheet — not dropped with "nothing written"."""
    from faults.support import assert_replays

    ctx = any_project
    src, truth = clean_set
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    args = ("ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    first = _cli(ctx, *args)
    assert first.returncode == 0, first.stdout + first.stderr
    a, b = truth.volumes
    with ctx.transaction() as session:
        record_id = session.scalar(select(StageEvent.id).join(
            Volume, Volume.id == StageEvent.volume_id).where(
            Volume.archive_code == a.archive_code, StageEvent.kind == wf.EVENT_SCAN_RECORD))
        events = session.scalar(select(func.count(StageEvent.id)))

    noted = _cli(ctx, *args, "--problem", f"{a.archive_code}=第7页有水渍", "--json")
    assert noted.returncode == 0, noted.stdout + noted.stderr
    by_code = {v["volume"]: v for v in json.loads(noted.stdout)["volumes"]}
    assert by_code[a.archive_code]["state"] == "unchanged"
    message = by_code[a.archive_code]["message"]
    assert message.startswith(f"{a.archive_code}：已入库，页面无变化；本次只记录了问题"), message
    assert "问题已记入该卷的扫描记录" in message and "张扫" in message
    assert by_code[b.archive_code]["message"] == f"{b.archive_code}：已入库，无变化，本次未写入任何内容"
    with ctx.transaction() as session:
        added = session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_CORRECTION)).all()
        assert [(e.person, e.stage, e.corrects_id, e.remarks, e.data["problems"])
                for e in added] == [("张扫", wf.SCAN, record_id, "第7页有水渍", ["第7页有水渍"])]
        assert session.scalar(select(func.count(StageEvent.id))) == events + 1
        folder = session.scalar(select(Volume.folder_name).where(
            Volume.archive_code == a.archive_code))
    sheet = Path(ctx.storage.root) / sheet_rel(str(folder), a.archive_code)
    cells = " ".join(str(c.value) for row in load_workbook(sheet).active.iter_rows()
                     for c in row if c.value)
    assert "第7页有水渍" in cells
    assert_replays(ctx)

    again = _cli(ctx, "--lang", "en", *args, "--problem", f"{a.archive_code}=第7页有水渍")
    assert again.returncode == 0, again.stdout + again.stderr
    said = " ".join(again.stdout.split())
    assert f"{a.archive_code}: already ingested, unchanged; nothing written" in said
    assert "already recorded before, not recorded again: 第7页有水渍" in said
    with ctx.transaction() as session:
        assert session.scalar(select(func.count(StageEvent.id))) == events + 1


def test_a_refused_volume_lists_each_defect_with_its_code(
    any_project, clean_set: tuple[Path, SetTruth], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The lines under a refused volume read "path [code] message": the code in brackets was
    taken for console markup and dropped."""
    ctx = any_project
    src, truth = clean_set
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    a = truth.volumes[0]
    next(p for p in sorted((root / a.folder).iterdir()) if p.suffix == ".jpg").unlink()
    r = _cli(ctx, "ingest", str(root), "-w", "张扫", "-p", str(ctx.home), "--workers", "1")
    assert r.returncode != 0
    assert "[missing_page]" in "".join(r.stderr.split()), r.stderr
