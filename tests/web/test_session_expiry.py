"""An htmx request whose session expired (live validation, a boosted form) does not navigate
away from what the user typed: 401, nothing swapped, the notice out of band with a login link
that returns to the page; a boosted link goes to the login form and back. Login follows only
a same-site ``next``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dangan.i18n import t
from dangan.services.project import init_project
from web.browser import ARGS, chromium_or_skip, only_this_server, see, serve, sign_in
from web.support import PASSWORD, Line, build_line, csrf_of, login

HERE = "http://testserver/index/3?tab=items"


def test_htmx_request_with_an_expired_session_keeps_the_page(
        app_client: TestClient, line: Line) -> None:
    login(app_client, "sorter")
    app_client.cookies.clear()  # the session is gone (idle timeout, logout elsewhere)
    for method, url in (("GET", "/tasks"), ("POST", "/logout")):
        response = app_client.request(method, url, headers={
            "HX-Request": "true", "HX-Current-URL": HERE, "X-CSRF-Token": "stale"})
        assert response.status_code == 401, (url, response.text)
        assert "HX-Redirect" not in response.headers and response.headers["HX-Reswap"] == "none"
        assert t("web_forms.session_expired") in response.text
        assert 'data-key="web_forms.session_expired"' in response.text
        assert 'hx-swap-oob="true"' in response.text and 'id="session-notice"' in response.text
        assert "/login?next=%2Findex%2F3%3Ftab%3Ditems" in response.text
    foreign = app_client.post("/logout", headers={
        "HX-Request": "true", "HX-Current-URL": "https://evil.example/index/3"})
    assert foreign.status_code == 401 and "next=%2Ftasks" in foreign.text
    boosted = app_client.get("/tasks", headers={"HX-Request": "true", "HX-Boosted": "true",
                                                "HX-Current-URL": HERE})
    assert boosted.status_code == 401 and boosted.headers["HX-Redirect"] == "/login?next=%2Ftasks"


def test_login_returns_to_a_same_site_page_only(app_client: TestClient, line: Line) -> None:
    for given, lands in (("/index/3?tab=items", "/index/3?tab=items"),
                         ("//evil.example/x", "/tasks"), ("https://evil.example/", "/tasks"),
                         ("/\\evil.example", "/tasks")):
        app_client.cookies.clear()
        form = app_client.get(f"/login?next={given}")
        assert form.status_code == 200
        done = app_client.post("/login", data={
            "login": "sorter", "password": PASSWORD, "next": given,
            "csrf_token": csrf_of(form.text)})
        assert done.status_code == 303 and done.headers["location"] == lands, (given, done.text)


def test_the_notice_has_its_place_on_every_page(app_client: TestClient, line: Line) -> None:
    login(app_client, "sorter")
    assert '<div id="session-notice"' in app_client.get("/tasks").text


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


def test_browser_keeps_the_typed_page_when_the_session_is_gone(chromium: str,
                                                                tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ctx = init_project(tmp_path / "proj", "court", name="会话过期测试")
    build_line(ctx)
    foreign: list[str] = []
    with serve(ctx.home) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            context = browser.new_context()
            context.route("**/*", only_this_server(base, foreign))
            page = context.new_page()
            sign_in(page, base, "sorter")
            page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                          " '<input id=\"typed\">')")
            page.fill("#typed", "张某3盗窃案卷")
            context.clear_cookies()  # the session is gone
            page.evaluate("htmx.ajax('POST', '/logout', {target: 'main'})")
            see(page, t("web_forms.session_expired"))
            assert page.url == f"{base}/tasks"
            assert page.input_value("#typed") == "张某3盗窃案卷"
            link = page.locator("#session-notice a").get_attribute("href")
            assert link == "/login?next=%2Ftasks"
        finally:
            browser.close()
    assert foreign == []
