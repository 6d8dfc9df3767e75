"""The QC desk records a defect through the same service rule as ``dangan qc record``: a QC
inspector must hold the batch's QC claim, and the same defect twice is refused naming the
first."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.db.models import Defect
from dangan.domain import workflow as wf
from web.images import add_image_accounts, to_stage
from web.support import Line, login

JSON = {"Accept": "application/json"}


def test_desk_defect_needs_the_claim_and_is_not_recorded_twice(app_client: TestClient,
                                                               line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    url = f"/qc/{code}/volume/{volumes[0].volume_id}/defect"
    csrf = login(app_client, "qc")
    form = {"csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker"}
    refused = app_client.post(url, data=form, headers=JSON)  # the batch is not claimed
    assert refused.status_code == 409 and refused.json()["key"] == "workflow.not_claimed"
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(url, data=form).status_code == 303
    again = app_client.post(url, data=form, headers=JSON)
    assert again.status_code == 409 and again.json()["key"] == "qc.defect_duplicate"
    with line.ctx.transaction() as session:
        assert session.scalar(select(func.count(Defect.id))) == 1
