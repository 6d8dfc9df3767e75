"""A value refused by the request's validation (FastAPI/pydantic) is explained from the
catalogue in the reader's language, naming the field by its label — never pydantic's text."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.i18n import set_language, t
from web.support import Line, login


def _expect(lang: str, key: str, **params: object) -> str:
    set_language(lang)
    try:
        return t(key, **params)
    finally:
        set_language(None)


def test_validation_errors_in_the_readers_language(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "clerk")
    too_long = {"csrf_token": token, "next_count": "1", "remarks": "长" * 2001}
    for lang, label in (("zh", "备注"), ("en", "Remarks")):
        switched = app_client.post("/lang", data={"csrf_token": token, "lang": lang,
                                                  "back": "/tasks"})
        assert switched.status_code == 303
        page = app_client.post("/borrow", data=too_long)
        assert page.status_code == 422
        expected = _expect(lang, "web.invalid.string_too_long", field=label, max_length=2000)
        assert expected in page.text, page.text
        assert "body.remarks" not in page.text and "String should have" not in page.text
        assert _expect(lang, "error.input") in page.text
        missing = app_client.post("/borrow/1/return", data={"csrf_token": token})
        counted = _expect(lang, "web.field.counted")
        assert _expect(lang, "web.invalid.missing", field=counted) in missing.text
        as_json = app_client.post("/borrow/1/return", headers={"Accept": "application/json"},
                                  data={"csrf_token": token, "counted": "many"})
        body = as_json.json()
        assert as_json.status_code == 422 and body["key"] == "error.input"
        assert _expect(lang, "web.invalid.int", field=counted) in str(body)
    assert _expect("zh", "web.invalid.string_too_long", field="备注", max_length=2000) \
        == "备注：最多 2000 个字符。"
