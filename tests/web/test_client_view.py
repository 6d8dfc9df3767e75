"""The client's archive-room staff read, on a volume's and a batch's page, the events that
involve them (borrowing, return, binding agreement) and each stage's progress; the
company's internal record — QC findings and decisions, reworks, work records, claims, its
workers' names and remarks — is the company's side's alone (the project manager sees it)."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.services import workflow_state as ws
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line, login

INTERNAL = ("吴质检", "孙修图", "李整", "发现问题：修图偏斜", "质检不合格", "已手工纠偏",
            "修图备注甲", "复检结论乙")


def _history(html: str) -> str:
    found = re.search(r"<table>.*?</table>", html, re.S)
    assert found, "no history table"
    return found.group(0)


def _internal_record(line: Line) -> str:
    """QC and rework events on the first volume, a retoucher's batch sign-off with a remark,
    and a correction of the defect and of the borrowing; the sort stage signed by 李整."""
    code = line.batches[0]
    line.to_scan(code)
    workers.add_worker(line.ctx, "档案室陈老师", [wf.ARCHIVE_STAFF])
    add_user(line.ctx, "archive", PASSWORD, worker="档案室陈老师", roles=[wf.ARCHIVE_STAFF])
    workers.add_worker(line.ctx, "周经理", [wf.PROJECT_MANAGER])
    add_user(line.ctx, "pm", PASSWORD, worker="周经理", roles=[wf.PROJECT_MANAGER])
    first = line.volume_codes(code)[0]
    pid = line.ctx.project_id
    with line.ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == first))
        batch = session.scalar(select(WorkBatch).where(WorkBatch.code == code))
        assert volume is not None and batch is not None
        v, b = volume.id, batch.id
        defect = ws.add_event(session, pid, wf.EVENT_DEFECT, "吴质检", stage=wf.RETOUCH,
                              volume_id=v, work_batch_id=b, remarks="发现问题：修图偏斜")
        ws.add_event(session, pid, wf.EVENT_QC_DECISION, "吴质检", stage=wf.QC,
                     work_batch_id=b, remarks="质检不合格", data={"decision": "reject"})
        ws.add_event(session, pid, wf.EVENT_REWORK_DONE, "孙修图", stage=wf.RETOUCH,
                     volume_id=v, work_batch_id=b, remarks="已手工纠偏")
        ws.add_event(session, pid, wf.EVENT_SIGNOFF, "孙修图", stage=wf.RETOUCH,
                     work_batch_id=b, remarks="修图备注甲")
        session.flush()
        ws.add_event(session, pid, wf.EVENT_CORRECTION, "吴质检", stage=wf.RETOUCH,
                     volume_id=v, remarks="复检结论乙", corrects_id=defect.id)
    return first


def test_archive_staff_read_their_events_and_the_progress(app_client: TestClient,
                                                          line: Line) -> None:
    first = _internal_record(line)
    batch = line.batches[0]

    login(app_client, "pm")  # the company's side: everything, with names and remarks
    seen = _history(app_client.get(f"/volumes/{quote(first, safe='')}").text)
    for word in INTERNAL:
        assert word in seen, word
    page = app_client.get(f"/batches/{quote(batch, safe='')}").text
    assert "修图备注甲" in page and "孙修图" in page and "李整" in page

    login(app_client, "archive")  # the client's archive room
    page = app_client.get(f"/volumes/{quote(first, safe='')}")
    assert page.status_code == 200
    seen = _history(page.text)
    for word in INTERNAL:
        assert word not in seen, word
    kinds = set(re.findall(r'data-kind="([^"]+)"', seen))
    assert kinds == {wf.EVENT_BORROW_LIST, wf.EVENT_BORROW_CONFIRM, wf.EVENT_SPLIT,
                     wf.EVENT_SIGNOFF}
    assert "档案室刘老师" in seen and "王借" in seen  # both sides of the borrowing
    assert "档案室人员查看" in page.text
    page = app_client.get(f"/batches/{quote(batch, safe='')}").text
    for word in ("修图备注甲", "孙修图", "李整"):
        assert word not in page, word
    assert "整理" in page and "修图" in page  # the stages' progress is still there
