"""What every browser test shares: Debian's Chromium, the app served on a free loopback port in
a thread, signing in, and the guard that fails a test when a page asks any other address."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_or_skip() -> str:
    """Debian's Chromium; missing, it fails the run under CI=true and skips elsewhere."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        reason = f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(home: Path) -> Iterator[str]:
    """The project's web app on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(WebSettings(project=home)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/tasks")


def see(page: Any, text: str) -> None:
    """Wait for ``text`` on the page; on failure show what the page shows instead."""
    try:
        page.get_by_text(text).first.wait_for(timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"{text!r} not shown; the page is:\n{page.content()}") from exc


def only_this_server(base: str, foreign: list[str]) -> Callable[[Any], None]:
    """A Playwright route handler: requests to ``base`` go on, any other address is aborted
    and noted in ``foreign`` (a test asserts it stays empty)."""

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/") or url == base:
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    return handle
