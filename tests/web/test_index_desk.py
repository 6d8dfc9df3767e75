"""The indexing desk through HTTP: the project's fields beside the viewer, live validation by
the domain validator (gaps, overlaps, beyond the last page, dates, 件数/页数), saving through
the indexing service (which signs the index stage for the holder); roles and CSRF."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Item, VolumeRecord
from dangan.domain import workflow as wf
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.storage.areas import Area
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, login


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
    assert bad.status_code >= 400 and bad.json()["key"] == "index.import_rejected"
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
