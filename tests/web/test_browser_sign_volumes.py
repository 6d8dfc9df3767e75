"""A real browser: two sorters who each recorded one volume of a batch and handed it back,
leaving the work, each sign their own volume on the batch page (the form ticks the signer's
volume, not the other's) and the batch moves on to 扫描."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.domain import workflow as wf
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import init_project
from dangan.services.sorting import record_sorting
from web.browser import ARGS, chromium_or_skip, only_this_server, see, serve, sign_in
from web.support import Line, build_line


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Line]]:
    ctx = init_project(Path(tmp_path_factory.mktemp("web")) / "proj", "court", name="浏览器测试")
    line = build_line(ctx, volumes=2)
    with serve(ctx.home) as base:
        yield base, line


def test_each_sorter_signs_their_own_volume(chromium_path: str,
                                            served: tuple[str, Line]) -> None:
    from playwright.sync_api import sync_playwright

    base, line = served
    code = line.batches[0]
    vols = line.volume_codes(code)
    for name, volume in (("李整", vols[0]), ("李整二", vols[1])):
        actor = resolve_actor(line.ctx, name)
        engine.claim(line.ctx, actor, code)
        record_sorting(line.ctx, actor, volume, 40)
        engine.hand_back(line.ctx, actor, code, leave_work="临时调岗")
    foreign: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        try:
            for login, name, mine, theirs in (("sorter", "李整", vols[0], vols[1]),
                                              ("sorter2", "李整二", vols[1], None)):
                engine.claim(line.ctx, resolve_actor(line.ctx, name), code)
                context = browser.new_context()
                context.route("**/*", only_this_server(base, foreign))
                page = context.new_page()
                sign_in(page, base, login)
                page.goto(f"{base}/batches/{code}")
                assert page.locator(f"input[name=volume][value='{mine}']").is_checked()
                if theirs is not None:
                    assert not page.locator(f"input[name=volume][value='{theirs}']").is_checked()
                    see(page, "李整二 记录")
                page.get_by_role("button", name="签字").click()
                see(page, f"已签字：小批次 {code} 整理，1 卷")
                if theirs is not None:
                    engine.hand_back(line.ctx, resolve_actor(line.ctx, name), code)
                context.close()
        finally:
            browser.close()
    assert line.batch(code) == (wf.SCAN, wf.WAITING)
    assert foreign == []
