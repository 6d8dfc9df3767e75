"""一稿双录 at the indexing desk: two indexers key a volume's catalogue independently (the second
never sees the first), the differences are shown field by field and character by character to
a third indexer, and only a complete resolution is accepted as the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import CatalogueKeying, Item, StageEvent, VolumeRecord
from dangan.domain import workflow as wf
from dangan.services import engine, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, init_project
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.browser import ARGS, chromium_or_skip, only_this_server, see, serve, sign_in
from web.images import Pages, add_image_accounts, to_stage
from web.support import PASSWORD, Clock, Line, build_line, login

KEYERS = {"keyer1": "孙录", "keyer2": "周录"}  # 钱标 (login "indexer") holds the batch


def _double_keying_on(ctx: ProjectContext) -> None:
    toml = ctx.home / "dangan.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[catalogue]\n" in text
    toml.write_text(text.replace("[catalogue]\n", "[catalogue]\ndouble_keying = true\n", 1),
                    encoding="utf-8")


def _prepare(line: Line) -> list[Pages]:
    add_image_accounts(line.ctx)
    for login_name, name in KEYERS.items():
        workers.add_worker(line.ctx, name, [wf.INDEXER])
        add_user(line.ctx, login_name, PASSWORD, worker=name, roles=[wf.INDEXER])
    code = line.batches[0]
    made = to_stage(line, code, wf.INDEX, pages=4)
    engine.claim(line.ctx, resolve_actor(line.ctx, "钱标"), code)
    _double_keying_on(line.ctx)
    return made


@pytest.fixture
def keyed(line: Line, clock: Clock) -> Iterator[tuple[TestClient, Line, int]]:
    made = _prepare(line)
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, line, made[0].volume_id


def _form(csrf: str, title: str, rows: list[tuple[str, str, str, str, str]]) -> dict[str, Any]:
    form: dict[str, Any] = {"csrf_token": csrf, "r.title": title, "r.item_count": "",
                            "r.page_count": ""}
    for i, name in enumerate(("seq", "title", "date", "page_start", "page_end")):
        form[f"e.{name}"] = [r[i] for r in rows]
    return form


FIRST = [("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "4")]
SECOND = [("1", "起訴状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "4")]
JSON = {"Accept": "application/json"}


def test_two_keyings_differences_resolved_by_a_third(keyed: tuple[TestClient, Line, int]) -> None:
    client, line, vid = keyed
    # keying 1
    csrf = login(client, "keyer1")
    desk = client.get(f"/index/{vid}").text
    assert 'data-round="1"' in desk and f'action="/index/{vid}/keying"' in desk
    direct = client.post(f"/index/{vid}/save", data=_form(csrf, "民事卷", FIRST), headers=JSON)
    assert direct.status_code == 409 and direct.json()["key"] == "keying.required"
    bad = client.post(f"/index/{vid}/keying", headers=JSON, data=_form(
        csrf, "民事卷", [("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "9")]))
    assert bad.status_code == 422 and bad.json()["key"] == "keying.rejected"
    assert client.post(f"/index/{vid}/keying",
                       data=_form(csrf, "民事卷", FIRST)).status_code == 303
    again = client.get(f"/index/{vid}").text  # the keyer sees their own keying
    assert 'value="起诉状"' in again and 'data-round="1"' in again
    own_diff = client.get(f"/index/{vid}/resolve", headers=JSON)
    assert own_diff.status_code == 409 and own_diff.json()["key"] == "keying.not_both"
    assert f'data-volume="{vid}"' not in client.get("/tasks").text  # nothing more to do here
    # keying 2: a blank desk, nothing of keying 1 on it
    csrf = login(client, "keyer2")
    todo = client.get("/api/v1/tasks").json()["keying"]
    assert {"volume_id": vid, "archive_code": todo[0]["archive_code"], "action": "key",
            "round": 2} in todo
    blank = client.get(f"/index/{vid}").text
    assert 'data-round="2"' in blank
    assert "起诉状" not in blank and "民事卷" not in blank and "19970310" not in blank
    peek = client.get(f"/index/{vid}/resolve", headers=JSON)
    assert peek.status_code == 409 and "起诉状" not in peek.text
    assert client.post(f"/index/{vid}/keying",
                       data=_form(csrf, "民事案卷", SECOND)).status_code == 303
    mine = client.get(f"/index/{vid}").text
    assert 'value="起訴状"' in mine and 'value="起诉状"' not in mine and "民事卷" not in mine
    locked = client.post(f"/index/{vid}/keying", data=_form(csrf, "x", SECOND), headers=JSON)
    assert locked.status_code == 409 and locked.json()["key"] == "keying.both_in"
    # neither keyer may resolve; the list shows the state
    peek = client.get(f"/index/{vid}/resolve", headers=JSON)
    assert peek.status_code == 409 and peek.json()["key"] == "keying.keyer_resolves"
    assert "起诉状" not in peek.text
    csrf = login(client, "keyer1")
    assert client.get(f"/index/{vid}/resolve", headers=JSON).json()["key"] == \
        "keying.keyer_resolves"
    assert "起訴状" not in client.get(f"/index/{vid}").text
    # the third person: redirected to the differences, each marked character by character
    assert f'data-volume="{vid}"' not in client.get("/tasks").text
    csrf = login(client, "indexer")
    assert 'data-state="both"' in client.get("/index").text
    tasks = client.get("/tasks").text
    assert f'data-volume="{vid}" data-action="resolve"' in tasks
    assert f'href="/index/{vid}/resolve"' in tasks
    to = client.get(f"/index/{vid}")
    assert to.status_code == 303 and to.headers["location"] == f"/index/{vid}/resolve"
    page = client.get(f"/index/{vid}/resolve").text
    assert 'data-key="record.title"' in page and 'data-key="entry.1.title"' in page
    assert page.count('class="diff"') == 2
    assert '<mark class="del">诉</mark>' in page and '<mark class="ins">訴</mark>' in page
    assert '<mark class="ins">案</mark>' in page  # 民事[∅→案]卷
    half = client.post(f"/index/{vid}/resolve", headers=JSON,
                       data={"csrf_token": csrf, "c.record.title": "second"})
    assert half.status_code == 422 and half.json()["key"] == "keying.unresolved"
    with line.ctx.transaction() as session:
        assert session.scalar(select(Item.id).where(Item.volume_id == vid)) is None
    done = client.post(f"/index/{vid}/resolve", data={
        "csrf_token": csrf, "c.record.title": "other", "o.record.title": "民事案件卷",
        "c.entry.1.title": "first"})
    assert done.status_code == 303, done.text
    with line.ctx.transaction() as session:
        items = session.scalars(select(Item).where(Item.volume_id == vid)
                                .order_by(Item.seq)).all()
        assert [(i.title, i.page_start, i.page_end) for i in items] == \
            [("起诉状", 1, 2), ("答辩状", 3, 4)]
        rec = session.scalar(select(VolumeRecord).where(VolumeRecord.volume_id == vid))
        assert rec is not None and rec.fields["title"] == "民事案件卷"
        rounds = session.scalars(select(CatalogueKeying).where(
            CatalogueKeying.volume_id == vid).order_by(CatalogueKeying.id)).all()
        assert [k.round for k in rounds] == [1, 2, 3]
        assert len({k.worker_id for k in rounds}) == 3
        chosen = {(c["where"], c["field"]): c["chosen"] for c in rounds[2].differences}
        assert chosen == {("record", "title"): "other", ("entry", "title"): "first"}
        signed = session.scalar(select(StageEvent.person).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.INDEX,
            StageEvent.volume_id == vid))
        assert signed == "钱标"  # the resolver holds the batch: the index stage is signed
    # accepted: the desk is the ordinary one (corrections), the keyings are closed
    accepted = client.get(f"/index/{vid}").text
    assert 'data-round=' not in accepted and 'value="民事案件卷"' in accepted
    late = client.post(f"/index/{vid}/keying", data=_form(csrf, "x", FIRST), headers=JSON)
    assert late.status_code == 409 and late.json()["key"] == "keying.already_accepted"


def test_agreeing_keyings_are_accepted_and_a_keyer_may_resubmit(
        keyed: tuple[TestClient, Line, int]) -> None:
    client, line, vid = keyed
    csrf = login(client, "keyer1")
    assert client.post(f"/index/{vid}/keying", data=_form(csrf, "卷", SECOND)).status_code == 303
    assert client.post(f"/index/{vid}/keying", data=_form(csrf, "卷", FIRST)).status_code == 303
    csrf = login(client, "keyer2")
    saved = client.post(f"/index/{vid}/keying", data=_form(csrf, "卷", FIRST))
    assert saved.status_code == 303
    with line.ctx.transaction() as session:
        assert [k.round for k in session.scalars(select(CatalogueKeying).where(
            CatalogueKeying.volume_id == vid).order_by(CatalogueKeying.id))] == [1, 1, 2, 3]
        assert [i.title for i in session.scalars(select(Item).where(
            Item.volume_id == vid).order_by(Item.seq))] == ["起诉状", "答辩状"]


def test_single_keying_projects_are_unchanged(app_client: TestClient, line: Line) -> None:
    made = _prepare(line)  # the running app read dangan.toml before double keying was set
    csrf = login(app_client, "indexer")
    refused = app_client.post(f"/index/{made[0].volume_id}/keying", headers=JSON,
                              data=_form(csrf, "卷", FIRST))
    assert refused.status_code == 409 and refused.json()["key"] == "keying.not_enabled"
    assert 'data-round=' not in app_client.get(f"/index/{made[0].volume_id}").text


@pytest.fixture
def served_keying(tmp_path: Path) -> Iterator[tuple[str, Line, int]]:
    ctx = init_project(tmp_path / "proj", "court", name="双人录入浏览器测试")
    line = build_line(ctx)
    made = _prepare(line)
    with serve(ctx.home) as base:
        yield base, line, made[0].volume_id


def test_double_keying_in_the_browser(served_keying: tuple[str, Line, int]) -> None:
    from playwright.sync_api import sync_playwright

    chromium = chromium_or_skip()
    base, line, vid = served_keying
    foreign: list[str] = []
    record1 = ["某法院", "民事", "张三诉李四借款纠纷", "19970301", "19970310", "永久", "2", "4", ""]
    record2 = ["某法院", "民事", "张三诉李四借款纠纷", "19970301", "19970310", "永久", "2", "4", ""]
    rows1 = [["1", "", "张三", "起诉状", "19970301", "1", "2", ""],
             ["", "李四", "答辩状", "19970310", "3", "4"]]
    rows2 = [["1", "", "张三", "起诉书", "19970301", "1", "2", ""],
             ["", "李四", "答辩状", "19970311", "3", "4"]]

    def key_in(page: Any, record: list[str], rows: list[list[str]]) -> None:
        page.focus("#r-fonds_name")
        for value in [*record, *rows[0], *rows[1]]:
            if value:
                page.keyboard.type(value)
            page.keyboard.press("Enter")
        see(page, "校验通过")
        page.keyboard.press("Alt+s")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            for login_name, record, rows, said in (
                    ("keyer1", record1, rows1, "已提交第一遍录入"),
                    ("keyer2", record2, rows2, "2 处差异")):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.route("**/*", only_this_server(base, foreign))
                page = context.new_page()
                sign_in(page, base, login_name)
                page.goto(f"{base}/index/{vid}")
                if login_name == "keyer2":  # never sees keying 1
                    assert page.locator("#keying-round").get_attribute("data-round") == "2"
                    values = page.eval_on_selector_all(
                        "#index-form input.cell", "els => els.map(e => e.value)")
                    assert not any(values), values
                    assert "起诉状" not in page.content()
                key_in(page, record, rows)
                see(page, said)
                if login_name == "keyer2":
                    page.goto(f"{base}/index/{vid}/resolve")
                    see(page, "须由第三人核对")
                    assert "起诉状" not in page.content()
                context.close()

            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", only_this_server(base, foreign))
            page = context.new_page()
            sign_in(page, base, "indexer")
            page.goto(f"{base}/index/{vid}")
            page.wait_for_url(f"{base}/index/{vid}/resolve")
            assert page.locator("tr.diff").count() == 2
            assert page.locator("#diffs mark.del").first.inner_text() == "状"
            assert page.locator("#diffs mark.ins").first.inner_text() == "书"
            assert page.locator("#resolve-accept").is_disabled()
            page.locator("tr[data-key='entry.1.title'] input[value=first]").check()
            assert page.locator("#resolve-accept").is_disabled()
            page.locator("tr[data-key='entry.2.date'] input.own").fill("19970310")
            assert page.locator("#resolve-accept").is_enabled()
            page.click("#resolve-accept")
            see(page, "目录已入库")
            context.close()
        finally:
            browser.close()
    with line.ctx.transaction() as session:
        items = session.scalars(select(Item).where(Item.volume_id == vid)
                                .order_by(Item.seq)).all()
        assert [(i.title, i.date, i.page_start, i.page_end) for i in items] == [
            ("起诉状", "19970301", 1, 2), ("答辩状", "19970310", 3, 4)]
    assert foreign == []
