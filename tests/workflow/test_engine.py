"""The engine's promises, each from a case a new user met (issue "one engine for the line").

Ingest and retouch on real generated scans, on SQLite and PostgreSQL: only registered workers
sign, a batch is never signed out of order, recorded work survives a refused sign-off, the
tracking sheet carries every stage, and the audit trail replays to the stored state.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, Page, StageEvent, StoredFile, Volume, Worker
from dangan.domain import workflow as wf
from dangan.errors import DanganError, NotFoundError, StateError
from dangan.i18n import set_language
from dangan.samples import SetTruth, generate_set
from dangan.services import borrow, claims, intake, qc, rework, signoff
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from dangan.services.history import replay
from dangan.services.project import ProjectContext
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from workflow.helpers import actor, do_stage, line_to, pass_qc, volume_codes


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("engine") / "scan"
    return root, generate_set(root, 2, seed=11, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def _register(ctx: ProjectContext, truth: SetTruth) -> list[str]:
    with ctx.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count, list_row=truth.volumes.index(v)))
    return [v.archive_code for v in truth.volumes]


def _copy(scans: tuple[Path, SetTruth], tmp_path: Path) -> Path:
    root = tmp_path / "scan"
    shutil.copytree(scans[0], root)
    return root


def assert_replays(ctx: ProjectContext) -> None:
    with ctx.transaction() as s:
        state = replay(s, ctx.project_id, ws.graph_for(ctx.config))
        stored = {v.id: v.stage for v in s.scalars(select(Volume)) if v.stage != wf.REGISTERED}
        assert state.volume_stage == stored
        from dangan.db.models import WorkBatch

        assert state.batch_stage == {b.id: b.stage for b in s.scalars(select(WorkBatch))}
        assert state.first_signoffs == set(s.scalars(select(StageEvent.id).where(
            StageEvent.first_signoff.is_(True))))


def assert_every_signature_is_a_registered_claimant(ctx: ProjectContext) -> None:
    """No sign-off without a registered worker of the right role holding the stage's claim."""
    with ctx.transaction() as s:
        events = s.scalars(select(StageEvent).order_by(StageEvent.id)).all()
        roles = {w.id: {r.role for r in w.roles} for w in s.scalars(select(Worker))}
        claimed: set[tuple[int, str, int]] = set()
        for e in events:
            if e.kind == wf.EVENT_CLAIM:
                claimed.add((e.work_batch_id or 0, e.stage or "", e.worker_id or 0))
            if e.kind != wf.EVENT_SIGNOFF:
                continue
            assert e.worker_id is not None, e.person
            assert roles[e.worker_id] & wf.STAGE_ALLOWED_ROLES[e.stage or ""], (e.person, e.stage)
            if e.stage not in wf.BORROW_BATCH_STAGES:
                assert (e.work_batch_id or 0, e.stage, e.worker_id) in claimed, (e.person, e.stage)


def _count(ctx: ProjectContext, model: Any, *where: Any) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_only_a_registered_active_worker_is_an_actor(any_project: ProjectContext) -> None:
    with pytest.raises(NotFoundError) as err:
        resolve_actor(any_project, "路人甲")
    assert err.value.key == "workflow.worker_unknown"
    actor(any_project, "张扫", wf.SCAN_OPERATOR)
    with any_project.transaction() as s:
        s.execute(update(Worker).values(active=False))
    with pytest.raises(StateError) as err2:
        resolve_actor(any_project, "张扫")
    assert err2.value.key == "workflow.worker_inactive"


def test_ingest_refuses_a_batch_still_at_sorting(any_project: ProjectContext, scans: Any,
                                                 tmp_path: Path) -> None:
    ctx = any_project
    codes = _register(ctx, scans[1])
    batch = line_to(ctx, wf.SORT)  # the sorter holds the batch; nothing sorted yet
    report = intake.ingest(ctx, resolve_actor(ctx, "张扫"), _copy(scans, tmp_path))
    assert {v.volume: (v.state, v.key) for v in report.volumes} == {
        c: ("refused", "intake.ingest.wrong_stage") for c in codes}
    assert "整理" in report.volumes[0].message and codes[0] in report.volumes[0].message
    assert _count(ctx, Page) == 0 and _count(ctx, StoredFile) == 0
    assert _count(ctx, StageEvent, StageEvent.stage == wf.SCAN) == 0
    with pytest.raises(StateError) as err:  # the sorter cannot sign without sorting records
        signoff.sign_off(ctx, resolve_actor(ctx, "李整"), batch, wf.SORT)
    assert err.value.key == "sort.record_missing"
    assert_replays(ctx)


