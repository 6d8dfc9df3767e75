"""The retouch desk's list offers 领取 on a batch waiting there, as the QC desk does; the
claim lands on the batch's desk page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from web.images import add_image_accounts, to_stage
from web.support import Line, login


def test_a_waiting_batch_is_claimed_from_the_retouch_list(app_client: TestClient,
                                                          line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.RETOUCH, pages=2)
    token = login(app_client, "retoucher")
    page = app_client.get("/retouch").text
    assert f'action="/retouch/{code}/claim"' in page
    claimed = app_client.post(f"/retouch/{code}/claim", data={"csrf_token": token})
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/retouch/{code}"
    assert line.batch(code)[1] == wf.CLAIMED
    assert f'action="/retouch/{code}/claim"' not in app_client.get("/retouch").text
