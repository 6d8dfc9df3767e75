"""The indexing desk through HTTP: the project's fields beside the viewer, live validation by
the domain validator (gaps, overlaps, beyond the last page, dates, 件数/页数), saving through
the indexing service (which signs the index stage for the holder); roles and CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Item, VolumeRecord
from dangan.domain import workflow as wf
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import init_project
from dangan.storage.areas import Area
from web.browser import ARGS, see, serve, sign_in
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, build_line, login
from web.test_qc_desk import chromium  # noqa: F401  (fixture)


@pytest.fixture
def at_index(line: Line) -> tuple[str, list[Pages]]:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    made = to_stage(line, code, wf.INDEX, pages=4)
    engine.claim(line.ctx, resolve_actor(line.ctx, "钱标"), code)
    return code, made


def _form(csrf: str, rows: list[tuple[str, str, str, str, str]],
          record: dict[str, str] | None = None) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": csrf, "r.title": "民事案件卷", "r.item_count": "",
                               "r.page_count": ""}
    form.update({f"r.{k}": v for k, v in (record or {}).items()})
    for i, name in enumerate(("seq", "title", "date", "page_start", "page_end")):
        form[f"e.{name}"] = [r[i] for r in rows]
    return form


def test_fields_live_validation_and_save(app_client: TestClient, line: Line,
                                         at_index: tuple[str, list[Pages]]) -> None:
    _code, volumes = at_index
    vol = volumes[0]
    csrf = login(app_client, "indexer")
    assert f"/index/{vol.volume_id}" in app_client.get("/index").text
    desk = app_client.get(f"/index/{vol.volume_id}").text
    for name in ("r.fonds_name", "r.retention", "e.doc_no", "e.page_start", "e.remarks"):
        assert f'name="{name}"' in desk, name
    assert 'hx-post="/index/' in desk and "/static/js/index.js" in desk
    check = f"/index/{vol.volume_id}/check"
    cases = [
        ([("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "4", "4")],
         "catalogue_gap"),
        ([("1", "起诉状", "19970301", "1", "3"), ("2", "答辩状", "19970310", "3", "4")],
         "catalogue_overlap"),
        ([("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "9")],
         "catalogue_beyond_last_page"),
        ([("1", "起诉状", "1997-13-45", "1", "2"), ("2", "答辩状", "19970310", "3", "4")],
         "catalogue_bad_date"),
    ]
    for rows, code_expected in cases:
        html = app_client.post(check, data=_form(csrf, rows)).text
        assert 'id="problems"' in html
        assert f'data-code="{code_expected}"' in html, (code_expected, html)
    counts = app_client.post(check, data=_form(
        csrf, [("1", "起诉状", "19970301", "1", "4")], {"item_count": "2", "page_count": "4"}))
    assert 'data-code="catalogue_item_count"' in counts.text
    good = [("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "4")]
    ok = app_client.post(check, data=_form(csrf, good, {"item_count": "2", "page_count": "4"}))
    assert "校验通过" in ok.text
    # a rejected save changes nothing
    bad = app_client.post(f"/index/{vol.volume_id}/save", data=_form(csrf, cases[0][0]),
                          headers={"Accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["key"] == "index.desk_refused"
    assert any("不属于任何一件" in d for d in bad.json()["details"]), bad.json()  # the gap, said
    saved = app_client.post(f"/index/{vol.volume_id}/save",
                            data=_form(csrf, good, {"item_count": "2", "page_count": "4"}))
    assert saved.status_code == 303, saved.text
    with line.ctx.transaction() as session:
        items = session.scalars(select(Item).where(Item.volume_id == vol.volume_id)
                                .order_by(Item.seq)).all()
        assert [(i.title, i.page_start, i.page_end) for i in items] == \
            [("起诉状", 1, 2), ("答辩状", 3, 4)]
        rec = session.scalar(select(VolumeRecord).where(VolumeRecord.volume_id == vol.volume_id))
        assert rec is not None and rec.fields["title"] == "民事案件卷"
    assert line.ctx.storage.fs.ls(line.ctx.storage.path(Area.CATALOGUE.value))  # a copy kept
    again = app_client.get(f"/index/{vol.volume_id}").text
    assert 'value="答辩状"' in again


def test_roles_and_csrf(app_client: TestClient, at_index: tuple[str, list[Pages]]) -> None:
    _code, volumes = at_index
    json = {"Accept": "application/json"}
    csrf = login(app_client, "qc")
    refused = app_client.post(f"/index/{volumes[0].volume_id}/save", data={"csrf_token": csrf},
                              headers=json)
    assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"
    login(app_client, "indexer")
    no_csrf = app_client.post(f"/index/{volumes[0].volume_id}/save", data={}, headers=json)
    assert no_csrf.status_code == 403 and no_csrf.json()["key"] == "web.csrf_failed"


@pytest.fixture
def served_at_index(tmp_path: Path) -> Iterator[tuple[str, Line, int]]:
    """The app on a free port in a thread; the first batch held by the indexer."""
    ctx = init_project(tmp_path / "proj", "court", name="著录浏览器测试")
    line = build_line(ctx)
    add_image_accounts(ctx)
    code = line.batches[0]
    made = to_stage(line, code, wf.INDEX, pages=4)
    engine.claim(ctx, resolve_actor(ctx, "钱标"), code)
    with serve(ctx.home) as base:
        yield base, line, made[0].volume_id


def test_an_indexer_keys_a_catalogue_with_the_keyboard_only(
        request: pytest.FixtureRequest, served_at_index: tuple[str, Line, int]) -> None:
    from playwright.sync_api import sync_playwright

    browser_path = request.getfixturevalue("chromium")
    base, line, volume_id = served_at_index
    foreign: list[str] = []

    def only_our_server(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    # record: fonds, category, title, start, end, retention, 件数, 页数, security class
    record = ["某法院", "民事", "张三诉李四借款纠纷", "19970301", "19970310", "永久", "2", "4", ""]
    # rows: seq, doc_no, author, title, date, from, to, remarks (row 2: seq and from prefilled)
    row1 = ["1", "", "张三", "起诉状", "19970301", "1", "2", ""]
    row2 = ["", "李四", "答辩状", "19970310", "3", "4"]  # from doc_no on; "3" retyped
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", only_our_server)
            page = context.new_page()
            sign_in(page, base, "indexer")
            page.goto(f"{base}/index/{volume_id}")
            page.focus("#r-fonds_name")
            for value in [*record, *row1, *row2]:
                if value:
                    page.keyboard.type(value)
                page.keyboard.press("Enter")
            see(page, "校验通过")
            page.keyboard.press("Alt+s")
            see(page, "已保存 2 条目录")
            context.close()
        finally:
            browser.close()
    with line.ctx.transaction() as session:
        items = session.scalars(select(Item).where(Item.volume_id == volume_id)
                                .order_by(Item.seq)).all()
        assert [(i.seq, i.author, i.title, i.date, i.page_start, i.page_end) for i in items] == [
            (1, "张三", "起诉状", "19970301", 1, 2), (2, "李四", "答辩状", "19970310", 3, 4)]
    assert foreign == []
