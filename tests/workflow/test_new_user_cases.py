"""Cases a new user met on data of their own: who may sign for the archive room, page numbers
outside the volume, a volume short of pages at rebinding, a repeated scan sign-off, sorting
photos, and defects of the original paper."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from cli.runner import dangan
from dangan.db.models import Defect, StageEvent
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.services import (
    batches,
    borrow,
    claims,
    history,
    qc,
    rebind,
    returns,
    rework,
    signoff,
    sorting,
    workers,
)
from dangan.services.engine import resolve_actor
from workflow.helpers import (
    STAGE_PEOPLE,
    WITHOUT_WORK,
    add_people,
    add_volumes,
    borrow_and_split,
    do_stage,
    line_to,
    pass_qc,
    take_to_return,
    volume_codes,
)


def test_archive_side_refuses_a_registered_worker_of_another_role(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    workers.add_worker(ctx, "刘档", [wf.ARCHIVE_STAFF])
    codes = add_volumes(ctx, 2)
    clerk = resolve_actor(ctx, "王借")
    info = borrow.create_borrow_batch(ctx, clerk, codes)
    with pytest.raises(StateError) as err:
        borrow.confirm_borrow(ctx, clerk, info.no, "李整")
    assert err.value.key == "workflow.archive_side_wrong_role"
    assert "李整" in str(err.value) and "整理员" in str(err.value)
    assert borrow.borrow_batch_info(ctx, info.no).status == wf.BORROW_PLANNED
    # a registered archive-room worker signs; so does an archive-room person not on the line
    assert borrow.confirm_borrow(ctx, clerk, info.no, "刘档").archive_staff == "刘档"
    (made,) = batches.split_borrow_batch(ctx, clerk, info.no)
    with pytest.raises(StateError) as err:
        rebind.agree_binding(ctx, "thread", "李整", trial_codes=codes[:1])
    assert err.value.key == "workflow.archive_side_wrong_role"
    assert rebind.agreement(ctx) is None
    take_to_return(ctx, made.code)
    with pytest.raises(StateError) as err:
        rebind.approve_trial(ctx, "吴装")
    assert err.value.key == "workflow.archive_side_wrong_role"
    with pytest.raises(StateError) as err:
        returns.return_batch(ctx, clerk, info.no, "李整", shelving_rule="从左至右")
    assert err.value.key == "workflow.archive_side_wrong_role"
    done = returns.return_batch(ctx, clerk, info.no, "档案室刘老师", shelving_rule="从左至右")
    assert done.return_archive_staff == "档案室刘老师"


def _to_rebind(ctx) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """One work batch taken to 装订 with 扫描 signed without work (no page ingested) while
    the sorter numbered 40 pages per volume."""
    add_people(ctx)
    add_volumes(ctx, 2)
    _no, (made,) = borrow_and_split(ctx, 2, pages_per_batch=10_000)
    for stage in (wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD):
        do_stage(ctx, made, stage, STAGE_PEOPLE[stage])
    pass_qc(ctx, made, "孙检")
    claims.claim(ctx, resolve_actor(ctx, "吴装"), made)
    codes = volume_codes(ctx, made)
    rebind.agree_binding(ctx, "thread", "档案室刘主任", trial_codes=codes[:1])
    return made, codes


def test_rebind_refuses_a_volume_with_fewer_ingested_pages_than_numbered(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    made, codes = _to_rebind(ctx)
    binder = resolve_actor(ctx, "吴装")
    with pytest.raises(StateError) as err:
        rebind.rebind(ctx, binder, made, codes[:1])
    assert err.value.key == "rebind.refused"
    assert any(codes[0] in d and "40" in d and "0" in d for d in err.value.details)
    assert batches.work_batch_info(ctx, made).stage == wf.REBIND
    with pytest.raises(InputError) as bad:
        rebind.rebind(ctx, binder, made, codes[:1], accept_missing="   ")
    assert bad.value.key == "rebind.reason_blank"  # the page-count reason, not a waiver's
    # the binder records why (the original lacks the pages): then it is rebound, the decision kept
    rebind.rebind(ctx, binder, made, codes[:1], accept_missing="原件缺页，档案室确认")
    rebind.approve_trial(ctx, "档案室刘主任")
    with pytest.raises(StateError) as err:
        rebind.rebind(ctx, binder, made)  # the second volume is short too, not waived
    assert err.value.key == "rebind.refused" and codes[1] in err.value.details[0]
    # the decision can also be recorded first (the web desk), then the volume is signed as usual
    assert rebind.accept_missing_pages(ctx, binder, made, reason="原件缺页") == [codes[1]]
    assert rebind.rebind(ctx, binder, made).volumes == 1
    waivers = [h for h in history.volume_history(ctx, codes[0]) if h.kind == wf.EVENT_WORK_WAIVED]
    assert [(h.stage, h.person, h.remarks) for h in waivers if h.stage == wf.REBIND] == [
        (wf.REBIND, "吴装", "原件缺页，档案室确认")]


def test_qc_refuses_a_page_or_item_outside_the_volume(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.RETOUCH, claim=False)  # sorted (40 pages numbered), scanned without pages
    (code,) = volume_codes(ctx, made)
    claims.claim(ctx, resolve_actor(ctx, "赵修"), made)
    inspector = resolve_actor(ctx, "孙检")
    for page in (41, 99, 0):
        with pytest.raises(InputError) as err:
            qc.record_defect(ctx, inspector, code, "skew", page_no=page)
        assert err.value.key == "qc.page_out_of_range"
        assert code in str(err.value) and "40" in str(err.value)
    with pytest.raises(InputError) as err:
        qc.record_defect(ctx, inspector, code, "skew", item_seq=3)
    assert err.value.key == "qc.item_not_found"
    with ctx.transaction() as session:
        assert session.scalar(select(func.count(Defect.id))) == 0
    # the scan is signed (retouch is not yet): a scan defect on the last page is recorded
    assert qc.record_defect(ctx, inspector, code, "blurred", page_no=40).code == "blurred"


def test_a_volume_signed_again_for_its_stage_is_named_as_already_signed(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 2)
    made = line_to(ctx, wf.SCAN)
    first, second = volume_codes(ctx, made)
    scanner = resolve_actor(ctx, "张扫")
    signoff.sign_off(ctx, scanner, made, archive_codes=[first], without_work=WITHOUT_WORK)
    assert batches.work_batch_info(ctx, made).stage == wf.SCAN  # the second is still to scan
    with pytest.raises(StateError) as err:
        signoff.sign_off(ctx, scanner, made, archive_codes=[first], without_work=WITHOUT_WORK)
    assert err.value.key == "workflow.volume_already_signed"
    text = str(err.value)
    assert first in text and "扫描" in text and "张扫" in text and "修图" in text
    signoff.sign_off(ctx, scanner, made, archive_codes=[second], without_work=WITHOUT_WORK)
    assert batches.work_batch_info(ctx, made).stage == wf.RETOUCH


def test_an_original_paper_error_opens_no_rework_and_fails_no_sample(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.QC, claim=False)
    (code,) = volume_codes(ctx, made)
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, made)
    # found before the sample (not in an open inspection): no rework for the retoucher
    found = qc.record_defect(ctx, inspector, code, "skew", page_no=2,
                             cause="original")
    assert found.rework_id is None
    sample = qc.draw_sample(ctx, inspector, made, seed=3)
    assert sample.units
    unit = sample.units[0]
    page = unit.get("key") if unit.get("unit") == "page" else 1
    in_qc = qc.record_defect(ctx, inspector, code, "blurred", page_no=int(page or 1),
                             cause="original")
    assert in_qc.inspection_id is not None
    verdict = qc.decide(ctx, inspector, made)
    assert verdict.passed and verdict.reworks == 0
    assert rework.list_rework(ctx, assignee="赵修") == []
    with ctx.transaction() as session:
        rows = session.execute(select(Defect.cause, Defect.status)).all()
    assert sorted(rows) == [("original", qc.ORIGINAL_STATUS)] * 2
    # a worker's error on the same page still goes back to the retoucher
    assert qc.record_defect(ctx, inspector, code, "skew", page_no=3).rework_id is not None


def _sort_events(ctx) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    with ctx.transaction() as session:
        return list(session.scalars(select(StageEvent.data).where(
            StageEvent.kind == wf.EVENT_SORT_RECORD)))


def test_sorting_photos_must_be_real_images_and_are_stored_with_their_sha256(
        any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.SORT)
    (code,) = volume_codes(ctx, made)
    sorter = resolve_actor(ctx, "李整")
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("不是照片", encoding="utf-8")
    photo = tmp_path / "special.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo)
    for bad, key in ((tmp_path / "nonexistent.jpg", "sort.photo_missing"),
                     (tmp_path, "sort.photo_missing"),
                     (not_image, "sort.photo_not_image")):
        with pytest.raises(InputError) as err:
            sorting.record_sorting(ctx, sorter, code, 8, photo_files=[photo, bad])
        assert err.value.key == key and str(bad) in str(err.value)
    assert _sort_events(ctx) == []
    assert not ctx.storage.exists("过程记录/整理照片")
    sorting.record_sorting(ctx, sorter, code, 8, "三孔线装", photo_files=[photo])
    (data,) = _sort_events(ctx)
    (ref,) = data["special_binding_photos"]
    rel, digest = ref.split("#sha256=")
    assert digest == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert rel.startswith("过程记录/整理照片/") and rel.endswith(".png")
    assert ctx.storage.read_bytes(rel) == photo.read_bytes()


def test_sort_record_from_the_command_line_refuses_a_missing_photo(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx, home = project, str(project.home)
    add_volumes(ctx, 1)
    made = line_to(ctx, wf.SORT)
    (code,) = volume_codes(ctx, made)
    r = dangan("sort", "record", code, "-w", "李整", "--pages", "8", "--photo",
               "/nonexistent.jpg", "-p", home)
    assert r.returncode == 4 and "/nonexistent.jpg" in r.stderr + r.stdout
    assert _sort_events(ctx) == []
    photo = tmp_path / "binding.jpg"
    Image.new("RGB", (40, 30), (10, 10, 10)).save(photo, "JPEG")
    r = dangan("sort", "record", code, "-w", "李整", "--pages", "8", "--photo", str(photo),
               "-p", home)
    assert r.returncode == 0, r.stderr
    (data,) = _sort_events(ctx)
    assert data["special_binding_photos"][0].endswith(hashlib.sha256(photo.read_bytes()).hexdigest())
