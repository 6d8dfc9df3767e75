"""The whole line in one test, borrow to return, on generated sample scans.

Scanning goes through intake's verified ingest (real files, checksums, its scan sign-off);
QC draws a real sample, a defect goes back to the retoucher as rework and the batch is
re-inspected; rebinding waits for the agreed method and the approved trial volume; the batch
goes back in borrow order. The audit trail then replays to exactly the stored state.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dangan.db.models import BorrowBatch, Defect, StageEvent, Volume, WorkBatch
from dangan.demo.catalogue import write_demo_catalogue
from dangan.demo.line import run_line
from dangan.domain import workflow as wf
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services.history import replay, volume_history
from dangan.services.progress import stage_progress
from dangan.services.volumes import import_volumes
from dangan.services.workflow_state import graph_for

WORKERS = {
    "borrow_clerk": "王借还", "archive_staff": "李档案", "sorter": "赵整理",
    "scan_operator": "张扫描", "retoucher": "陈修图", "indexer": "刘标引",
    "uploader": "刘标引", "qc_inspector": "孙质检", "binder": "周装订",
    "project_manager": "吴经理",
}


def test_line_from_borrow_to_return_on_sample_scans(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = project
    codes = make_archive_codes(3, 11)
    scan_root = tmp_path / "扫描工作站"
    truth = generate_set(scan_root, 3, 11, pages=(4, 6), archive_codes=codes,
                         truth_path=tmp_path / "truth.json")
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    lines: list[str] = []
    # 标引 is signed only with the volumes' catalogue: the indexers' workbook is imported
    catalogue = write_demo_catalogue(ctx, truth, scan_root, tmp_path / "卷内目录.xlsx", 11)
    summary = run_line(ctx, scan_root, WORKERS, say=lines.append, catalogue=catalogue)
    assert summary["returned"] == 3 and summary["volumes"] == 3
    assert summary["stages"][wf.SCAN] == "intake.ingest"
    assert summary["stages"][wf.RETOUCH] == "retouch_project.run"
    assert summary["reworks"] >= 1  # the injected QC defect went back and was re-inspected
    assert all(q["passed"] for q in summary["qc"])
    with ctx.transaction() as session:
        volumes = session.scalars(select(Volume)).all()
        assert {v.stage for v in volumes} == {wf.DONE}
        assert session.scalar(select(BorrowBatch.status)) == wf.BORROW_RETURNED
        state = replay(session, ctx.project_id, graph_for(ctx.config))
        assert state.volume_stage == {v.id: v.stage for v in volumes}
        assert state.batch_stage == {b.id: b.stage for b in session.scalars(select(WorkBatch))}
        assert state.open_claims == {}
        assert state.first_signoffs == set(session.scalars(select(StageEvent.id).where(
            StageEvent.first_signoff.is_(True))))
        # a page the retouch engine was not sure of was settled by the retoucher before
        # 修图 was signed for its volume
        signed_at = dict(session.execute(select(StageEvent.volume_id, StageEvent.at).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.RETOUCH,
            StageEvent.volume_id.is_not(None))).all())
        for d in session.scalars(select(Defect).where(Defect.source == "retouch",
                                                      Defect.code == "needs_review")):
            assert d.status != "open" and d.resolved_at <= signed_at[d.volume_id]
        scan_signers = set(session.scalars(select(StageEvent.person).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SCAN)))
        assert scan_signers == {"张扫描"}
    history = volume_history(ctx, codes[0])
    kinds = [h.kind for h in history]
    for kind in (wf.EVENT_BORROW_LIST, wf.EVENT_CLAIM, wf.EVENT_SORT_RECORD, wf.EVENT_SIGNOFF,
                 wf.EVENT_QC_SAMPLE, wf.EVENT_QC_DECISION, wf.EVENT_RETURN_CONFIRM):
        assert kind in kinds, kind
    assert [(p.stage, p.volumes) for p in stage_progress(ctx)] == [(wf.DONE, 3)]
