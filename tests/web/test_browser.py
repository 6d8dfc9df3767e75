"""A real browser (Playwright driving Debian's Chromium) against ``dangan serve``'s app in a
thread: a sorter claims a batch and signs it off, a scan operator then sees it waiting — and
no page may request any address but the server's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import init_project
from dangan.services.sorting import record_sorting
from web.browser import ARGS, chromium_or_skip, only_this_server, see, serve, sign_in
from web.support import Line, build_line


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Line]]:
    """One server for the session: the app on a free port, in a thread."""
    ctx = init_project(Path(tmp_path_factory.mktemp("web")) / "proj", "court", name="浏览器测试")
    line = build_line(ctx)
    with serve(ctx.home) as base:
        yield base, line


def test_sorter_claims_and_signs_then_the_scan_operator_sees_it(
        chromium_path: str, served: tuple[str, Line]) -> None:
    from playwright.sync_api import sync_playwright

    base, line = served
    code = line.batches[0]
    foreign: list[str] = []

    only_our_server = only_this_server(base, foreign)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        try:
            sorter = browser.new_context()
            sorter.route("**/*", only_our_server)
            page = sorter.new_page()
            sign_in(page, base, "sorter")
            # someone else takes the second batch meanwhile: the refusal is shown in the page
            other = line.batches[1]
            engine.claim(line.ctx, resolve_actor(line.ctx, "李整二"), other)
            page.locator(f"tr[data-batch='{other}']").get_by_role("button", name="领取").click()
            see(page, "已由 李整二 领取")
            page.goto(f"{base}/tasks")
            row = page.locator(f"tr[data-batch='{code}']")
            row.get_by_role("button", name="领取").click()
            see(page, f"已领取小批次 {code}")
            actor = resolve_actor(line.ctx, "李整")  # the sorting records, by the services
            for archive_code in line.volume_codes(code):
                record_sorting(line.ctx, actor, archive_code, 40)
            page.goto(f"{base}/batches/{code}")
            page.fill("input[name=remarks]", "拆除订书钉，已编页码")
            page.get_by_role("button", name="签字").click()
            see(page, f"已签字：小批次 {code}")
            assert page.locator("td.remarks", has_text="拆除订书钉，已编页码").count() == 1
            sorter.close()

            scanner = browser.new_context()
            scanner.route("**/*", only_our_server)
            page = scanner.new_page()
            sign_in(page, base, "scanner")
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


def test_the_dashboard_draws_its_charts_from_this_server_only(
        chromium_path: str, served: tuple[str, Line]) -> None:
    """The administrator opens the manager's dashboard from the nav line: ECharts (vendored)
    draws every chart in the page, no script error, and no request leaves the server."""
    from playwright.sync_api import sync_playwright

    base, _line = served
    foreign: list[str] = []
    errors: list[str] = []

    only_our_server = only_this_server(base, foreign)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        try:
            context = browser.new_context()
            context.route("**/*", only_our_server)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(page, base, "admin")
            page.get_by_role("link", name="看板").click()
            page.wait_for_url(f"{base}/dashboard")
            for chart in ("burnup", "throughput", "defects", "pay"):
                page.locator(f"#chart-{chart} canvas").first.wait_for(timeout=15_000)
            context.close()
        finally:
            browser.close()
    assert errors == [] and foreign == []
