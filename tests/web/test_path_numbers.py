"""A number in a URL beyond what the database can hold (an INTEGER column) names nothing: every
route answers 404 ``web.not_found`` (the app's page), never a bare 500 from the driver."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from web.images import add_image_accounts, to_stage
from web.support import Line, login

BIG = "99999999999999999999"
JSON = {"Accept": "application/json"}


@pytest.mark.parametrize("big", [BIG, "9223372036854775808", "2147483648", "-" + BIG,
                                 "1" * 5000])
def test_huge_numbers_in_paths_are_not_found(app_client: TestClient, line: Line,
                                             big: str) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.QC)
    gets = [("qc", f"/pages/2/{big}/thumb.jpg"), ("qc", f"/pages/{big}/1/thumb.jpg"),
            ("qc", f"/pages/{big}.json"), ("indexer", f"/index/{big}"),
            ("indexer", f"/index/{big}/resolve"), ("clerk", f"/borrow/{big}"),
            ("qc", f"/qc/{code}/volume/{big}"), ("retoucher", f"/rework/{big}"),
            ("qc", f"/viewer/{big}"), ("clerk", f"/volumes/{big}"),
            ("retoucher", f"/retouch/{code}/volume/{big}"),
            ("indexer", f"/package/runs/{big}"), ("retoucher", f"/retouch/runs/{big}")]
    for who, path in gets:
        login(app_client, who)
        for headers in (JSON, {}):
            r = app_client.get(path, headers=headers)
            assert r.status_code == 404, (path, r.status_code, r.text[:200])
            if headers:
                assert r.json()["key"] == "web.not_found", path
            else:
                assert 'data-key="web.not_found"' in r.text or "页面不存在" in r.text, path
    csrf = login(app_client, "qc")
    r = app_client.post(f"/qc/{code}/volume/{big}/defect", headers=JSON, data={
        "csrf_token": csrf, "defect": "skew", "page_no": "1"})
    assert r.status_code == 404 and r.json()["key"] == "web.not_found"
    csrf = login(app_client, "indexer")
    r = app_client.post(f"/index/{big}/save", headers=JSON, data={"csrf_token": csrf})
    assert r.status_code == 404 and r.json()["key"] == "web.not_found"
    # the largest id that can exist is an ordinary miss, said by the route itself
    r = app_client.get("/index/2147483647", headers=JSON)
    assert r.status_code == 404 and r.json()["key"] != "web.not_found"
