"""Digits typed full-width at the index desk (a Chinese input method left in full-width mode)
are read as the imports read them (``half_width``): numbers, dates and page numbers as ASCII,
never a date half converted or a page number refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Item, VolumeRecord
from web.images import Pages
from web.support import Line, login
from web.test_index_desk import _form, at_index  # noqa: F401  (fixture)


def test_full_width_digits_typed_at_the_desk_are_saved_as_ascii(
        app_client: TestClient, line: Line, at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    _code, volumes = at_index
    vol = volumes[0]
    csrf = login(app_client, "indexer")
    rows = [("１", "起诉状", "１９９７０４０１", "１", "２"), ("２", "答辩状", "１９９７．４．１０", "３", "４")]
    form = _form(csrf, rows, {"item_count": "２", "page_count": "４"})
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    assert checked.status_code == 200 and "data-code=" not in checked.text, checked.text
    saved = app_client.post(f"/index/{vol.volume_id}/save", data=form)
    assert saved.status_code == 303, saved.text
    with line.ctx.transaction() as session:
        items = session.scalars(select(Item).where(Item.volume_id == vol.volume_id)
                                .order_by(Item.seq)).all()
        assert [(i.seq, i.date, i.page_start, i.page_end) for i in items] == [
            (1, "19970401", 1, 2), (2, "19970410", 3, 4)]
        rec = session.scalar(select(VolumeRecord).where(VolumeRecord.volume_id == vol.volume_id))
        assert rec is not None
        assert (rec.fields.get("item_count"), rec.fields.get("page_count")) == ("2", "4")
