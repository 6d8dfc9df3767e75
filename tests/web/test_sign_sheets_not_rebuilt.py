"""A web sign-off whose tracking sheets cannot be rebuilt after its commit (the disk full):
the sign-off is recorded, so the form answers with the batch page and a notice saying so —
the place and the cause — not an error page (it was a 500), and no refusal is audited; JSON
clients get the error (503, ``workflow.signed_sheets_not_rebuilt``); the bulk sign-off
counts the batch as signed."""

from __future__ import annotations

import errno
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.web import security as sec
from web.support import Line, csrf_of, login

FULL = "/srv/档案存储/已扫描"


def _ready(line: Line, code: str) -> None:
    line.to_scan(code)
    line.pages_ingested(code)
    with line.ctx.transaction() as s:  # ingested: each volume has a scan folder and a sheet
        batch = s.scalar(select(WorkBatch).where(WorkBatch.code == code))
        assert batch is not None
        for v in s.scalars(select(Volume).where(Volume.work_batch_id == batch.id)):
            v.folder_name = v.archive_code


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.export import tracking_sheet

    def full(*args: Any, **kwargs: Any) -> list[str]:
        raise OSError(errno.ENOSPC, "No space left on device", FULL)

    monkeypatch.setattr(tracking_sheet, "write_tracking_sheets", full)


def test_the_sign_form_says_signed_and_the_sheets_not_rebuilt(
        app_client: TestClient, line: Line, disk_full: None) -> None:
    code = line.batches[0]
    _ready(line, code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    form = {"csrf_token": csrf_of(app_client.get(f"/batches/{code}").text), "stage": "scan"}
    answer = app_client.post(f"/batches/{code}/sign", data=form)
    assert answer.status_code == 303, answer.text  # the batch page again, with the notice
    notice = unquote(answer.cookies.get("dangan_flash") or "")
    assert "已由 张扫 签字，已记入数据库，不必再签" in notice
    assert f"{FULL}：No space left on device" in notice
    page = app_client.get(answer.headers["location"]).text
    assert "已记入数据库" in page
    assert line.batch(code) == ("retouch", "waiting")
    with line.ctx.transaction() as s:  # a sign-off that went through is no refusal
        reasons = [e.data.get("reason") for e in s.scalars(select(StageEvent).where(
            StageEvent.kind == sec.EVENT_REFUSED))]
    assert "workflow.signed_sheets_not_rebuilt" not in reasons

    other = line.batches[1]
    _ready(line, other)
    assert app_client.post(f"/batches/{other}/claim",
                           data={"csrf_token": token}).status_code == 303
    json = app_client.post(f"/batches/{other}/sign", data={**form, "stage": "scan"},
                           headers={"accept": "application/json"})
    assert json.status_code == 503
    assert json.json()["key"] == "workflow.signed_sheets_not_rebuilt"
    assert line.batch(other) == ("retouch", "waiting")


def test_the_bulk_sign_off_counts_it_signed(app_client: TestClient, line: Line,
                                            disk_full: None) -> None:
    code = line.batches[2]
    _ready(line, code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    answer = app_client.post("/tasks/sign", data={"csrf_token": token, "codes": [code],
                                                  f"stage:{code}": "scan"})
    assert answer.status_code == 303, answer.text
    notice = unquote(answer.cookies.get("dangan_flash") or "")
    assert code in notice and "已记入数据库" in notice and "未签" not in notice
    assert line.batch(code) == ("retouch", "waiting")
