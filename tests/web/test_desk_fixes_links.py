"""The way to the form where the work is done: the sorting records from 我的任务, the batch
page and the refused sign-off; a retouch rework to the page at the retouch desk."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Rework
from dangan.domain import workflow as wf
from dangan.i18n import t
from web.images import add_image_accounts, to_stage
from web.support import Line, login


def test_sort_record_form_is_linked_from_tasks_batch_page_and_refusal(
        app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    form = f'href="/records/sort/{quote(code, safe="")}"'
    token = login(app_client, "sorter")
    batch_page = app_client.get(f"/batches/{code}").text
    assert form in batch_page and t("records.sort.open") in batch_page
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}
                           ).status_code == 303
    row = app_client.get("/tasks").text.split(f'<tr data-batch="{code}">', 1)[1]
    assert form in row.split("</tr>", 1)[0]
    assert app_client.get(f"/batches/{code}").text.count(form) == 1
    refused = app_client.post(f"/batches/{code}/sign", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'data-key="sort.record_missing"' in refused.text
    assert t("sort.record_missing", count=2) in refused.text and form in refused.text
    as_json = app_client.post(f"/batches/{code}/sign", data={"csrf_token": token},
                              headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and as_json.json()["key"] == "sort.record_missing"
    assert line.batch(code) == (wf.SORT, wf.CLAIMED)
    # the form is the sorters': not in a scanner's task list
    login(app_client, "scanner")
    assert form not in app_client.get("/tasks").text


def test_retouch_rework_links_to_the_page_at_the_retouch_desk(app_client: TestClient,
                                                              line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes = to_stage(line, code, wf.QC)
    csrf = login(app_client, "qc")
    app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf})
    app_client.post(f"/qc/{code}/sample", data={"csrf_token": csrf, "seed": "5"})
    vid = volumes[0].volume_id
    assert app_client.post(f"/qc/{code}/volume/{vid}/defect", data={
        "csrf_token": csrf, "defect": "skew", "page_no": "2"}).status_code == 303
    assert app_client.post(f"/qc/{code}/decide", data={"csrf_token": csrf}).status_code == 303
    with line.ctx.transaction() as session:
        rework = session.scalar(select(Rework))
        assert rework is not None and rework.stage == wf.RETOUCH
        rework_id = rework.id
    fix = f'href="/retouch/{quote(code, safe="")}/volume/{vid}?page=2"'
    login(app_client, "retoucher")
    one = app_client.get(f"/rework/{rework_id}").text
    assert fix in one and t("rework.fix_in_retouch") in one
    assert fix in app_client.get("/rework").text
    assert fix in app_client.get("/tasks").text
    home = app_client.get("/retouch").text
    assert t("web_images.retouch.none") in home  # no batch at 修图 ...
    assert fix in home and f'data-rework="{rework_id}"' in home  # ... but the rework is there
    assert app_client.get(f"/retouch/{code}/volume/{vid}?page=2").status_code == 200
    # an inspector's own list has no such link
    login(app_client, "qc")
    assert fix not in app_client.get("/tasks").text


def test_a_volume_archive_code_scanned_into_tasks_opens_its_batch(app_client: TestClient,
                                                                 line: Line) -> None:
    from dangan.db.models import Volume

    code = line.batches[1]
    volume = line.volume_codes(code)[1]
    login(app_client, "sorter")
    for typed in (volume, f" {volume}\n", code):
        opened = app_client.get("/scan", params={"code": typed})
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/batches/{quote(code, safe='')}"
        assert code in app_client.get(opened.headers["location"]).text
    # a volume in no work batch yet opens its own page
    with line.ctx.transaction() as session:
        session.add(Volume(project_id=line.ctx.project_id, archive_code="1997-民-0099-0001",
                           title="未分批", expected_pages=10, list_row=99))
    alone = app_client.get("/scan", params={"code": "1997-民-0099-0001"})
    assert alone.headers["location"] == f"/volumes/{quote('1997-民-0099-0001', safe='')}"
    # unknown: the batch page's not-found, naming the code
    missing = app_client.get(app_client.get("/scan", params={"code": "1997-民-9999-0001"})
                             .headers["location"], headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json()["key"] == "workflow.batch_not_found"
