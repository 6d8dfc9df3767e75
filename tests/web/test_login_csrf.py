"""The login form's CSRF token is signed by the server (HMAC with ``WebSettings.login_key``)
and dated: a cookie and field an attacker made up (``csrf_token=a`` with the cookie ``a``), a
token signed with another key, altered or older than a day are refused (403); every process
given the same key (``dangan serve`` shares one with its workers) accepts the others' tokens."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dangan.web import csrf
from dangan.web.app import create_app
from dangan.web.settings import LOGIN_KEY_ENV, WebSettings
from web.support import PASSWORD, Clock, Line, csrf_of

JSON = {"Accept": "application/json"}


def _post(client: TestClient, token: str, cookie: str | None = None) -> int:
    if cookie is not None:
        client.cookies.clear()
        client.cookies.set(csrf.LOGIN_COOKIE, cookie, path="/login")
    response = client.post("/login", headers=JSON, data={
        "login": "sorter", "password": PASSWORD, "csrf_token": token, "next": "/tasks"})
    if response.status_code == 403:
        assert response.json()["key"] == "web.csrf_failed"
    return response.status_code


def test_forged_login_tokens_refused(app_client: TestClient, line: Line, clock: Clock) -> None:
    assert _post(app_client, "a", cookie="a") == 403  # the tester's plain double submit
    other = csrf.new_login_token(b"k" * 32, clock())
    assert _post(app_client, other, cookie=other) == 403  # signed with another key
    app_client.cookies.clear()
    token = csrf_of(app_client.get("/login").text)
    assert app_client.cookies.get(csrf.LOGIN_COOKIE) == token
    nonce, issued, signature = token.split(".")
    forged = f"{nonce}.{int(issued) + 3600}.{signature}"
    assert _post(app_client, forged, cookie=forged) == 403  # altered
    assert _post(app_client, token, cookie="x" + token) == 403  # field and cookie differ
    assert _post(app_client, token, cookie=token) == 303  # the server's own: signed in


def test_login_token_expires(app_client: TestClient, line: Line, clock: Clock) -> None:
    app_client.cookies.clear()
    token = csrf_of(app_client.get("/login").text)
    clock.advance(hours=25)
    assert _post(app_client, token) == 403
    fresh = csrf_of(app_client.get("/login").text)  # the form again: a new token
    assert fresh != token
    assert _post(app_client, fresh) == 303


def test_processes_with_one_key_accept_each_others_tokens(line: Line, clock: Clock,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOGIN_KEY_ENV, "ab" * 32)
    monkeypatch.setenv("DANGAN_PROJECT", str(line.ctx.home))
    first, second = WebSettings.from_env(), WebSettings.from_env()
    assert first.login_key == second.login_key
    alone = WebSettings(project=line.ctx.home, clock=clock)
    apps = [create_app(WebSettings(project=line.ctx.home, clock=clock, login_key=s.login_key))
            for s in (first, second, alone)]
    with TestClient(apps[0], follow_redirects=False) as a, \
            TestClient(apps[1], follow_redirects=False) as b, \
            TestClient(apps[2], follow_redirects=False) as c:
        token = csrf_of(a.get("/login").text)
        assert _post(b, token, cookie=token) == 303
        token = csrf_of(a.get("/login").text)
        assert _post(c, token, cookie=token) == 403
