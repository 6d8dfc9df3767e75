"""One typo, one error: a catalogue import reports the cell at fault, not what follows from
it; full-width digits are stored as ASCII; a mistyped 档号 breaks the project's rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dangan.db.models import Item
from dangan.domain.catalogue import CatalogueSchema, RawEntry, validate_catalogue
from dangan.errors import NamingError, SpreadsheetError
from dangan.services import indexing
from dangan.services.project import ProjectContext
from indexing.dangan_index_fixtures import add_volume
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
HEAD = ["档号", "顺序号", "题名", "日期", "页号"]
SCHEMA = CatalogueSchema(("title",), ("seq", "title", "date"))


def _codes(rows: list[dict[str, str]], pages: int) -> list[str]:
    cat = validate_catalogue(CODE, None, [RawEntry(r, i + 2) for i, r in enumerate(rows)],
                             SCHEMA, pages)
    return [d.code for d in cat.defects]


def test_bad_item_number_does_not_flag_the_next() -> None:
    rows = [{"seq": "1", "title": "a", "pages": "1"}, {"seq": "二", "title": "b", "pages": "2"},
            {"seq": "3", "title": "c", "pages": "3"}]
    assert _codes(rows, 3) == ["catalogue_bad_seq"]


@pytest.mark.parametrize("where", ["middle", "last"])
def test_bad_page_number_is_one_error(where: str) -> None:
    rows = [{"seq": "1", "title": "a", "pages": "1-2"}, {"seq": "2", "title": "b", "pages": "第3页"}]
    if where == "middle":
        rows.append({"seq": "3", "title": "c", "pages": "4-6"})
    assert _codes(rows, 6 if where == "middle" else 3) == ["catalogue_bad_page"]


def test_a_real_gap_is_still_reported() -> None:
    rows = [{"seq": "1", "title": "a", "pages": "1-2"}, {"seq": "2", "title": "b", "pages": "4"}]
    assert _codes(rows, 4) == ["catalogue_gap"]


@pytest.fixture
def ready(project: ProjectContext) -> ProjectContext:
    add_volume(project, CODE, 3, size=(200, 283))
    actor(project, "钱标", "indexer", "uploader")
    return project


def _book(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "卷内目录"
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_full_width_date_stored_as_ascii(ready: ProjectContext, tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [[CODE, "1", "起诉状", "１９９７０４０１", "1-2"],
                                         [CODE, "２", "判决书", "１９９７年６月３日", "３"]])
    indexing.import_catalogue(ready, actor(ready, "钱标"), [path])
    with ready.transaction() as s:
        items = s.scalars(select(Item).order_by(Item.seq)).all()
        assert [(i.seq, i.date) for i in items] == [(1, "19970401"), (2, "19970603")]


def test_mistyped_code_breaks_the_rule_not_unregistered(ready: ProjectContext,
                                                        tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [[CODE, "1", "起诉状", "19970401", "1-3"],
                                         ["1997-民-14-0026", "1", "判决书", "19970603", "1"]])
    with pytest.raises(SpreadsheetError) as refused:
        indexing.import_catalogue(ready, actor(ready, "钱标"), [path])
    assert refused.value.key == "index.import_rejected"
    (line,) = refused.value.details
    with pytest.raises(NamingError) as rule:
        ready.rules.archive_code.parse("1997-民-14-0026")
    assert rule.value.key == "naming.mismatch"
    assert "第 3 行" in line and rule.value.message in line and "未登记" not in line


def test_bad_page_number_does_not_miscount_the_cover() -> None:
    rows = [{"seq": "1", "title": "a", "pages": "1-2"}, {"seq": "2", "title": "b", "pages": "第3页"},
            {"seq": "3", "title": "c", "pages": "4-6"}]
    record = RawEntry({"title": "x", "item_count": "3", "page_count": "6"}, 1)
    cat = validate_catalogue(CODE, record, [RawEntry(r, i + 2) for i, r in enumerate(rows)],
                             CatalogueSchema(("title", "item_count", "page_count"),
                                             ("seq", "title")))
    assert [d.code for d in cat.defects] == ["catalogue_bad_page"]
