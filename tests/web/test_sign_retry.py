"""A sign-off sent again once the first went through (a double click, a retry after a lost
answer) is told as such: the stage was already signed, by whom and when
(``workflow.already_signed``, 409) — not that the next stage is unclaimed. In the CLI too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dangan.errors import StateError
from dangan.services.engine import resolve_actor
from dangan.services.signoff import sign_off
from web.support import Line, csrf_of, login


def test_a_web_sign_off_sent_twice_says_it_was_signed(app_client: TestClient,
                                                       line: Line) -> None:
    code = line.batches[0]
    line.to_scan(code)
    line.pages_ingested(code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    page = app_client.get(f"/batches/{code}").text
    assert 'name="stage" value="scan"' in page  # the form says which stage it signs
    form = {"csrf_token": csrf_of(page), "stage": "scan", "remarks": ""}
    assert app_client.post(f"/batches/{code}/sign", data=form).status_code == 303
    assert line.batch(code) == ("retouch", "waiting")
    again = app_client.post(f"/batches/{code}/sign", data=form,
                            headers={"accept": "application/json"})
    assert again.status_code == 409
    body = again.json()
    assert body["key"] == "workflow.already_signed"
    assert body["params"]["person"] == "张扫" and body["params"]["stage"] == "扫描"
    assert body["params"]["at"]
    html = app_client.post(f"/batches/{code}/sign", data=form)
    assert html.status_code == 409
    assert f"小批次 {code} 的“扫描”已由 张扫 于" in html.text
    assert "第一次提交已生效" in html.text
    assert line.batch(code) == ("retouch", "waiting")  # nothing signed twice


def test_the_cli_sign_off_repeated_says_who_signed_it(line: Line) -> None:
    ctx = line.ctx
    code = line.batches[0]
    line.to_scan(code)
    sorter = resolve_actor(ctx, "李整")
    with pytest.raises(StateError) as again:  # the sorter signs 整理 again, no stage named
        sign_off(ctx, sorter, code)
    assert again.value.key == "workflow.already_signed" and again.value.exit_code == 7
    assert again.value.params["person"] == "李整"
    assert again.value.params["current"] == "扫描"
    with pytest.raises(StateError) as named:  # the stage named
        sign_off(ctx, resolve_actor(ctx, "张扫"), code, "sort")
    assert named.value.key == "workflow.already_signed"
    with pytest.raises(StateError) as unclaimed:  # the scanner never claimed 扫描: as before
        sign_off(ctx, resolve_actor(ctx, "张扫"), code)
    assert unclaimed.value.key == "workflow.not_claimed"
