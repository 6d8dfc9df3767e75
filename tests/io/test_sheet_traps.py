"""Workbooks that made imports take wrong data without a word: a hidden out-of-date sheet
read instead of the visible one, dates held as numbers (1997.10 in a General cell is 1997.1;
an Excel date serial without date format), a date cell with a time, and a volume list
lacking columns, which must keep what is stored, not wipe it.

The workbooks are built here as the office built them (openpyxl)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dangan.config import CatalogueConfig
from dangan.db.models import Item, Volume
from dangan.domain.catalogue import (
    BAD_DATE,
    BAD_PAGE,
    GAP,
    CatalogueSchema,
    RawEntry,
    normalise_date,
    validate_catalogue,
)
from dangan.errors import ConflictError, SpreadsheetError
from dangan.i18n import t
from dangan.io.catalogue import read_catalogue
from dangan.services import indexing
from dangan.services.project import ProjectContext
from dangan.services.volumes import import_volumes
from indexing.dangan_index_fixtures import add_volume
from workflow.helpers import actor

CODES = [f"1997-民-0014-{n:04d}" for n in (1, 2)]
CODE = CODES[0]
ENTRY_HEAD = ["档号", "顺序号", "题名", "日期", "页号"]


def _book(path: Path, sheets: Sequence[tuple[str, str, Sequence[Sequence[object]]]]) -> Path:
    """``sheets``: (title, state visible|hidden|veryHidden, rows)."""
    wb = Workbook()
    for i, (title, state, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = title
        ws.sheet_state = state
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def _volumes(ctx: ProjectContext) -> dict[str, Volume]:
    with ctx.transaction() as s:
        out = {v.archive_code: v for v in s.scalars(select(Volume))}
        for v in out.values():
            s.expunge(v)
        return out


# --- 1. hidden sheets are never read -----------------------------------------------------

@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_volume_list_hidden_first_sheet_is_skipped_and_the_visible_one_read(
        project: ProjectContext, tmp_path: Path, state: str) -> None:
    path = _book(tmp_path / "list.xlsx", [
        ("旧目录(作废)", state, [["档号", "案卷题名", "页数"],
                              *[[c, "旧题名", 99] for c in CODES]]),
        ("案卷目录", "visible", [["某某县人民法院1997年案卷目录"],
                             ["序号", "案卷题名", "档号", "年度", "页数"],
                             [1, "借款纠纷", CODES[0], 1997, 12],
                             [2, "离婚纠纷", CODES[1], 1997, 10]])])
    summary = import_volumes(project, path)
    got = {c: (v.title, v.expected_pages) for c, v in _volumes(project).items()}
    assert got == {CODES[0]: ("借款纠纷", 12), CODES[1]: ("离婚纠纷", 10)}
    message = summary.message()
    assert t("volumes.sheet_used", sheet="list.xlsx[案卷目录]") in message
    assert t("sheets.hidden_sheets_skipped", sheets="list.xlsx[旧目录(作废)]") in message
    assert "list.xlsx[案卷目录]" not in message.split(t("volumes.sheet_used", sheet=""))[0]
    assert t("sheets.sheets_skipped", sheets="list.xlsx[案卷目录]") not in message


def test_volume_list_two_visible_sheets_with_code_refused(project: ProjectContext, tmp_path: Path) -> None:
    path = _book(tmp_path / "list.xlsx", [
        ("旧目录", "visible", [["档号", "题名"], [CODE, "旧题名"]]),
        ("案卷目录", "visible", [["档号", "题名"], [CODE, "新题名"]])])
    with pytest.raises(SpreadsheetError) as refused:
        import_volumes(project, path)
    assert refused.value.key == "volumes.two_code_sheets"
    assert _volumes(project) == {}


def test_catalogue_hidden_draft_sheet_skipped_and_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [
        ("卷内目录", "visible", [ENTRY_HEAD, [CODE, 1, "起诉状", "19970305", "1-3"]]),
        ("草稿", "hidden", [["档号", "顺序号", "题名", "页号"], [CODE, 1, "草稿行", "1-12"]])])
    data = read_catalogue([path])
    assert data.problems == []
    assert [e.values["title"] for e in data.entries[CODE]] == ["起诉状"]
    assert t("sheets.hidden_sheets_skipped", sheets="cat.xlsx[草稿]") in data.notes


# --- 2–4. dates held as numbers, dates with a time ----------------------------------------

def _entries(path: Path, dates: list[object]) -> Path:
    rows: list[list[object]] = [list(ENTRY_HEAD)]
    rows += [[CODE, i, f"文件{i}", d, str(i)] for i, d in enumerate(dates, start=1)]
    return _book(path, [("卷内目录", "visible", rows)])


def test_decimal_and_serial_dates_refused_naming_the_cell(tmp_path: Path) -> None:
    data = read_catalogue([_entries(tmp_path / "cat.xlsx", [1997.1, 35494, "1997.10"])])
    sheet = "cat.xlsx[卷内目录]"
    assert data.problems == [
        t("index.date_decimal", sheet=sheet, row=2, column="日期", value="1997.1"),
        t("index.date_number", sheet=sheet, row=3, column="日期", value="35494",
          serial=t("index.date_serial_hint", date="1997-03-05")),
    ]
    # the rows are kept (their pages are no gap), without the date refused
    assert [e.values.get("date") for e in data.entries[CODE]] == [None, None, "1997.10"]


def test_date_forms_that_work_are_kept(tmp_path: Path) -> None:
    dates: list[object] = ["1997.3.15", "1997年3月", "1997/03/05", datetime(1997, 3, 5),
                           "19970305", 19970305, 1997, 199703, datetime(1997, 3, 5, 14, 30)]
    data = read_catalogue([_entries(tmp_path / "cat.xlsx", dates)])
    assert data.problems == []
    got = [normalise_date(e.values["date"]) for e in data.entries[CODE]]
    assert got == ["19970315", "199703", "19970305", "19970305", "19970305", "19970305",
                   "1997", "199703", "19970305"]


def test_number_dates_refuse_the_import(project: ProjectContext, tmp_path: Path) -> None:
    add_volume(project, CODE, 3, size=(200, 283))
    who = actor(project, "钱标", "indexer")
    path = _entries(tmp_path / "cat.xlsx", [1997.1, 35494, "19970305"])
    with pytest.raises(SpreadsheetError) as refused:
        indexing.import_catalogue(project, who, [path])
    assert refused.value.key == "index.import_rejected"
    assert len(refused.value.details) == 2, refused.value.details  # no gap, no second word
    with project.transaction() as s:
        assert s.scalar(select(func.count(Item.id))) == 0


def test_datetime_with_time_imported_as_its_date(project: ProjectContext, tmp_path: Path) -> None:
    add_volume(project, CODE, 1, size=(200, 283))
    who = actor(project, "钱标", "indexer")
    indexing.import_catalogue(project, who, [_entries(tmp_path / "cat.xlsx",
                                                       [datetime(1997, 3, 5, 14, 30)])])
    with project.transaction() as s:
        assert s.scalars(select(Item.date)).all() == ["19970305"]


SCHEMA = CatalogueSchema.from_config(CatalogueConfig(
    record_fields=["title"], entry_fields=["seq", "title", "date", "page_start", "page_end"],
    required_record_fields=[], required_entry_fields=["title"]))


@pytest.mark.parametrize("stored", ["354904", "35494", "19973"])
def test_check_refuses_a_stored_date_that_is_no_date(stored: str) -> None:
    rows = [RawEntry({"seq": "1", "title": "起诉状", "date": stored, "pages": "1"}, 2)]
    cat = validate_catalogue(CODE, None, rows, SCHEMA, image_count=3)
    assert [d.code for d in cat.defects] == [BAD_DATE]


# --- 7. a reversed page range is one error ------------------------------------------------

def test_reversed_page_range_raises_no_gap_besides() -> None:
    rows = [RawEntry({"seq": str(i), "title": f"文件{i}", "pages": p}, i + 1)
            for i, p in enumerate(["1-5", "8-6", "9-10"], start=1)]
    cat = validate_catalogue(CODE, None, rows, SCHEMA)
    assert [d.code for d in cat.defects] == [BAD_PAGE]
    assert GAP not in {d.code for d in cat.defects}


# --- 5–6. a volume list lacking columns keeps what is stored ------------------------------

def _full_list(project: ProjectContext, tmp_path: Path) -> None:
    path = _book(tmp_path / "full.xlsx", [("清单", "visible", [
        ["档号", "题名", "年度", "存放位置", "页数", "保管期限"],
        [CODE, "借款纠纷", 1997, "一号库-3-1-001", 12, "长期"]])])
    import_volumes(project, path)


def test_update_with_fewer_columns_keeps_the_stored_values(project: ProjectContext, tmp_path: Path) -> None:
    _full_list(project, tmp_path)
    fewer = tmp_path / "fewer.csv"
    fewer.write_text(f"档号,题名,页数\n{CODE},借款纠纷,12\n", encoding="utf-8")
    assert import_volumes(project, fewer).unchanged == 1  # nothing given differs
    fewer.write_text(f"档号,题名,页数\n{CODE},借款纠纷,14\n", encoding="utf-8")
    with pytest.raises(ConflictError) as refused:
        import_volumes(project, fewer)
    assert refused.value.key == "volumes.changed_rows"
    assert len(refused.value.details) == 1  # 页数 only: no 年度, 存放位置, 其他列 wiped
    summary = import_volumes(project, fewer, update=True, actor=actor(project, "林经理", "project_manager"))
    assert summary.updated == 1
    v = _volumes(project)[CODE]
    assert (v.year, v.location, v.expected_pages, v.extra) == (
        1997, "一号库-3-1-001", 14, {"保管期限": "长期"})


def test_change_messages_say_empty_and_other_columns_as_column_and_value(
        project: ProjectContext, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text(f"档号,题名,年度\n{CODE},借款纠纷,\n", encoding="utf-8")
    import_volumes(project, first)
    second = tmp_path / "b.csv"
    second.write_text(f"档号,题名,年度,序号,保管期限\n{CODE},借款纠纷,1997,1,长期\n",
                      encoding="utf-8")
    with pytest.raises(ConflictError) as refused:
        import_volumes(project, second)
    details = refused.value.details
    empty = t("volumes.value_empty")
    assert t("volumes.changed_row", row=2, code=CODE, field=t("volumes.field.year"),
             old=empty, new="1997") in details
    others = "、".join([t("volumes.extra_value", column="序号", value="1"),
                       t("volumes.extra_value", column="保管期限", value="长期")])
    assert t("volumes.changed_row", row=2, code=CODE, field=t("volumes.field.extra"),
             old=empty, new=others) in details
    assert not any("None" in d or "{" in d for d in details), details
