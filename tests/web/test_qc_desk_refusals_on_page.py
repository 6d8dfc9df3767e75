"""A defect form the QC desk refuses (the same defect twice) stays on the volume page: the
refusal said in the desk's words (the defect's label, no command line) and what was typed
kept. A sample of items is named as items, with their pages."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Rework
from dangan.domain import workflow as wf
from dangan.i18n import defect_label, t
from dangan.services import indexing
from dangan.services.engine import resolve_actor
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, login
from web.test_qc_desk import _claim_and_draw, at_qc_items  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def test_a_duplicate_defect_is_refused_on_the_page_with_the_form_kept(
        app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    url = f"/qc/{code}/volume/{volumes[0].volume_id}/defect"
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    form = {"csrf_token": csrf, "defect": "black_border", "page_no": "2", "cause": "worker",
            "message": "右侧黑边未去除", "box_x": "10", "box_y": "20", "box_w": "30",
            "box_h": "40"}
    assert app_client.post(url, data=form).status_code == 303
    again = app_client.post(url, data={**form, "message": "第二次写的说明"})
    assert again.status_code == 409
    page = again.text
    assert 'data-key="qc_desk.defect_duplicate"' in page and "出错了" not in page
    assert defect_label("black_border") in page and "（black_border" not in page
    assert "dangan" not in page.split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert 'value="第二次写的说明"' in page and 'value="30"' in page
    assert 'value="black_border" selected' in page


def test_an_item_sample_is_named_as_items_with_their_pages(
        app_client: TestClient, line: Line,
        at_qc_items: tuple[str, list[Pages]]) -> None:  # noqa: F811
    code, volumes = at_qc_items
    _claim_and_draw(app_client, code, seed="7")
    page = app_client.get(f"/qc/{code}/volume/{volumes[0].volume_id}").text
    shown = page.split('class="in-sample">', 1)[1].split("</span>", 1)[0]
    assert shown == f'{t("qc_desk.in_sample_items")}：{t("qc_desk.sample_item", seq=1, start=1, end=3)}'
    assert "样本件：1（第 1–3 页）" in page and "样本页" not in page


def test_an_early_reinspection_is_refused_on_the_qc_desk(app_client: TestClient,
                                                          line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "12345"}).status_code == 303
    assert app_client.post(f"/qc/{code}/volume/{volumes[0].volume_id}/defect", data={
        "csrf_token": csrf, "defect": "skew", "page_no": "2", "cause": "worker"}
                           ).status_code == 303
    assert app_client.post(f"/qc/{code}/decide", data={"csrf_token": csrf}).status_code == 303
    with line.ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id))
    early = app_client.post(f"/qc/{code}/verify/{rework_id}", data={"csrf_token": csrf})
    assert early.status_code == 409
    assert "<h1>出错了" not in early.text
    assert f'<title>{t("web_images.qc.batch_title", code=code)}' in early.text
    assert 'role="alert"' in early.text
    json = app_client.post(f"/qc/{code}/verify/{rework_id}", data={"csrf_token": csrf},
                           headers={"Accept": "application/json"})
    assert json.status_code == 409 and json.json()["key"] == early.text.split(
        'data-key="', 1)[1].split('"', 1)[0]



def test_a_refused_verdict_keeps_its_remark(app_client: TestClient, line: Line,
                                            tmp_path: Path) -> None:
    """A verdict refused with the form still there (a catalogue imported again after the
    draw: ``qc.sample_stale``) shows the desk again with the remark as typed."""
    add_image_accounts(line.ctx)
    code = line.batches[0]
    codes = line.volume_codes(code)
    indexer = resolve_actor(line.ctx, "钱标")

    def catalogue(name: str, ranges: list[str]) -> Path:
        return write_catalogue(tmp_path / name, [[c, "案卷", "1997", "永久", len(ranges), 3]
                                                 for c in codes],
                               [[c, k, "", "某某法院", f"第{k}件", "19970630", r, ""]
                                for c in codes for k, r in enumerate(ranges, 1)])

    # the catalogue imported at 标引
    volumes = to_stage(line, code, wf.QC, catalogue=catalogue("目录.xlsx", ["1-3"]))
    assert [v.archive_code for v in volumes] == codes
    csrf = _claim_and_draw(app_client, code)
    indexing.import_catalogue(line.ctx, indexer, [catalogue("改.xlsx", ["1-2", "3"])],
                              replace=True, correction="分件有误")
    refused = app_client.post(f"/qc/{code}/decide",
                              data={"csrf_token": csrf, "remarks": "抽检完毕，第3卷需复查"})
    assert refused.status_code == 409
    assert 'data-key="qc.sample_stale"' in refused.text and "<h1>出错了" not in refused.text
    assert 'value="抽检完毕，第3卷需复查"' in refused.text
