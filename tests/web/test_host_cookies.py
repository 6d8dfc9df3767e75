"""Over HTTPS the session cookie and the login form's CSRF cookie carry the ``__Host-`` prefix
(Secure, Path=/, no Domain: only this host can set them, so another host of the domain or a
plain-HTTP page cannot plant or shadow one); the server knows HTTPS from the request's scheme —
behind the reverse proxy from its ``X-Forwarded-Proto``, as ``dangan serve`` trusts it — or from
``DANGAN_WEB_SECURE_COOKIES=1``. Over plain HTTP, local use, the names stay as they were."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, Line, csrf_of


def _set(response: object) -> dict[str, list[str]]:
    """Each cookie a response sets: name -> its attributes, lower case."""
    out: dict[str, list[str]] = {}
    for line in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        name = line.split("=", 1)[0]
        out[name] = [part.strip().lower() for part in line.split(";")[1:]]
    return out


def _host_only(attributes: list[str]) -> None:
    assert "secure" in attributes and "path=/" in attributes, attributes
    assert not any(a.startswith("domain") for a in attributes), attributes


def _sign_in(client: TestClient, headers: dict[str, str] | None = None
             ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    page = client.get("/login", headers=headers)
    done = client.post("/login", headers=headers, data={
        "login": "sorter", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303, done.text
    return _set(page), _set(done)


def test_over_https_the_session_and_login_cookies_are_host_cookies(line: Line,
                                                                    clock: Clock) -> None:
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="https://dangan.example", follow_redirects=False) as client:
        form, signed = _sign_in(client)
        _host_only(form["__Host-dangan_login_csrf"])
        _host_only(signed["__Host-dangan_session"])
        assert "dangan_session" not in signed and "dangan_login_csrf" not in form
        assert "max-age=0" in signed["__Host-dangan_login_csrf"]  # used: dropped
        secret = client.cookies.get("__Host-dangan_session")
        token = csrf_of(client.get("/tasks").text)
        client.cookies.clear()
        # a cookie without the prefix (planted by another host) opens nothing over HTTPS
        client.cookies.set("dangan_session", secret or "")
        refused = client.get("/tasks")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        client.cookies.clear()
        client.cookies.set("__Host-dangan_session", secret or "")
        assert client.get("/tasks").status_code == 200
        out = client.post("/logout", data={"csrf_token": token})
        _host_only(_set(out)["__Host-dangan_session"])
        assert "max-age=0" in _set(out)["__Host-dangan_session"]


def test_behind_the_proxy_the_forwarded_scheme_decides(line: Line, clock: Clock) -> None:
    """``dangan serve`` runs uvicorn with ``proxy_headers``: nginx's ``X-Forwarded-Proto:
    https`` makes the request an HTTPS one, without any setting."""
    inner: Any = create_app(WebSettings(project=line.ctx.home, clock=clock))
    app: Any = ProxyHeadersMiddleware(inner, trusted_hosts="*")
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        page = client.get("/login", headers=https)
        _host_only(_set(page)["__Host-dangan_login_csrf"])
        client.cookies.clear()  # the browser, on https, sends it back: by hand here
        token = csrf_of(page.text)
        done = client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                           "csrf_token": token},
                           headers={**https, "cookie": f"__Host-dangan_login_csrf={token}"})
        assert done.status_code == 303, done.text
        _host_only(_set(done)["__Host-dangan_session"])
        secret = done.cookies.get("__Host-dangan_session")
        client.cookies.clear()
        tasks = client.get("/tasks", headers={**https,
                                              "cookie": f"__Host-dangan_session={secret}"})
        assert tasks.status_code == 200


def test_plain_http_keeps_the_plain_names(line: Line, clock: Clock) -> None:
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        form, signed = _sign_in(client)
        assert "path=/login" in form["dangan_login_csrf"]
        assert "secure" not in signed["dangan_session"]
        assert not any(name.startswith("__Host-") for name in (*form, *signed))
        assert client.get("/tasks").status_code == 200
