"""A form the service refuses comes back with what was typed and the message beside it (not
a bare error page with 返回): the sort record with a photo that is not an image, the binding
agreement naming an unknown trial volume."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from dangan.i18n import t
from web.support import Line, login
from web.test_records import _people, _sort_records


def test_sort_record_refused_for_its_photo_keeps_the_notes(app_client: TestClient,
                                                           line: Line) -> None:
    code = line.batches[0]
    _first, second = line.volume_codes(code)
    token = login(app_client, "sorter")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    refused = app_client.post(
        f"/records/sort/{quote(code, safe='')}/{quote(second)}",
        data={"csrf_token": token, "pages_numbered": "37", "unbind_notes": "第3页破损已修补",
              "remarks": "封面脱落"},
        files=[("photos", ("photo.jpg", b"not an image at all", "image/jpeg"))])
    assert refused.status_code == 422, refused.text
    html = refused.text
    assert 'data-key="sort.photo_not_image"' in html
    assert t("sort.photo_not_image", path="photo.jpg", types="JPEG, PNG, TIFF") in html
    assert 'value="第3页破损已修补"' in html and 'value="封面脱落"' in html
    assert 'value="37"' in html
    assert html.count('value="第3页破损已修补"') == 1  # only in the refused volume's form
    assert _sort_records(line) == []


def test_binding_agreement_with_an_unknown_trial_code_keeps_the_form(
        app_client: TestClient, line: Line) -> None:
    _people(line)
    token = login(app_client, "archivist")
    form = {"csrf_token": token, "method": "thread", "alignment": "bottom_right",
            "punch_allowed": "true", "trial_codes": "1997-刑-9999-0001", "remarks": "先试装一卷"}
    as_json = app_client.post("/records/binding", data=form,
                              headers={"Accept": "application/json"})
    assert 400 <= as_json.status_code < 500
    key = as_json.json()["key"]
    refused = app_client.post("/records/binding", data=form)
    assert refused.status_code == as_json.status_code, refused.text
    html = refused.text
    assert f'data-key="{key}"' in html and "1997-刑-9999-0001" in html
    assert 'value="1997-刑-9999-0001"' in html and 'value="先试装一卷"' in html
    assert '<option value="bottom_right" selected>' in html
    assert '<option value="thread" selected>' in html
    assert 'name="punch_allowed" value="true" checked' in html


def test_borrow_create_sent_again_keeps_the_form(app_client: TestClient, line: Line) -> None:
    """Every volume of the line is already borrowed (as after the form was sent, then sent
    again from the browser's back page): refused on the desk with the count and remarks."""
    token = login(app_client, "clerk")
    form = {"csrf_token": token, "next_count": "3", "remarks": "第一批"}
    as_json = app_client.post("/borrow", data=form, headers={"Accept": "application/json"})
    assert 400 <= as_json.status_code < 500
    key = as_json.json()["key"]
    refused = app_client.post("/borrow", data=form)
    assert refused.status_code == as_json.status_code, refused.text
    html = refused.text
    assert f'data-key="{key}"' in html and t(key, **as_json.json().get("params", {})) in html
    assert 'name="next_count" min="1" max="10000" value="3"' in html
    assert 'value="第一批"' in html
