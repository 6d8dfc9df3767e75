"""Who records a defect and what it may point at; the project manager's 撤销 of one recorded in
error; a rework of a scan or retouch signed off only once that stage's output was made anew.
Each rule lives in the service, so the command line and the web desk are held to it alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, Page, Rework, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.reports.common import parse_period
from dangan.reports.pay import pay_report
from dangan.services import claims, qc, rework
from dangan.services.defects import waive_defect
from dangan.services.engine import resolve_actor
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from faults.support import env_for
from workflow.helpers import add_volumes, claimed_for_retouch, line_to, volume_codes


def _at_qc(ctx):  # type: ignore[no-untyped-def]
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.QC, claim=False)
    (code,) = volume_codes(ctx, made)
    return made, code


def _count(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        return int(session.scalar(select(func.count(Defect.id))) or 0)


def test_only_the_inspector_holding_qc_or_the_manager_records_a_defect(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    made, code = _at_qc(ctx)
    with pytest.raises(StateError) as err:  # an indexer, a binder… is no inspector
        qc.record_defect(ctx, resolve_actor(ctx, "钱标"), code, "skew", page_no=5)
    assert err.value.key == "qc.record_not_inspector"
    with pytest.raises(StateError) as err:  # at QC: only with the level's claim
        qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=5)
    assert err.value.key == "workflow.not_claimed"
    claims.claim(ctx, resolve_actor(ctx, "孙检"), made)
    with pytest.raises(ConflictError) as other:
        qc.record_defect(ctx, resolve_actor(ctx, "周检"), code, "skew", page_no=5)
    assert other.value.key == "workflow.claimed_by_other"
    assert _count(ctx) == 0
    first = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=5)
    assert first.responsible == "赵修"
    manager = qc.record_defect(ctx, resolve_actor(ctx, "郑经理"), code, "blurred", page_no=6)
    assert manager.rework_id is not None and manager.responsible == "张扫"


def test_the_same_defect_twice_is_refused_naming_the_first(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    made, code = _at_qc(ctx)
    claims.claim(ctx, resolve_actor(ctx, "孙检"), made)
    first = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=5)
    for who in ("孙检", "郑经理"):
        with pytest.raises(ConflictError) as err:
            qc.record_defect(ctx, resolve_actor(ctx, who), code, "skew", page_no=5)
        assert err.value.key == "qc.defect_duplicate" and f"#{first.id}" in str(err.value)
    assert _count(ctx) == 1  # charged once
    # another page, or another kind on the same page, is another defect
    qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=6)
    qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "black_border", page_no=5)
    assert _count(ctx) == 3


def test_a_defect_of_a_stage_nobody_signed_is_refused(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.RETOUCH, claim=False)  # retouch, indexing not signed yet
    (code,) = volume_codes(ctx, made)
    manager = resolve_actor(ctx, "郑经理")
    for defect, stage in (("archive_code", None), ("skew", None), ("blurred", wf.RETOUCH)):
        with pytest.raises(StateError) as err:
            qc.record_defect(ctx, manager, code, defect, page_no=1, stage=stage)
        assert err.value.key == "qc.defect_stage_not_signed"
    assert _count(ctx) == 0
    assert rework.list_rework(ctx) == []
    assert qc.record_defect(ctx, manager, code, "blurred", page_no=1).responsible == "张扫"


def test_the_manager_waives_a_defect_recorded_in_error(any_project) -> None:  # type: ignore[no-untyped-def]
    from reports.helpers import with_pay_rules

    ctx = with_pay_rules(any_project)
    made, code = _at_qc(ctx)
    claims.claim(ctx, resolve_actor(ctx, "孙检"), made)
    found = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=5)
    assert found.rework_id is not None  # no open inspection: back to the retoucher at once
    with ctx.transaction() as session:
        period = parse_period(f"{session.get(Defect, found.id).found_at:%Y-%m}")  # type: ignore[union-attr]

    def charged() -> list[int | None]:
        return [r.defect_id for r in pay_report(ctx, period).lines if r.defect_id is not None]

    assert charged() == [found.id]
    with pytest.raises(StateError) as err:
        waive_defect(ctx, resolve_actor(ctx, "孙检"), found.id, "误记")
    assert err.value.key == "qc.waive_not_manager"
    with pytest.raises(InputError) as no_reason:
        waive_defect(ctx, resolve_actor(ctx, "郑经理"), found.id, "  ")
    assert no_reason.value.key == "qc.waive_needs_reason"
    done = waive_defect(ctx, resolve_actor(ctx, "郑经理"), found.id, "标引员误记，非修图差错")
    assert done.reworks == [found.rework_id]
    with ctx.transaction() as session:
        defect = session.get(Defect, found.id)
        assert defect is not None and defect.status == "waived"  # kept, never deleted
        assert defect.data["withdrawn"]["by"] == "郑经理"
        assert defect.data["withdrawn"]["reason"] == "标引员误记，非修图差错"
        item = session.get(Rework, found.rework_id)
        assert item is not None and item.status == "waived"
        said = session.scalar(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_QC_DECISION).order_by(StageEvent.id.desc()).limit(1))
        assert said is not None and said.person == "郑经理"
        assert said.data["decision"] == "waived" and said.data["defect_id"] == found.id
    assert charged() == []  # the deduction is undone in the pay figures
    assert rework.list_rework(ctx) == []
    with pytest.raises(StateError) as again:
        waive_defect(ctx, resolve_actor(ctx, "郑经理"), found.id, "再撤销")
    assert again.value.key == "qc.waive_not_open"
    # the page may be recorded again once the first is withdrawn
    qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=5)


def test_cli_record_refuses_a_worker_who_is_no_inspector(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    _made, code = _at_qc(ctx)
    run = [sys.executable, "-m", "dangan", "qc", "record", code, "-c", "skew", "--page", "5",
           "-w", "钱标", "-p", str(ctx.home)]
    refused = subprocess.run(run, capture_output=True, text=True, env=env_for(ctx), timeout=300)
    assert refused.returncode == StateError.exit_code
    assert "不能登记问题" in refused.stderr + refused.stdout
    assert _count(ctx) == 0


def _retouched_page(ctx, code: str, page_no: int) -> bytes:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        path = session.scalar(select(StoredFile.path).join(Page, Page.id == StoredFile.page_id)
                              .where(Page.page_no == page_no,
                                     StoredFile.area == "retouched"))
    assert path is not None
    return bytes(ctx.storage.read_bytes(path))


def test_a_rework_is_signed_off_only_once_its_stage_output_is_new(any_project,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    ctx, retoucher = claimed_for_retouch(any_project, tmp_path, 1, 3, seed=800_417)
    batch = volume_codes(ctx, _batch_code(ctx))
    (code,) = batch
    manager = resolve_actor(ctx, "郑经理")
    # a scan defect: the scanner signs it off with nothing rescanned — refused
    blurred = qc.record_defect(ctx, manager, code, "blurred", page_no=2)
    assert blurred.rework_id is not None
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id, "已补扫")
    assert err.value.key == "rework.no_new_output.scan" and code in str(err.value)
    waive_defect(ctx, manager, blurred.id, "复核原件本身模糊")
    retouch_project.run(ctx, InProcessExecutor(), batch=_batch_code(ctx), actor=retoucher)
    skew = qc.record_defect(ctx, manager, code, "skew", page_no=1)
    assert skew.responsible == "陈修图" and skew.rework_id is not None
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, retoucher, skew.rework_id, "已纠偏")
    assert err.value.key == "rework.no_new_output.retouch"
    fix.accept_page(ctx, retoucher, code, 1)  # looked at and accepted: nothing new
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, retoucher, skew.rework_id, "已纠偏")
    assert err.value.key == "rework.no_new_output.retouch"
    with pytest.raises(ConflictError) as same:  # the page as it is, sent back: no fix
        fix.replace_page(ctx, retoucher, code, 1, _retouched_page(ctx, code, 1))
    assert same.value.key == "retouch_fix.unchanged"
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, retoucher, skew.rework_id, "已纠偏")
    assert err.value.key == "rework.no_new_output.retouch"
    fix.replace_page(ctx, retoucher, code, 1, _deskewed(_retouched_page(ctx, code, 1)))
    assert rework.complete_rework(ctx, retoucher, skew.rework_id, "已纠偏").status == "done"


def _deskewed(data: bytes) -> bytes:
    """The retoucher's hand fix: the page turned back by half a degree."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        out = io.BytesIO()
        img.rotate(0.5, fillcolor=(255,) * len(img.getbands())).save(out, format="JPEG")
    return out.getvalue()


def _batch_code(ctx) -> str:  # type: ignore[no-untyped-def]
    from dangan.db.models import WorkBatch

    with ctx.transaction() as session:
        found = session.scalar(select(WorkBatch.code).limit(1))
    assert found is not None
    return str(found)
