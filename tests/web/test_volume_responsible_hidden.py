"""The volume page's defects: the company's people see the worker responsible (责任人); the
client's archive room staff (档案室人员) see the defect, not the company's internal worker
names."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Defect, Volume, Worker
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import workers
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line, login


def _defects_table(html: str) -> str:
    found = re.search(r'<table class="defects">.*?</table>', html, re.S)
    assert found, "no defects table on the page"
    return found.group(0)


def test_archive_staff_do_not_see_who_is_responsible(app_client: TestClient,
                                                     line: Line) -> None:
    workers.add_worker(line.ctx, "档案室陈老师", [wf.ARCHIVE_STAFF])
    add_user(line.ctx, "archive", PASSWORD, worker="档案室陈老师", roles=[wf.ARCHIVE_STAFF])
    code = line.volume_codes(line.batches[0])[0]
    with line.ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(Volume.archive_code == code))
        scanner = session.scalar(select(Worker.id).where(Worker.name == "张扫二"))
        session.add(Defect(project_id=line.ctx.project_id, volume_id=volume_id, page_no=2,
                           code="blurred", severity="error", source="qc", stage=wf.SCAN,
                           message="模糊", status="open", data={}, responsible_id=scanner))
    heading = t("volume_defects.responsible")

    login(app_client, "qc")  # the company's side: the name and its column
    seen = _defects_table(app_client.get(f"/volumes/{code}").text)
    assert heading in seen and "张扫二" in seen

    login(app_client, "archive")  # the client's: the defect, no worker's name
    page = app_client.get(f"/volumes/{code}")
    assert page.status_code == 200
    seen = _defects_table(page.text)
    assert heading not in seen and "张扫二" not in seen
    assert t("defect.blurred") in seen or "模糊" in seen
