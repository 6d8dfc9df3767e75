"""A save the validator refuses re-renders the indexing desk with every row typed (rows added
with 新增一行 too) and the problem by the field's label — not a bare error page naming a
workbook the user never saw."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Item
from dangan.domain.catalogue_fields import ENTRY_LABELS, label
from web.images import Pages
from web.support import Line, login
from web.test_index_desk import _form, at_index  # noqa: F401  (fixture)


def test_a_refused_save_keeps_every_typed_row(app_client: TestClient, line: Line,
                                              at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    _code, volumes = at_index
    vol = volumes[0]
    csrf = login(app_client, "indexer")
    rows = [("1", "起诉书", "19970203", "1", "1"), ("2", "判决书", "19971320", "2", "3"),
            ("3", "送达回证", "19971221", "4", "4")]
    refused = app_client.post(f"/index/{vol.volume_id}/save",
                              data=_form(csrf, rows, {"title": "张某2盗窃案卷"}))
    assert refused.status_code == 422, refused.text
    html = refused.text
    problems = html[html.index('id="problems"'):]
    problems = problems[:problems.index("</div>")]
    assert 'data-code="catalogue_bad_date"' in problems and "19971320" in problems, problems
    assert label(ENTRY_LABELS, "date") in problems  # the field by its label
    assert ".xlsx" not in html and f"catalogue-{vol.volume_id}" not in html
    for value in ("张某2盗窃案卷", "起诉书", "判决书", "19971320", "送达回证", "19971221"):
        assert f'value="{value}"' in html, value
    assert html.count('<tr class="entry">') == 3
    assert f'action="/index/{vol.volume_id}/save"' in html  # the form, to save again
    with line.ctx.transaction() as session:
        assert not session.scalars(select(Item).where(Item.volume_id == vol.volume_id)).all()