def test_ingest_before_borrowing_leaves_the_volume_borrowable(any_project: ProjectContext,
                                                              scans: Any, tmp_path: Path) -> None:
    ctx = any_project
    codes = _register(ctx, scans[1])
    scanner = actor(ctx, "张扫", wf.SCAN_OPERATOR)
    report = intake.ingest(ctx, scanner, _copy(scans, tmp_path))
    assert {v.key for v in report.volumes} == {"intake.ingest.wrong_stage"}
    info = borrow.create_borrow_batch(ctx, actor(ctx, "王借", wf.BORROW_CLERK), codes)
    assert info.volume_count == len(codes)
    assert_replays(ctx)


def test_ingest_records_without_a_claim_and_says_how_to_sign(any_project: ProjectContext,
                                                              scans: Any, tmp_path: Path) -> None:
    ctx = any_project
    codes = _register(ctx, scans[1])
    batch = line_to(ctx, wf.SCAN, claim=False)
    scanner = resolve_actor(ctx, "张扫")
    root = _copy(scans, tmp_path)
    first = intake.ingest(ctx, scanner, root)
    assert {(v.state, v.signed, v.key) for v in first.volumes} == {
        ("ingested", False, "workflow.recorded_not_signed")}
    assert f"dangan claim {batch}" in first.volumes[0].message
    assert _count(ctx, Page) == sum(v.image_count for v in scans[1].volumes)
    assert _count(ctx, StageEvent, StageEvent.kind == wf.EVENT_CLAIM,
                  StageEvent.stage == wf.SCAN) == 0  # nothing claimed on anyone's behalf
    claims.claim(ctx, scanner, batch, wf.SCAN)
    again = intake.ingest(ctx, scanner, root)  # the rerun signs what was recorded
    assert {(v.state, v.signed) for v in again.volumes} == {("unchanged", True)}
    with ctx.transaction() as s:
        assert set(s.scalars(select(Volume.stage).where(Volume.archive_code.in_(codes)))) == {
            wf.RETOUCH}
    assert_replays(ctx)
    assert_every_signature_is_a_registered_claimant(ctx)


def test_retouch_out_of_order_keeps_its_record_and_a_rerun_signs(
        any_project: ProjectContext, scans: Any, tmp_path: Path) -> None:
    ctx = any_project
    _register(ctx, scans[1])
    batch = line_to(ctx, wf.SCAN, claim=False)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), _copy(scans, tmp_path))  # recorded, unsigned
    retoucher = resolve_actor(ctx, "赵修")
    pages = _count(ctx, Page)
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert summary.signed == [] and summary.unsigned  # the batch is not at 修图: not signed
    retouched = StoredFile.area == "retouched"
    assert _count(ctx, StoredFile, retouched) == pages  # ... but everything is recorded
    with ctx.transaction() as s:
        assert all("retouch" in (p.metrics or {}) for p in s.scalars(select(Page)))
        found = s.scalar(select(func.count()).select_from(Defect).where(
            Defect.source == "retouch")) or 0
        # a lost row: the file is on disk, its record and metrics are not
        lost = s.scalars(select(Page).order_by(Page.id).limit(1)).one()
        s.execute(delete(StoredFile).where(retouched, StoredFile.page_id == lost.id))
        lost.metrics = {k: v for k, v in (lost.metrics or {}).items() if k != "retouch"}
    assert found == sum(len(p.defects) for p in summary.pages)
    claims.claim(ctx, resolve_actor(ctx, "张扫"), batch, wf.SCAN)
    signoff.sign_off(ctx, resolve_actor(ctx, "张扫"), batch, wf.SCAN)
    claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    again = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert again.counts.get("skipped") == pages - 1  # only the lost page is done again
    # signed: every volume but those with a page the engine was not sure of, held for a
    # person; once the retoucher accepted those pages, a rerun signs them too
    assert again.held and sorted([*again.signed, *again.held]) == sorted(volume_codes(ctx, batch))
    assert set(again.signed).isdisjoint(again.held)
    for code, held in again.held.items():
        fix.accept_pages(ctx, retoucher, code, [p.page_no for p in held], "看过")
    last = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert sorted(last.signed) == sorted(again.held) and last.held == {}
    assert _count(ctx, StoredFile, retouched) == pages
    with ctx.transaction() as s:
        assert all("retouch" in (p.metrics or {}) for p in s.scalars(select(Page)))
        assert (s.scalar(select(func.count()).select_from(Defect).where(
            Defect.source == "retouch")) or 0) >= found  # nothing found is lost
    assert_replays(ctx)
    assert_every_signature_is_a_registered_claimant(ctx)


