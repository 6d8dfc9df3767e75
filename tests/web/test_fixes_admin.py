"""The last active administrator keeps the administrator role: /admin/users refuses
unticking it or disabling the account, with a clear message, until another one exists."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.web import accounts
from web.support import Line, login


def _is_admin(line: Line, user: str) -> bool:
    return {a.login: a.is_admin and a.active for a in accounts.list_accounts(line.ctx)}[user]


def test_the_last_administrator_keeps_the_role(app_client: TestClient, line: Line) -> None:
    csrf = login(app_client, "admin")
    refused = app_client.post("/admin/users/admin/roles", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert 'data-key="web.account.last_admin"' in refused.text and "唯一" in refused.text
    assert _is_admin(line, "admin")
    json = app_client.post("/admin/users/admin/disable", data={"csrf_token": csrf},
                           headers={"Accept": "application/json"})
    assert json.status_code == 409 and json.json()["key"] == "web.account.last_admin"
    assert _is_admin(line, "admin")
    # with a second administrator, the first may step down
    made = app_client.post("/admin/users/clerk/roles", data={
        "csrf_token": csrf, "roles": ["borrow_clerk", "admin"]})
    assert made.status_code == 303
    stepped = app_client.post("/admin/users/admin/roles", data={"csrf_token": csrf,
                                                                "roles": ["borrow_clerk"]})
    assert stepped.status_code == 303
    assert not _is_admin(line, "admin") and _is_admin(line, "clerk")
    csrf = login(app_client, "clerk")
    assert app_client.post("/admin/users/clerk/disable",
                           data={"csrf_token": csrf}).status_code == 409
    assert _is_admin(line, "clerk")
