"""复检通过 on a rework of a batch at QC needs the inspector's claim of the batch: without it
409 with the engine's key and the rework stays done; once claimed it is verified."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Rework
from dangan.domain import workflow as wf
from web.images import add_image_accounts, to_stage
from web.support import Line, login

JSON = {"Accept": "application/json"}


def _reworked(client: TestClient, line: Line) -> tuple[str, int]:
    """A batch failed at QC with one defect whose rework the retoucher has done."""
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    csrf = login(client, "qc")
    assert client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert client.post(f"/qc/{code}/sample",
                       data={"csrf_token": csrf, "seed": "12345"}).status_code == 303
    saved = client.post(f"/qc/{code}/volume/{volumes[0].volume_id}/defect", data={
        "csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker",
        "box_x": "100", "box_y": "120", "box_w": "300", "box_h": "80", "message": "歪了"})
    assert saved.status_code == 303, saved.text
    assert client.post(f"/qc/{code}/decide", data={"csrf_token": csrf}).status_code == 303
    with line.ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id))
    assert rework_id is not None
    csrf_r = login(client, "retoucher")
    assert client.post(f"/rework/{rework_id}/done",
                       data={"csrf_token": csrf_r}).status_code == 303
    return code, rework_id


def _status(line: Line, rework_id: int) -> str:
    with line.ctx.transaction() as session:
        item = session.get(Rework, rework_id)
        assert item is not None
        return item.status


def test_reinspection_needs_the_claim(app_client: TestClient, line: Line) -> None:
    code, rework_id = _reworked(app_client, line)
    csrf = login(app_client, "qc")
    refused = app_client.post(f"/qc/{code}/verify/{rework_id}", headers=JSON,
                              data={"csrf_token": csrf})
    assert refused.status_code == 409 and refused.json()["key"] == "workflow.not_claimed"
    page = app_client.post(f"/qc/{code}/verify/{rework_id}", data={"csrf_token": csrf})
    assert page.status_code == 409 and "尚未领取" in page.text, page.text
    assert _status(line, rework_id) == "done"
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    verified = app_client.post(f"/qc/{code}/verify/{rework_id}", data={"csrf_token": csrf})
    assert verified.status_code == 303, verified.text
    assert _status(line, rework_id) == "verified"