def test_a_batch_still_at_scan_is_not_claimed_for_retouch_and_says_why(
        any_project: ProjectContext, scans: Any, tmp_path: Path) -> None:
    ctx = any_project
    codes = _register(ctx, scans[1])
    batch = line_to(ctx, wf.SCAN)  # 张扫 holds the scan
    root = _copy(scans, tmp_path)
    first, second = (root / v.folder for v in scans[1].volumes)
    shutil.rmtree(second)  # one volume scanned, the other not yet
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), root)
    with ctx.transaction() as s:
        stages = {c: st for c, st in s.execute(select(Volume.archive_code, Volume.stage))}
        assert stages == {codes[0]: wf.RETOUCH, codes[1]: wf.SCAN}
    retoucher = resolve_actor(ctx, "赵修")
    with pytest.raises(StateError) as refused:
        claims.claim(ctx, retoucher, batch, wf.RETOUCH)
    assert refused.value.key == "workflow.claim_wrong_stage"
    assert "还不能领取“修图”" in str(refused.value) and "“扫描”" in str(refused.value)
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    assert summary.signed == []
    assert len(summary.unsigned) == 1 and "还在“扫描”环节" in summary.unsigned[0]
    assert "dangan claim" in summary.unsigned[0] and codes[0] in summary.unsigned[0]
    assert first.exists()
    assert_replays(ctx)


def test_tracking_sheet_has_every_stage_after_the_line(project: ProjectContext, scans: Any,
                                                      tmp_path: Path) -> None:
    ctx = project
    codes = _register(ctx, scans[1])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), _copy(scans, tmp_path),
                  [f"{codes[0]}=第2页装订线内有字"])  # a problem names its volume
    for stage, person in ((wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"), (wf.UPLOAD, "钱标")):
        do_stage(ctx, batch, stage, person)
    pass_qc(ctx, batch, "孙检")
    sheet = next(Path(ctx.storage.root, "已扫描").rglob(f"{codes[0]}-*跟踪表.xlsx"))
    book = load_workbook(sheet).active
    assert book is not None
    rows = [[c.value for c in row] for row in book.iter_rows()]
    signed = {r[0]: r[1] for r in rows if r[0] in ("修图", "标引", "上传", "质检")}
    assert signed == {"修图": "赵修", "标引": "钱标", "上传": "钱标", "质检": "孙检"}
    text = " ".join(str(c) for r in rows for c in r if c)
    assert "第2页装订线内有字" in text and "拆除订书钉" in text  # 原卷错误: scan and sorting notes


def test_defect_and_rework_texts_follow_the_reader(project: ProjectContext) -> None:
    from workflow.helpers import add_volumes

    ctx = project
    add_volumes(ctx, 2)
    batch = line_to(ctx, wf.QC, claim=False)
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    sample = qc.draw_sample(ctx, inspector, batch, seed=3)
    unit = sample.units[0]
    qc.record_defect(ctx, inspector, unit["archive_code"], "skew", page_no=2)
    qc.decide(ctx, inspector, batch)
    assert rework.list_rework(ctx)[0].reason.startswith("偏斜")
    set_language("en")
    assert rework.list_rework(ctx)[0].reason.startswith("Skewed page")


def test_a_refused_verdict_sign_off_keeps_the_verdict(project: ProjectContext) -> None:
    """QC records its verdict first; the engine's sign-off is a separate step."""
    from workflow.helpers import add_volumes

    ctx = project
    add_volumes(ctx, 2)
    batch = line_to(ctx, wf.QC, claim=False)
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    qc.draw_sample(ctx, inspector, batch, seed=3)
    with ctx.transaction() as s:  # the inspector is disabled between verdict and signature
        s.execute(update(Worker).where(Worker.name == "孙检").values(active=False))
    with pytest.raises(DanganError) as err:
        qc.decide(ctx, inspector, batch)
    assert err.value.key == "workflow.worker_inactive"
    assert _count(ctx, StageEvent, StageEvent.kind == wf.EVENT_QC_DECISION) == 1
    assert_replays(ctx)


def test_a_project_made_before_the_engine_still_replays(any_project: ProjectContext) -> None:
    """Old ingest signed scan itself and left the volume at scan with status done."""
    from workflow.helpers import add_volumes

    ctx = any_project
    codes = add_volumes(ctx, 2)
    batch = line_to(ctx, wf.SCAN)
    scanner = resolve_actor(ctx, "张扫")
    with ctx.transaction() as s:  # what the previous release's ingest left for the first volume
        vol = s.scalars(select(Volume).where(Volume.archive_code == codes[0])).one()
        vol.status = wf.FINISHED
        s.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_SIGNOFF, stage=wf.SCAN,
                         volume_id=vol.id, work_batch_id=vol.work_batch_id,
                         worker_id=scanner.worker_id, person=scanner.name,
                         first_signoff=True))  # as migration 0018 marks it
    result = signoff.sign_off(ctx, scanner, batch, wf.SCAN, without_work="第二卷未入库（测试）")
    assert result.batch_advanced and result.volumes == 1  # only the other volume signed now
    assert _count(ctx, StageEvent, StageEvent.kind == wf.EVENT_SIGNOFF,
                  StageEvent.stage == wf.SCAN, StageEvent.volume_id.is_not(None)) == 2
    assert_replays(ctx)
