"""A real browser (Playwright driving Debian's Chromium) against ``dangan serve``'s app in a
thread: a sorter claims a batch and signs it off, a scan operator then sees it waiting — and
no page may request any address but the server's."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import init_project
from dangan.services.rebind import record_sorting
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Line, build_line

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        reason = f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Line]]:
    """One server for the session: the app on a free port, in a thread."""
    ctx = init_project(Path(tmp_path_factory.mktemp("web")) / "proj", "court", name="浏览器测试")
    line = build_line(ctx)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(WebSettings(project=ctx.home)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", line
    server.should_exit = True
    thread.join(timeout=10)


def _sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/tasks")


def _see(page: Any, text: str) -> None:
    """Wait for ``text`` on the page; on failure show what the page shows instead."""
    try:
        page.get_by_text(text).first.wait_for(timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"{text!r} not shown; the page is:\n{page.content()}") from exc


def test_sorter_claims_and_signs_then_the_scan_operator_sees_it(
        chromium_path: str, served: tuple[str, Line]) -> None:
    from playwright.sync_api import sync_playwright

    base, line = served
    code = line.batches[0]
    foreign: list[str] = []

    def only_our_server(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/") or url == base:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        try:
            sorter = browser.new_context()
            sorter.route("**/*", only_our_server)
            page = sorter.new_page()
            _sign_in(page, base, "sorter")
            # someone else takes the second batch meanwhile: the refusal is shown in the page
            other = line.batches[1]
            engine.claim(line.ctx, resolve_actor(line.ctx, "李整二"), other)
            page.locator(f"tr[data-batch='{other}']").get_by_role("button", name="领取").click()
            _see(page, "已由 李整二 领取")
            page.goto(f"{base}/tasks")
            row = page.locator(f"tr[data-batch='{code}']")
            row.get_by_role("button", name="领取").click()
            _see(page, f"已领取小批次 {code}")
            actor = resolve_actor(line.ctx, "李整")  # the sorting records, by the services
            for archive_code in line.volume_codes(code):
                record_sorting(line.ctx, actor, archive_code, 40)
            page.goto(f"{base}/batches/{code}")
            page.fill("input[name=remarks]", "拆除订书钉，已编页码")
            page.get_by_role("button", name="签字").click()
            _see(page, f"已签字：小批次 {code}")
            assert page.locator("td.remarks", has_text="拆除订书钉，已编页码").count() == 1
            sorter.close()

            scanner = browser.new_context()
            scanner.route("**/*", only_our_server)
            page = scanner.new_page()
            _sign_in(page, base, "scanner")
            waiting = page.locator(f"tr[data-batch='{code}']")
            assert waiting.get_by_role("button", name="领取").count() == 1
            page.fill("#scan-code", f"dangan:浏览器测试:work_batch:1:{code}")
            page.press("#scan-code", "Enter")
            page.wait_for_url(f"{base}/batches/*")
            assert page.locator("td", has_text="李整").count() >= 1
            scanner.close()
        finally:
            browser.close()
    assert line.batch(code) == ("scan", "waiting")
    assert foreign == []
