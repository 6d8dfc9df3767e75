"""What the archive room co-signed at borrowing stays as signed: a problem noted after both
sides signed the borrow register is a later note with its time and person, printed in a column
of its own (and on the tracking sheet under borrowing, marked as noted later); the tracking
sheet has a signature row for every stage, borrowing and return naming the archive room too."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.export.borrow_register import write_borrow_register
from dangan.export.tracking_sheet import build_workbook, sheet_data
from dangan.services import batches, borrow, returns
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, take_to_return


def _register(ctx, no: int, path: Path) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    write_borrow_register(borrow.borrow_batch_info(ctx, no), path, "某县档案馆")
    book = load_workbook(path).active
    assert book is not None
    rows = [list(r) for r in book.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    return rows[head:head + 3]


def _sheet(ctx, code: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None
        data = sheet_data(ctx, session, volume)
    book = load_workbook(io.BytesIO(build_workbook(data))).active
    assert book is not None
    return {str(r[0]): [str(c) for c in r[1:] if c is not None]
            for r in book.iter_rows(values_only=True) if r[0] is not None}


def test_a_problem_noted_after_signing_is_kept_apart(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = project
    add_people(ctx)
    codes = add_volumes(ctx, 2)
    clerk = resolve_actor(ctx, "王借")
    info = borrow.create_borrow_batch(ctx, clerk, codes)
    borrow.note_problem(ctx, clerk, info.no, codes[0], "第5页右上角破损")  # seen at borrowing
    signed_at = datetime.now(UTC) - timedelta(minutes=5)
    borrow.confirm_borrow(ctx, clerk, info.no, "档案室钱秀兰", at=signed_at)
    row = borrow.note_problem(ctx, clerk, info.no, codes[1], "卷皮脱落")
    assert row.condition == ""  # not in what was co-signed
    head, first, second = _register(ctx, info.no, tmp_path / "reg.xlsx")
    assert head[5] == "借出时情况" and head[7] == "后补记录（签字后记录，时间、记录人）"
    assert first[5] == "第5页右上角破损" and first[7] in (None, "")
    assert second[5] in (None, "")
    assert second[7] is not None and second[7].endswith("王借：卷皮脱落")
    with ctx.transaction() as session:  # the later note's time, to the minute, is printed
        at = max(e.at for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_BORROW_PROBLEM)))
    assert second[7].startswith((at if at.tzinfo else at.replace(tzinfo=UTC))
                                .strftime("%Y-%m-%d %H:%M"))
    # a problem event an older release appended to the co-signed column: shown apart again
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, codes[0])
        batch = ws.borrow_batch_by_no(session, ctx.project_id, info.no)
        ws.add_event(session, ctx.project_id, wf.EVENT_BORROW_PROBLEM, "王借", stage=wf.BORROW,
                     volume_id=volume.id, borrow_batch_id=batch.id, remarks="旧版本补记")
    _head, first, _second = _register(ctx, info.no, tmp_path / "reg2.xlsx")
    assert first[5] == "第5页右上角破损" and "王借：旧版本补记" in str(first[7])
    assert write_borrow_register(borrow.borrow_batch_info(ctx, info.no),
                                 tmp_path / "reg.pdf").stat().st_size > 1000
    # after the return, a note is still only a later note
    (work,) = batches.split_borrow_batch(ctx, clerk, info.no)
    take_to_return(ctx, work.code)
    returns.return_batch(ctx, clerk, info.no, "档案室孙老师", shelving_rule="从右至左")
    borrow.note_problem(ctx, clerk, info.no, codes[0], "还卷后补记：第2页缺角")
    _head, first, _second = _register(ctx, info.no, tmp_path / "reg3.xlsx")
    assert first[5] == "第5页右上角破损" and "王借：还卷后补记：第2页缺角" in str(first[7])
    # the tracking sheet: each stage's problems under it, a row per stage, the archive room
    sheet = _sheet(ctx, codes[1])
    assert sheet["借卷时发现的问题"][0].startswith("卷皮脱落（登记表签字后补记：")
    assert sheet["整理中发现的问题"] == ["无"] and sheet["扫描中发现的问题"] == ["无"]
    assert sheet["整理备注（拆卷说明）"] == ["拆除订书钉"]  # the sorter's notes are no problem
    assert sheet["借卷"][0] == "王借；档案室：档案室钱秀兰"
    assert sheet["还卷"][0] == "王借；档案室：档案室孙老师"
    assert sheet["扫描"][0] == "张扫"
    stages = [t for t in sheet if t in {"借卷", "整理", "扫描", "修图", "标引", "上传", "质检",
                                        "装订", "还卷"}]
    assert stages == ["借卷", "整理", "扫描", "修图", "标引", "上传", "质检", "装订", "还卷"]
    assert _sheet(ctx, codes[0])["借卷时发现的问题"][0].startswith("第5页右上角破损\n")
