"""我的任务 lists the signed-in worker's open reworks (返工) with the marked page and box, in the
page and in ``/api/v1/tasks``; nobody else's, and not once done."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Defect, Rework, Volume, Worker
from dangan.domain import workflow as wf
from web.images import add_image_accounts, add_pages
from web.support import Line, login


def _rework_for(line: Line, name: str) -> tuple[int, int]:
    code = line.volume_codes(line.batches[0])[0]
    pages = add_pages(line.ctx, code, count=3)
    with line.ctx.transaction() as session:
        worker_id = session.scalar(select(Worker.id).where(Worker.name == name))
        inspector = session.scalar(select(Worker.id).where(Worker.name == "孙检"))
        vol = session.get(Volume, pages.volume_id)
        assert vol is not None and worker_id is not None
        defect = Defect(project_id=line.ctx.project_id, volume_id=vol.id,
                        work_batch_id=vol.work_batch_id, page_no=2, code="skew", source="qc",
                        stage=wf.RETOUCH, responsible_id=worker_id, found_by_id=inspector,
                        message="歪了", data={"box": [10, 20, 300, 40]}, cause="original")
        session.add(defect)
        session.flush()
        rework = Rework(project_id=line.ctx.project_id, work_batch_id=vol.work_batch_id,
                        volume_id=vol.id, defect_id=defect.id, stage=wf.RETOUCH,
                        assignee_id=worker_id, reason="第 2 页歪斜")
        session.add(rework)
        session.flush()
        return rework.id, vol.id


def test_my_reworks_are_in_my_tasks(app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    rework_id, volume_id = _rework_for(line, "赵修")
    login(app_client, "retoucher")
    page = app_client.get("/tasks").text
    assert f'data-rework="{rework_id}"' in page and "10,20,300,40" in page
    assert f"/pages/{volume_id}/2/thumb.jpg" in page and f'href="/rework/{rework_id}"' in page
    assert "第 2 页歪斜" in page and "孙检" in page and "原卷错误" in page
    api = app_client.get("/api/v1/tasks").json()
    assert api["counts"]["reworks"] == 1
    got = api["reworks"][0]
    assert (got["id"], got["page"], got["box"], got["cause"]) == \
        (rework_id, 2, [10, 20, 300, 40], "original")
    login(app_client, "indexer")  # someone else's rework is not in my tasks
    assert "data-rework=" not in app_client.get("/tasks").text
    assert app_client.get("/api/v1/tasks").json()["counts"]["reworks"] == 0
    with line.ctx.transaction() as session:
        row = session.get(Rework, rework_id)
        assert row is not None
        row.status = "done"
    login(app_client, "retoucher")
    assert "data-rework=" not in app_client.get("/tasks").text
