"""复检不通过 on the QC desk: a button beside 复检通过 (with the session's CSRF token and the
reason); the same checks as 复检通过 in the service (the QC claim, 409 and nothing changed
without it); the rework goes back to the retoucher, who sees it again with the reason."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Rework
from web.support import Line, login
from web.test_qc_verify_claim import _reworked, _status

JSON = {"Accept": "application/json"}


def test_reject_from_the_desk(app_client: TestClient, line: Line) -> None:
    code, rework_id = _reworked(app_client, line)
    csrf = login(app_client, "qc")
    url = f"/qc/{code}/reject/{rework_id}"
    refused = app_client.post(url, headers=JSON,
                              data={"csrf_token": csrf, "remarks": "第2页仍歪斜"})
    assert refused.status_code == 409 and refused.json()["key"] == "workflow.not_claimed"
    assert _status(line, rework_id) == "done"
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    desk = app_client.get(f"/qc/{code}")
    assert f'action="/qc/{code}/reject/{rework_id}"' in desk.text and "复检不通过" in desk.text
    form = desk.text.split(f'action="/qc/{code}/reject/{rework_id}"')[1].split("</form>")[0]
    assert f'name="csrf_token" value="{csrf}"' in form and 'name="remarks"' in form
    no_token = app_client.post(url, data={"remarks": "第2页仍歪斜"})
    assert no_token.status_code == 403
    blank = app_client.post(url, headers=JSON, data={"csrf_token": csrf, "remarks": " "})
    assert blank.status_code == 422 and blank.json()["key"] == "rework.reject_needs_reason"
    assert _status(line, rework_id) == "done"
    done = app_client.post(url, data={"csrf_token": csrf, "remarks": "第2页仍歪斜"},
                           follow_redirects=False)
    assert done.status_code == 303, done.text
    assert _status(line, rework_id) == "rejected"
    with line.ctx.transaction() as session:
        again = session.scalar(select(Rework).where(Rework.id != rework_id))
        assert again is not None and again.status == "open"
        again_id = again.id
    page = app_client.get(done.headers["location"])
    assert "复检不通过" in page.text and f"返工 {rework_id}" in page.text
    login(app_client, "retoucher")
    mine = app_client.get("/rework")
    assert f"/rework/{again_id}" in mine.text and "第2页仍歪斜" in mine.text
