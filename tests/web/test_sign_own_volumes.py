"""The batch page signs the volumes that are the signer's (as ``dangan signoff --volume``):
two sorters who each recorded one volume and handed the batch back, leaving it, finish the
batch on the web without redoing each other's work. The refusals the web shows name the
page's fields and buttons, never a command-line option; the JSON API keeps the key."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.services.engine import resolve_actor
from dangan.services.sorting import record_sorting
from web.support import Line, csrf_of, login

JSON = {"accept": "application/json"}
CLI_WORDS = ("dangan ", "--volume", "--hand-back", "--leave-work", "--redone", "-w ")


def _ticked(html: str) -> dict[str, bool]:
    """The sign-off form's volume boxes: archive code -> ticked."""
    return {m.group(2): bool(m.group(1) or m.group(3)) for m in re.finditer(
        r'<input type="checkbox" name="volume"( checked)?[^>]*?value="([^"]+)"( checked)?',
        html)}


def _signers(line: Line) -> dict[str, str]:
    with line.ctx.transaction() as session:
        return {code: person for code, person in session.execute(
            select(Volume.archive_code, StageEvent.person)
            .join(StageEvent, StageEvent.volume_id == Volume.id)
            .where(StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SORT))}


def _refusal(html: str) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert found, "no refusal on the page"
    return found.group(1)


def _no_cli_words(text: str) -> None:
    if "<html" in text:
        text = _refusal(text)
    for word in CLI_WORDS:
        assert word not in text, word


def _claim_record_leave(client: TestClient, line: Line, login_as: str, name: str,
                        code: str, volume: str) -> None:
    token = login(client, login_as)
    assert client.post(f"/batches/{code}/claim", data={"csrf_token": token}).status_code == 303
    record_sorting(line.ctx, resolve_actor(line.ctx, name), volume, 40)
    refused = client.post(f"/batches/{code}/hand-back", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'data-key="workflow.hand_back_unsigned_work"' in refused.text
    assert "留下未签字工作交回的原因" in refused.text
    _no_cli_words(refused.text)
    blank = client.post(f"/batches/{code}/hand-back",
                        data={"csrf_token": token, "leave_work": "  "})
    assert blank.status_code == 422 and 'data-key="workflow.leave_work_blank"' in blank.text
    _no_cli_words(blank.text)
    assert client.post(f"/batches/{code}/hand-back",
                       data={"csrf_token": token, "leave_work": "临时调岗"}).status_code == 303


def test_two_sorters_each_sign_their_own_volume(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    first, second = line.volume_codes(code)
    _claim_record_leave(app_client, line, "sorter", "李整", code, first)
    _claim_record_leave(app_client, line, "sorter2", "李整二", code, second)

    # 李整 claims again: their volume ticked, the other's offered unticked and named
    token = login(app_client, "sorter")
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}).status_code == 303
    page = app_client.get(f"/batches/{code}").text
    assert _ticked(page) == {first: True, second: False}
    assert "李整二 记录" in page
    form = {"csrf_token": csrf_of(page), "stage": "sort", "volumes_listed": "true"}

    # ticking the other's volume too: refused on the batch page, naming it, in web words
    both = app_client.post(f"/batches/{code}/sign", data={**form, "volume": [first, second]})
    assert both.status_code == 409
    assert 'data-key="workflow.others_work"' in both.text
    assert f"{second}：李整二 记录" in both.text and "只勾选你自己记录的案卷" in both.text
    _no_cli_words(both.text)
    assert _ticked(both.text) == {first: True, second: True}  # as sent
    redone = app_client.post(f"/batches/{code}/sign",
                             data={**form, "volume": [second], "redone": "true"})
    assert redone.status_code == 409
    assert 'data-key="workflow.redone_without_record"' in redone.text
    _no_cli_words(redone.text)
    nothing = app_client.post(f"/batches/{code}/sign", data=form)
    assert nothing.status_code == 422 and 'data-key="web.batch.no_volume_ticked"' in nothing.text
    assert _signers(line) == {}

    # the default: their own volume alone; the batch stays at 整理
    signed = app_client.post(f"/batches/{code}/sign", data={**form, "volume": [first]})
    assert signed.status_code == 303, signed.text
    assert _signers(line) == {first: "李整"} and line.batch(code)[0] == wf.SORT
    assert app_client.post(f"/batches/{code}/hand-back",
                           data={"csrf_token": token}).status_code == 303  # nothing left

    token = login(app_client, "sorter2")
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}).status_code == 303
    page = app_client.get(f"/batches/{code}").text
    assert _ticked(page) == {second: True}
    signed = app_client.post(f"/batches/{code}/sign", data={
        "csrf_token": csrf_of(page), "stage": "sort", "volumes_listed": "true",
        "volume": second})
    assert signed.status_code == 303, signed.text
    assert _signers(line) == {first: "李整", second: "李整二"}
    assert line.batch(code)[0] == wf.SCAN


def test_the_api_keeps_the_key_and_says_it_in_web_words(app_client: TestClient,
                                                          line: Line) -> None:
    code = line.batches[0]
    first, _second = line.volume_codes(code)
    _claim_record_leave(app_client, line, "sorter", "李整", code, first)
    token = login(app_client, "sorter2")
    headers = {"x-csrf-token": token}
    assert app_client.post(f"/api/v1/batches/{code}/claim", headers=headers).status_code == 200
    taken = app_client.post(f"/api/v1/batches/{code}/sign", headers=headers, json={})
    assert taken.status_code == 409
    body = taken.json()
    assert body["key"] == "workflow.others_work" and f"{first}：李整 记录" in body["details"]
    _no_cli_words(body["message"])
    # the whole batch from a form without the list, as before
    form = {"csrf_token": token, "stage": "sort"}
    again = app_client.post(f"/batches/{code}/sign", data=form, headers=JSON)
    assert again.status_code == 409 and again.json()["key"] == "workflow.others_work"
