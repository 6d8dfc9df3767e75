"""The QC desk through HTTP: claim, the sample by a given seed, a defect marked as a box with
its cause, the verdict, the rework in the responsible worker's list with the page and box, the
rework done and re-inspected; roles and CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Defect, QCInspection, Rework
from dangan.domain import workflow as wf
from dangan.services import qc
from dangan.services.project import init_project
from web.browser import ARGS, chromium_or_skip, only_this_server, see, serve, sign_in
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, build_line, login


@pytest.fixture
def at_qc(line: Line) -> tuple[str, list[Pages]]:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    return code, to_stage(line, code, wf.QC)


@pytest.fixture
def at_qc_items(line: Line) -> tuple[str, list[Pages]]:
    """The first batch at QC, its catalogue given at 标引 by ``_items_one_per_volume``."""
    add_image_accounts(line.ctx)
    code = line.batches[0]
    return code, to_stage(line, code, wf.QC,
                          catalogue=lambda _made: _items_one_per_volume(line, code))


def _claim_and_draw(client: TestClient, code: str, seed: str = "12345") -> str:
    csrf = login(client, "qc")
    assert client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    drawn = client.post(f"/qc/{code}/sample", data={"csrf_token": csrf, "seed": seed})
    assert drawn.status_code == 303
    return csrf


def test_sample_by_seed_defect_with_box_and_rework_list(app_client: TestClient, line: Line,
                                                        at_qc: tuple[str, list[Pages]]) -> None:
    code, volumes = at_qc
    csrf = _claim_and_draw(app_client, code)
    assert code in app_client.get("/qc").text
    with line.ctx.transaction() as session:
        inspection = session.scalar(select(QCInspection))
        assert inspection is not None and inspection.seed == 12345
        inspection_id = inspection.id
    assert qc.redraw(line.ctx, inspection_id) == inspection.sample  # reproducible by the seed
    batch_page = app_client.get(f"/qc/{code}").text
    assert "12345" in batch_page and f"/qc/{code}/volume/{volumes[0].volume_id}" in batch_page
    desk = app_client.get(f"/qc/{code}/volume/{volumes[0].volume_id}?page=2").text
    assert 'id="defect-form"' in desk and "/static/js/mark.js" in desk
    saved = app_client.post(f"/qc/{code}/volume/{volumes[0].volume_id}/defect", data={
        "csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker",
        "box_x": "100", "box_y": "120.4", "box_w": "300", "box_h": "80", "message": "歪了"})
    assert saved.status_code == 303, saved.text
    with line.ctx.transaction() as session:
        defect = session.scalar(select(Defect).where(Defect.code == "skew"))
        assert defect is not None
        assert defect.data["box"] == [100, 120, 300, 80] and defect.cause == "worker"
        assert defect.page_no == 2 and defect.inspection_id == inspection_id
    decided = app_client.post(f"/qc/{code}/decide", data={"csrf_token": csrf})
    assert decided.status_code == 303
    assert line.batch(code)[1] == wf.IN_REWORK
    # the responsible retoucher sees the page and the box
    csrf_r = login(app_client, "retoucher")
    listing = app_client.get("/rework").text
    assert "100,120,300,80" in listing
    assert f"/pages/{volumes[0].volume_id}/2/thumb.jpg" in listing
    with line.ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id))
    # ... and in 我的任务 (page and API), with the page, the box and the link to the mark
    tasks = app_client.get("/tasks").text
    assert f'data-rework="{rework_id}"' in tasks and "100,120,300,80" in tasks
    assert f"/pages/{volumes[0].volume_id}/2/thumb.jpg" in tasks
    assert f'href="/rework/{rework_id}"' in tasks
    api = app_client.get("/api/v1/tasks").json()
    assert api["counts"]["reworks"] == 1
    assert api["reworks"][0]["box"] == [100, 120, 300, 80] and api["reworks"][0]["page"] == 2
    one = app_client.get(f"/rework/{rework_id}").text
    assert '"box": [100, 120, 300, 80]' in one and 'data-start="2"' in one
    done = app_client.post(f"/rework/{rework_id}/done", data={"csrf_token": csrf_r})
    assert done.status_code == 303
    assert f'data-rework="{rework_id}"' not in app_client.get("/tasks").text  # done: gone
    # another worker cannot see it
    login(app_client, "indexer")
    assert 'data-rework=' not in app_client.get("/tasks").text
    assert app_client.get(f"/rework/{rework_id}",
                          headers={"Accept": "application/json"}).status_code == 404
    # re-inspection: the defective unit is drawn again — the item (件) holding page 2, the one
    # item of the catalogue given at 标引 (pages 1-3)
    _claim_and_draw(app_client, code, seed="99")
    with line.ctx.transaction() as session:
        second = session.scalars(select(QCInspection).order_by(QCInspection.round)).all()[-1]
        keys = {(u["volume_id"], u["unit"], u["key"]) for u in second.sample}
    assert (volumes[0].volume_id, "item", 1) in keys


def test_original_paper_cause_and_bad_inputs(app_client: TestClient, line: Line,
                                             at_qc: tuple[str, list[Pages]]) -> None:
    code, volumes = at_qc
    csrf = _claim_and_draw(app_client, code)
    url = f"/qc/{code}/volume/{volumes[1].volume_id}/defect"
    json = {"Accept": "application/json"}
    ok = app_client.post(url, data={"csrf_token": csrf, "defect": "blurred", "page_no": "1",
                                    "cause": "original"})
    assert ok.status_code == 303
    with line.ctx.transaction() as session:
        d = session.scalar(select(Defect).where(Defect.code == "blurred"))
        assert d is not None and d.cause == "original" and "box" not in d.data
    for data, key in (({"defect": "nonsense"}, "qc.unknown_defect"),
                      ({"cause": "weather"}, "qc.bad_cause"),
                      ({"box_x": "1", "box_y": "1", "box_w": "0", "box_h": "5"}, "qc.bad_box"),
                      ({"box_x": "a", "box_y": "1", "box_w": "2", "box_h": "5"}, "qc.bad_box")):
        form = {"csrf_token": csrf, "defect": "skew", "page_no": "1", **data}
        refused = app_client.post(url, data=form, headers=json)
        assert refused.status_code == 422 and refused.json()["key"] == key, data
    # a volume of another batch is not reachable through this batch
    other = app_client.get(f"/qc/{code}/volume/999999", headers=json)
    assert other.status_code == 404


def test_roles_and_csrf(app_client: TestClient, line: Line,
                        at_qc: tuple[str, list[Pages]]) -> None:
    code, _ = at_qc
    json = {"Accept": "application/json"}
    csrf = login(app_client, "retoucher")
    assert app_client.get("/qc", headers=json).status_code == 403
    refused = app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}, headers=json)
    assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"
    login(app_client, "qc")
    no_csrf = app_client.post(f"/qc/{code}/claim", data={}, headers=json)
    assert no_csrf.status_code == 403 and no_csrf.json()["key"] == "web.csrf_failed"
    assert line.batch(code) == (wf.QC, wf.WAITING)


# --- in a real browser ---------------------------------------------------------------------

@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
def served_at_qc(tmp_path: Path) -> Iterator[tuple[str, Line, str]]:
    """The app on a free port in a thread, over a project whose first batch waits at QC."""
    ctx = init_project(tmp_path / "proj", "court", name="质检浏览器测试")
    line = build_line(ctx)
    add_image_accounts(ctx)
    code = line.batches[0]
    to_stage(line, code, wf.QC)
    with serve(ctx.home) as base:
        yield base, line, code


def test_inspector_marks_a_box_and_the_retoucher_sees_it(
        chromium: str, served_at_qc: tuple[str, Line, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, line, code = served_at_qc
    foreign: list[str] = []

    only_our_server = only_this_server(base, foreign)

    opened = ("() => { const v = document.getElementById('viewer');"
              " return !!(v && v.danganViewer && v.danganViewer.osd.world.getItemCount() > 0"
              " && v.danganViewer.osd.world.getItemAt(0).getFullyLoaded()); }")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            inspector = browser.new_context(viewport={"width": 1400, "height": 1000})
            inspector.route("**/*", only_our_server)
            page = inspector.new_page()
            sign_in(page, base, "qc")
            page.goto(f"{base}/qc/{code}")
            page.get_by_role("button", name="领取质检").click()
            see(page, f"已领取 {code}")
            page.fill("input[name=seed]", "4242")
            page.get_by_role("button", name="抽样").click()
            see(page, "种子 4242")
            page.get_by_role("link", name="打开").first.click()
            page.wait_for_function(opened, timeout=15_000)
            page.get_by_role("button", name="框选问题（M）").click()
            box = page.locator("#viewer-canvas").bounding_box()
            assert box is not None
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(cx - 60, cy - 80)
            page.mouse.down()
            page.mouse.move(cx, cy - 20, steps=5)
            page.mouse.move(cx + 60, cy + 40, steps=5)
            page.mouse.up()
            drawn = [int(page.input_value(f"#box-{k}")) for k in "xywh"]
            assert drawn[2] > 0 and drawn[3] > 0
            page.select_option("#defect-type", "skew")
            page.click("#defect-save")
            see(page, "已记录")
            page_no = int(page.input_value("#defect-page"))
            page.goto(f"{base}/qc/{code}")
            page.get_by_role("button", name="判定（按合格率规则）").click()
            see(page, "不合格或有问题待返工")
            inspector.close()

            retoucher = browser.new_context(viewport={"width": 1400, "height": 1000})
            retoucher.route("**/*", only_our_server)
            page = retoucher.new_page()
            sign_in(page, base, "retoucher")  # lands on 我的任务, where the rework is listed
            row = page.locator("tr.rework").first
            assert row.locator("td.box").inner_text() == ",".join(map(str, drawn))
            row.get_by_role("link", name="查看标记").click()
            page.wait_for_function(opened, timeout=15_000)
            page.locator(".mark-box.saved").first.wait_for(timeout=15_000)
            assert page.locator(".viewer-page").inner_text().startswith(f"{page_no} /")
            retoucher.close()
        finally:
            browser.close()
    with line.ctx.transaction() as session:
        defect = session.scalar(select(Defect).where(Defect.code == "skew"))
        rework = session.scalar(select(Rework))
        assert defect is not None and rework is not None
        assert defect.data["box"] == drawn and rework.defect_id == defect.id
        assert rework.assignee_id == defect.responsible_id
    assert foreign == []


# --- what the desk says: original-paper errors, the verdict's figures, the attempt, actions ---

def _items_one_per_volume(line: Line, code: str) -> None:
    """The catalogue the indexer would leave: one item (件) per volume over its 3 pages, so the
    sample is drawn of items."""
    from dangan.db.models import Item, Volume, WorkBatch

    with line.ctx.transaction() as session:
        batch_id = session.scalar(select(WorkBatch.id).where(WorkBatch.code == code))
        for vid in session.scalars(select(Volume.id).where(Volume.work_batch_id == batch_id)):
            session.add(Item(volume_id=vid, seq=1, title="请示", page_start=1, page_end=3))


def _followed(client: TestClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    return str(client.get(response.headers["location"]).text)


def test_item_sample_verdict_original_cause_and_attempt_label(
        app_client: TestClient, line: Line, at_qc_items: tuple[str, list[Pages]]) -> None:
    from dangan.i18n import t

    code, volumes = at_qc_items
    csrf = _claim_and_draw(app_client, code, seed="7")
    with line.ctx.transaction() as session:
        inspection = session.scalar(select(QCInspection))
        assert inspection is not None
        assert [u["unit"] for u in inspection.sample] == ["item", "item"]
    page = app_client.get(f"/qc/{code}").text
    assert t("qc_desk.inspection", round=1, size=2, population=2, seed=7) in page
    assert "第 1 轮" not in page
    # 原卷错误: recorded, charged to nobody (the retoucher is not named)
    shown = _followed(app_client, app_client.post(
        f"/qc/{code}/volume/{volumes[1].volume_id}/defect",
        data={"csrf_token": csrf, "defect": "skew", "page_no": "3", "cause": "original"}))
    from dangan.web.routes.qc_desk import defect_label

    said = t("qc_desk.defect_recorded_original", label=defect_label("skew"), page=3)
    assert said in shown and "赵修" not in shown
    row = shown.split('class="defect"', 1)[1].split("</tr>", 1)[0]
    assert t("qc_desk.not_charged") in row and "赵修" not in row
    # one item of the two is bad (a page inside it was marked): 1 of 2, as the service counts
    marked = _followed(app_client, app_client.post(
        f"/qc/{code}/volume/{volumes[0].volume_id}/defect",
        data={"csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker"}))
    assert "赵修" in marked
    with line.ctx.transaction() as session:
        d = session.scalar(select(Defect).where(Defect.cause == "worker"))
        assert d is not None and d.data["item_seq"] == 1 and d.item_id is not None
    decided = _followed(app_client, app_client.post(f"/qc/{code}/decide",
                                                    data={"csrf_token": csrf}))
    two = qc.inspected_words(2, 0, "item")  # both items drawn, none outside the sample
    assert t("web_images.qc.failed", rate="50.0%", defective=1, inspected=two) in decided
    assert t("qc_desk.verdict", rate="50.0%", inspected=two, defective=1) in decided
    assert "66.7%" not in decided and "1/3" not in decided


def test_after_a_pass_the_desk_offers_no_qc_action(app_client: TestClient, line: Line,
                                                   at_qc: tuple[str, list[Pages]]) -> None:
    from dangan.i18n import t

    code, _ = at_qc
    csrf = _claim_and_draw(app_client, code)
    page = app_client.get(f"/qc/{code}").text
    assert f"/qc/{code}/decide" in page and f"/qc/{code}/claim" not in page
    passed = _followed(app_client, app_client.post(f"/qc/{code}/decide",
                                                   data={"csrf_token": csrf}))
    stage = line.batch(code)[0]
    assert stage not in wf.QC_LEVELS
    assert t("qc_desk.left_qc", stage=t(f"stage.{stage}")) in passed
    for action in ("claim", "sample", "decide"):
        assert f"/qc/{code}/{action}" not in passed, action
