"""我的任务's rework row names the defect once: a reason that already opens with the defect's
label is not prefixed with it again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Defect, Rework, Volume, Worker
from dangan.domain import workflow as wf
from dangan.i18n import defect_label
from web.images import add_image_accounts, add_pages
from web.support import Line, login


def test_the_rework_reason_is_not_prefixed_with_its_label_twice(app_client: TestClient,
                                                                line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.volume_codes(line.batches[0])[0]
    pages = add_pages(line.ctx, code, count=3)
    label = defect_label("black_border")
    with line.ctx.transaction() as session:
        worker_id = session.scalar(select(Worker.id).where(Worker.name == "赵修"))
        vol = session.get(Volume, pages.volume_id)
        assert vol is not None and worker_id is not None
        for page_no, reason in ((2, f"{label} 右侧黑边未去除"), (3, "第 3 页左侧")):
            defect = Defect(project_id=line.ctx.project_id, volume_id=vol.id,
                            work_batch_id=vol.work_batch_id, page_no=page_no,
                            code="black_border", source="qc", stage=wf.RETOUCH,
                            responsible_id=worker_id, message=reason)
            session.add(defect)
            session.flush()
            session.add(Rework(project_id=line.ctx.project_id, work_batch_id=vol.work_batch_id,
                               volume_id=vol.id, defect_id=defect.id, stage=wf.RETOUCH,
                               assignee_id=worker_id, reason=reason))
    login(app_client, "retoucher")
    page = app_client.get("/tasks").text
    assert f"{label} 右侧黑边未去除" in page and f"{label}：{label}" not in page
    assert f"{label}：第 3 页左侧" in page  # a reason without the label still gets it
