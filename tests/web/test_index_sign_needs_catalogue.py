"""The batch page's 标引 sign-off and the API's refuse volumes without their catalogue (409
``index.catalogue_not_imported``, each volume named), as the CLI does; with the catalogue
imported the same form signs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.web import accounts
from web.images import add_image_accounts, to_stage
from web.support import Line, csrf_of, login
from workflow.helpers import give_catalogue


def test_the_web_and_api_index_sign_off_need_the_catalogue(app_client: TestClient,
                                                            line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.INDEX)
    codes = line.volume_codes(code)
    token = login(app_client, "indexer")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    page = app_client.get(f"/batches/{code}").text
    form = {"csrf_token": csrf_of(page), "stage": "index", "remarks": "标引完"}
    refused = app_client.post(f"/batches/{code}/sign", data=form,
                              headers={"accept": "application/json"})
    assert refused.status_code == 409
    body = refused.json()
    assert body["key"] == "index.catalogue_not_imported"
    assert body["details"] == [t("index.catalogue_none", code=c) for c in codes]
    html = app_client.post(f"/batches/{code}/sign", data=form)
    assert html.status_code == 409
    assert 'data-key="index.catalogue_not_imported"' in html.text
    assert "dangan index import FILE -w NAME" in html.text

    secret = accounts.new_token(line.ctx, "indexer", "著录工作站")
    auth = {"Authorization": f"Bearer {secret}"}
    api = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth,
                          json={"without_work": "外包已著录"})
    assert api.status_code == 409 and api.json()["key"] == "workflow.not_waivable"
    api = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth, json={})
    assert api.status_code == 409 and api.json()["key"] == "index.catalogue_not_imported"
    assert line.batch(code) == (wf.INDEX, wf.CLAIMED)

    give_catalogue(line.ctx, code, "钱标", codes[:1])  # signed for the holder at import
    api = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth, json={})
    assert api.json()["details"] == [t("index.catalogue_none", code=c) for c in codes[1:]]
    give_catalogue(line.ctx, code, "钱标", codes[1:])
    assert line.batch(code)[0] == wf.UPLOAD
