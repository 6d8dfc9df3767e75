"""A retouch rework of a volume already packaged is finished only once the volume is packaged
again: the rework's sign-off and its re-inspection are refused while the delivery files are
older than the retouched pages (``rework.stale_package``), a QC pass of such a batch is
refused (``qc.stale_package``), and the link check reports the volume (``link_package_stale``,
the handover's rule). Packaged again, the new page is what the handover bag delivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import page_jpeg
from sqlalchemy import select

from dangan.db.models import Defect, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import qc, rework
from dangan.services import workflow_state as ws
from dangan.services.delivery import handover, linking, packaging
from dangan.services.retouch.fix import replace_page
from dangan.storage import sha256_bytes
from workflow.helpers import actor, open_black_border_rework, retouch_anew

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"


def _packager(ctx: Any) -> Any:
    return actor(ctx, "钱标", "indexer", "uploader")


def _stale_codes(ctx: Any) -> list[str | None]:
    return [d.volume for d in linking.check_links(ctx) if d.code == "link_package_stale"]


def test_a_retouch_rework_after_packaging_waits_for_the_package(packaged_at_qc: Any,
                                                                tmp_path: Path) -> None:
    ctx, ids = packaged_at_qc
    retoucher = actor(ctx, "赵修", "retoucher")
    inspector = actor(ctx, "周检", "qc_inspector")
    rework_id = open_black_border_rework(ctx, ids[0], 2, retoucher, "第2页右侧黑边")
    fixed = page_jpeg(2, (400, 566), seed=4242)
    replace_page(ctx, retoucher, CODE, 2, fixed)  # the hand-fixed page, at the retouch desk
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, retoucher, rework_id, "已去黑边")
    assert err.value.key == "rework.stale_package"
    assert CODE in str(err.value) and "dangan package --volume" in str(err.value)
    assert [i.id for i in rework.list_rework(ctx)] == [rework_id]  # still open
    assert _stale_codes(ctx) == [CODE]  # the link check says it too
    with pytest.raises(StateError) as err:
        handover.build_handover(ctx, tmp_path / "early.bag")
    assert err.value.key == "handover.open_defects"  # the rework is not signed off yet
    # packaged again while the rework is open: no correction reason is needed
    packaging.package(ctx, _packager(ctx), "pdf", CODE)
    assert _stale_codes(ctx) == []
    rework.complete_rework(ctx, retoucher, rework_id, "已去黑边")
    qc.verify_rework(ctx, inspector, rework_id, "黑边已去")
    bag = tmp_path / "out.bag"
    assert handover.build_handover(ctx, bag).volumes == 2
    [pdf] = (bag / "data" / "files" / "pdf" / CODE).glob("*.pdf")
    delivered = pdf.read_bytes()
    assert fixed in delivered  # the JPEG embedded byte for byte
    with ctx.transaction() as session:
        row = session.scalar(select(StoredFile).where(
            StoredFile.volume_id == ids[0], StoredFile.area == "uploaded"))
        assert row is not None and row.sha256 == sha256_bytes(delivered)
    manifest = (bag / "manifest-sha256.txt").read_text("utf-8")
    assert sha256_bytes(delivered) in manifest


def test_reinspection_refuses_a_package_older_than_the_retouch(packaged_at_qc: Any) -> None:
    ctx, ids = packaged_at_qc
    retoucher = actor(ctx, "赵修", "retoucher")
    inspector = actor(ctx, "周检", "qc_inspector")
    rework_id = open_black_border_rework(ctx, ids[0], 2, retoucher, "第2页右侧黑边")
    replace_page(ctx, retoucher, CODE, 2, page_jpeg(2, (400, 566), seed=4242))
    packaging.package(ctx, _packager(ctx), "pdf", CODE)
    rework.complete_rework(ctx, retoucher, rework_id, "已去黑边")
    retouch_anew(ctx, ids[0], 2, page_jpeg(2, (400, 566), seed=4343))  # after the sign-off
    with pytest.raises(StateError) as err:
        qc.verify_rework(ctx, inspector, rework_id, "黑边已去")
    assert err.value.key == "rework.stale_package"
    # no rework open any more: packaging it again is a recorded correction
    with pytest.raises(StateError) as err:
        packaging.package(ctx, _packager(ctx), "pdf", CODE)
    assert err.value.key == "package.volume_locked"
    packaging.package(ctx, _packager(ctx), "pdf", CODE, correction="复检前修图又改了第2页")
    qc.verify_rework(ctx, inspector, rework_id, "黑边已去")
    with ctx.transaction() as session:
        assert session.scalar(select(Defect.status)) == "verified"
        assert session.scalar(select(StageEvent.remarks).where(
            StageEvent.kind == wf.EVENT_CORRECTION)) == "复检前修图又改了第2页"


def test_a_qc_pass_is_refused_while_a_package_is_older_than_the_retouch(
        any_project: Any) -> None:
    from workflow.helpers import add_people, add_volumes, borrow_and_split, do_stage, pass_qc

    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 2)
    _no, made = borrow_and_split(ctx, 2)
    batch = made[0]
    for stage, person in ((wf.SORT, "李整"), (wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"),
                          (wf.INDEX, "钱标"), (wf.UPLOAD, "钱标")):
        do_stage(ctx, batch, stage, person)
    with ctx.transaction() as session:  # packaged, then a retouched page recorded later
        volume = session.scalar(select(Volume).where(Volume.archive_code == codes[0]))
        assert volume is not None
        packaged_at = ws.now()
        ws.add_event(session, ctx.project_id, wf.EVENT_PACKAGE, "钱标", stage=wf.UPLOAD,
                     volume_id=volume.id, at=packaged_at,
                     data={"form": "pdf", "files": 1, "request": "x"})
        ws.add_event(session, ctx.project_id, wf.EVENT_RETOUCH_RECORD, "赵修", stage=wf.RETOUCH,
                     volume_id=volume.id, data={"pages": 1, "failed": 0},
                     at=packaged_at.replace(year=packaged_at.year + 1))
    with pytest.raises(StateError) as err:
        pass_qc(ctx, batch, "孙检")
    assert err.value.key == "qc.stale_package" and codes[0] in str(err.value)
    assert codes[1] not in str(err.value)
    with ctx.transaction() as session:
        assert session.scalar(select(Volume.stage).where(
            Volume.archive_code == codes[0])) == wf.QC


def test_a_packaging_rework_needs_the_volume_packaged_again(packaged_at_qc: Any) -> None:
    """A 挂接错误 goes back to the packager: signed done only once the volume's delivery
    files were built again after it (``rework.no_new_output.upload``) — asking for the same
    package while its files are in place builds and records nothing."""
    ctx, ids = packaged_at_qc
    packager = _packager(ctx)
    with ctx.transaction() as session:
        defect = Defect(project_id=ctx.project_id, volume_id=ids[0], code="link",
                        severity="error", source="qc", stage=wf.UPLOAD, message="挂接错误",
                        status="open", data={}, responsible_id=packager.worker_id)
        session.add(defect)
        session.flush()
        rework_id = rework.open_rework_in_session(session, ctx.project_id, defect, "周检").id
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, packager, rework_id, "已重新挂接")
    assert err.value.key == "rework.no_new_output.upload" and CODE in str(err.value)
    packaging.package(ctx, packager, "pdf", CODE)  # the same package, its files in place
    with pytest.raises(StateError) as same:
        rework.complete_rework(ctx, packager, rework_id, "已重新挂接")
    assert same.value.key == "rework.no_new_output.upload"
    with ctx.transaction() as session:
        delivered = session.scalars(select(StoredFile.path).where(
            StoredFile.volume_id == ids[0], StoredFile.area == "uploaded")).all()
    for path in delivered:  # the wrong files taken away, the volume packaged again
        ctx.storage.fs.rm(ctx.storage.path(path))
    packaging.package(ctx, packager, "pdf", CODE)
    assert rework.complete_rework(ctx, packager, rework_id, "已重新挂接").status == "done"
