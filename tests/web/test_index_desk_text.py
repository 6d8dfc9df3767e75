"""The indexing desk's check and save agree on what was typed: a title starting with "=" is
text (checked clean, saved, stored as typed, a text cell in the kept workbook); a control
character is refused by both, naming the row and field, never a 500; a save the import
refuses shows each located problem, not only the count."""

from __future__ import annotations

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from dangan.db.models import Item, VolumeRecord
from dangan.storage.areas import Area
from web.images import Pages
from web.support import Line, login
from web.test_index_desk import _form, at_index  # noqa: F401  (fixture)

JSON = {"Accept": "application/json"}
GOOD = [("1", "=起诉状", "19970301", "1", "2"), ("2", "@SUM(A1)", "19970310", "3", "4")]
COUNTS = {"item_count": "2", "page_count": "4"}


def _items(line: Line, volume_id: int) -> list[tuple[str, str]]:
    with line.ctx.transaction() as session:
        return [(i.title, i.remarks) for i in session.scalars(
            select(Item).where(Item.volume_id == volume_id).order_by(Item.seq))]


def test_formula_like_text_is_checked_clean_and_saved_as_typed(
        app_client: TestClient, line: Line, at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    vol = at_index[1][0]
    csrf = login(app_client, "indexer")
    form = _form(csrf, GOOD, {**COUNTS, "title": "=民事卷"})
    form["e.remarks"] = ["=2+2", ""]
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    assert "校验通过" in checked.text, checked.text
    saved = app_client.post(f"/index/{vol.volume_id}/save", data=form)
    assert saved.status_code == 303, saved.text
    assert _items(line, vol.volume_id) == [("=起诉状", "=2+2"), ("@SUM(A1)", "")]
    with line.ctx.transaction() as session:
        rec = session.scalar(select(VolumeRecord).where(VolumeRecord.volume_id == vol.volume_id))
        assert rec is not None and rec.fields["title"] == "=民事卷"
    fs, root = line.ctx.storage.fs, line.ctx.storage.path(Area.CATALOGUE.value)
    kept = [p for p in fs.find(root) if p.endswith(".xlsx")]
    assert kept
    with fs.open(kept[0], "rb") as fh:
        wb = load_workbook(fh)  # not data_only: a formula would read as a formula
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value in ("=起诉状", "=2+2", "=民事卷")]
    assert len(cells) == 3 and all(c.data_type == "s" for c in cells), cells


def test_control_character_refused_by_check_and_save(
        app_client: TestClient, line: Line, at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    vol = at_index[1][0]
    csrf = login(app_client, "indexer")
    form = _form(csrf, [(s, t.lstrip("=@"), d, a, b) for s, t, d, a, b in GOOD], COUNTS)
    form["e.remarks"] = ["", "见\x00原件"]
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    assert checked.status_code == 200
    assert 'data-code="sheets.cell_problem"' in checked.text
    assert "卷内目录第 2 条“备注”" in checked.text and "U+0000" in checked.text, checked.text
    page = app_client.post(f"/index/{vol.volume_id}/save", data=form)
    assert page.status_code == 422
    assert "卷内目录第 2 条“备注”" in page.text and "U+0000" in page.text
    assert 'value="见' in page.text  # the typed rows kept
    refused = app_client.post(f"/index/{vol.volume_id}/save", data=form, headers=JSON)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["key"] == "index.desk_refused"
    assert any("备注" in d and "U+0000" in d for d in body["details"]), body
    form["r.title"] = "民事\x1b卷"
    refused = app_client.post(f"/index/{vol.volume_id}/save", data=form, headers=JSON)
    details = refused.json()["details"]
    assert len(details) == 2 and "卷宗信息“案卷题名”" in details[0] and "U+001B" in details[0], details
    with line.ctx.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Item)
                              .where(Item.volume_id == vol.volume_id)) == 0


def test_value_too_long_refused_by_check_and_save(
        app_client: TestClient, line: Line, at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    vol = at_index[1][0]
    csrf = login(app_client, "indexer")
    form = _form(csrf, [("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "4")],
                 COUNTS)
    form["e.doc_no"] = ["号" * 201, ""]
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    assert "卷内目录第 1 条“文号”" in checked.text and "校验通过" not in checked.text, checked.text
    page = app_client.post(f"/index/{vol.volume_id}/save", data=form)
    assert page.status_code == 422 and "卷内目录第 1 条“文号”" in page.text
    assert _items(line, vol.volume_id) == []


def test_desk_names_the_grid_row_as_seen_never_a_sheet(
        app_client: TestClient, line: Line, at_index: tuple[str, list[Pages]]) -> None:  # noqa: F811
    """The page range of the grid's second row beyond the last page: 卷内目录第 2 条, as the
    indexer typed it — not “web 第 3 行” (no sheet is called web, and row 3 is not row 2)."""
    vol = at_index[1][0]
    csrf = login(app_client, "indexer")
    form = _form(csrf, [("1", "起诉状", "19970301", "1", "2"), ("2", "答辩状", "19970310", "3", "9")])
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    said = f"卷内目录第 2 条（档号 {vol.archive_code}）：终止页 9 超出最后一页"
    assert said in checked.text and "web" not in checked.text and "第 3 行" not in checked.text, \
        checked.text
    refused = app_client.post(f"/index/{vol.volume_id}/save", data=form, headers=JSON)
    assert refused.status_code == 422 and refused.json()["key"] == "index.desk_refused"
    assert [d for d in refused.json()["details"] if "终止页 9" in d] == [said + "（共 4 页）"]
    form["r.item_count"] = "甲"
    checked = app_client.post(f"/index/{vol.volume_id}/check", data=form)
    assert f"卷宗信息（档号 {vol.archive_code}）：件数 应为整数" in checked.text, checked.text
    assert _items(line, vol.volume_id) == []
