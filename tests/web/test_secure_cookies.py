"""With ``DANGAN_WEB_SECURE_COOKIES=1`` every cookie the web application sets is ``Secure``
— the session, the language, the login form's CSRF token, the one-time message — not only
the session, and the session and login cookies carry the ``__Host-`` prefix; without it, over
plain HTTP, none is Secure or prefixed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, Line, csrf_of


def _cookies(response: object) -> dict[str, str]:
    lines = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {line.split("=", 1)[0]: line.lower() for line in lines}


def _secure(line: str) -> bool:
    return "secure" in [part.strip() for part in line.split(";")[1:]]


@pytest.mark.parametrize("setting", [True, False])
def test_every_cookie_follows_the_secure_setting(line: Line, clock: Clock,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 setting: bool) -> None:
    monkeypatch.setenv("DANGAN_WEB_SECURE_COOKIES", "1" if setting else "0")
    monkeypatch.setenv("DANGAN_PROJECT", str(line.ctx.home))
    settings = WebSettings.from_env()  # as the server's worker processes read it
    assert settings.secure_cookies is setting
    settings = WebSettings(project=line.ctx.home, clock=clock,
                           secure_cookies=settings.secure_cookies)
    app = create_app(settings)
    prefix = "__Host-" if setting else ""  # the session and login cookies, over HTTPS
    jar: dict[str, str] = {}

    def keep(response: object) -> dict[str, str]:
        """The cookies a response sets; kept by hand and sent back by hand: behind a proxy
        that ends TLS the application sees plain HTTP, where a client keeps no Secure one."""
        found = _cookies(response)
        for line in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
            name, _sep, rest = line.partition("=")
            jar[name] = rest.split(";", 1)[0]
        return found

    def sent() -> dict[str, str]:
        return {"cookie": "; ".join(f"{k}={v}" for k, v in jar.items() if v)}

    with TestClient(app, base_url="http://dangan.example", follow_redirects=False) as client:
        page = client.get("/login", params={"lang": "en"})
        first = keep(page)
        assert {"dangan_lang", f"{prefix}dangan_login_csrf"} <= set(first)
        client.cookies.clear()
        done = client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)}, headers=sent())
        second = keep(done)
        assert {f"{prefix}dangan_session", "dangan_lang"} <= set(second)
        client.cookies.clear()
        token = csrf_of(client.get("/tasks", headers=sent()).text)
        client.cookies.clear()
        switched = client.post("/lang", data={"lang": "zh", "back": "/tasks",
                                              "csrf_token": token}, headers=sent())
        third = keep(switched)
        assert "dangan_lang" in third
        client.cookies.clear()
        out = client.post("/logout", data={"csrf_token": token}, headers=sent())
        fourth = keep(out)
        assert "dangan_flash" in fourth
    for found in (first, second, third, fourth):
        for name, cookie in found.items():
            assert _secure(cookie) is setting, (name, cookie)
            assert cookie.count("secure") <= 1
