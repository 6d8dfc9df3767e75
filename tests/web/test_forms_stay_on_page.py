"""Refused forms stay on their page, as the borrow and return desks do: the refusal shown
with its key above the form, and what was typed kept (never a password)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from web.support import Line, login


def test_adding_a_user_whose_login_is_taken_keeps_the_form(app_client: TestClient,
                                                           line: Line) -> None:
    token = login(app_client, "admin")
    form = {"csrf_token": token, "login": "clerk2", "password": "a-long-secret-1",
            "worker": "王档案", "roles": [wf.BORROW_CLERK]}
    assert app_client.post("/admin/users", data=form).status_code == 303
    again = app_client.post("/admin/users", data={**form, "worker": "李登记"})
    assert again.status_code == 409
    page = again.text
    assert 'data-key="web.account.login_taken"' in page and "出错了" not in page
    assert 'id="add-user"' in page and 'value="clerk2"' in page and 'value="李登记"' in page
    assert f'value="{wf.BORROW_CLERK}" checked' in page
    assert "a-long-secret-1" not in page
    json = app_client.post("/admin/users", data=form, headers={"Accept": "application/json"})
    assert json.status_code == 409 and json.json()["key"] == "web.account.login_taken"


def test_the_sort_page_signs_off_and_a_refused_sign_off_stays_on_the_batch_page(
        app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    token = login(app_client, "sorter")
    page = app_client.get(f"/records/sort/{code}").text
    assert 'href="/tasks"' in page and f'action="/batches/{code}/sign"' not in page
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}
                           ).status_code == 303
    page = app_client.get(f"/records/sort/{code}").text
    assert f'action="/batches/{code}/sign"' in page and 'value="sort"' in page
    # signed before the sorting records: the batch page, the refusal, the remarks kept
    refused = app_client.post(f"/batches/{code}/sign", data={
        "csrf_token": token, "stage": "sort", "remarks": "已拆卷整理"})
    assert refused.status_code == 409
    assert 'data-key="sort.record_missing"' in refused.text and "出错了" not in refused.text
    assert 'class="remedy"' in refused.text and 'value="已拆卷整理"' in refused.text
