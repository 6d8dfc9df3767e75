"""Sheets written the way archives write them: full-width digits, two-row merged headers,
an instructions sheet beside the data, a total row, 年度 “1997年”, columns left out.

Both imports (volume list, catalogue) read them by the same rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.errors import SpreadsheetError
from dangan.i18n import t
from dangan.io.catalogue import read_catalogue
from dangan.services.volumes import import_volumes

CODE = "1997-民-0014-0025"
ENTRY_HEAD = ["档号", "顺序号", "文号", "责任者", "题名", "日期", "页号", "备注"]


def _book(path: Path, sheets: list[tuple[str, list[list[object]]]],
          merges: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    first = True
    for title, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        first = False
        for row in rows:
            ws.append(row)
        for cells in (merges or {}).get(title, []):
            ws.merge_cells(cells)
    wb.save(path)
    return path


def _volume(ctx, code: str) -> Volume:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        v = s.scalar(select(Volume).where(Volume.archive_code == code))
        assert v is not None
        s.expunge(v)
        return v


# --- 1. full-width digits: one rule, both imports ----------------------------------------

def test_catalogue_full_width_digits_read_as_ascii(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [("卷内目录", [
        ENTRY_HEAD,
        [CODE, "１", "", "王某", "起诉状", "１９９７０４０１", "１－２", ""],
        [CODE, "2", "", "法院", "判决书", "１９９７．６．３", "３", ""]])])
    data = read_catalogue([path])
    assert data.problems == []
    first, second = (dict(e.values) for e in data.entries[CODE])
    assert (first["seq"], first["date"], first["pages"]) == ("1", "19970401", "1-2")
    assert (second["date"], second["pages"]) == ("1997.6.3", "3")


def test_volume_list_full_width_location_parts_and_year(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "list.xlsx", [("清单", [
        ["档号", "题名", "年度", "柜号", "架号", "盒号", "页数"],
        [CODE, "借款纠纷", "１９９７", "３", "２", "１５", "６"]])])
    import_volumes(project, path)
    v = _volume(project, CODE)
    assert (v.year, v.location, v.expected_pages) == (1997, "3-2-15", 6)


# --- 2. two-row merged headers ------------------------------------------------------------

def test_volume_list_two_row_header_combined(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "list.xlsx", [("移交清单", [
        ["某某县人民法院移交清单"],
        ["序号", "档号", "案卷题名", "年度", "存放位置", None, None, "页数"],
        [None, None, None, None, "柜号", "架号", "盒号", None],
        ["1", CODE, "借款纠纷", 1997, 3, 2, 15, 6]])],
        merges={"移交清单": ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2", "H2:H3"]})
    summary = import_volumes(project, path)
    assert summary.added == 1
    assert t("sheets.two_row_header", row=3) in summary.message()
    assert _volume(project, CODE).location == "3-2-15"


def test_catalogue_two_row_page_header_maps_to_start_and_end(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [("卷内目录", [
        ["档号", "顺序号", "题名", "日期", "页号", None, "备注"],
        [None, None, None, None, "起", "止", None],
        [CODE, 1, "起诉状", "19970305", 1, 2, None],
        [CODE, 2, "判决书", "19970620", 3, 4, None]])],
        merges={"卷内目录": ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:F1", "G1:G2"]})
    data = read_catalogue([path])
    assert data.problems == []
    assert [(e.values["page_start"], e.values["page_end"]) for e in data.entries[CODE]] == [
        ("1", "2"), ("3", "4")]
    assert any(t("sheets.two_row_header", row=2) in note for note in data.notes)


def test_second_header_row_not_combinable_is_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [("卷内目录", [
        ["档号", "顺序号", "题名", "页号"],
        ["案卷档号", "序号", "题名", "页码"],
        [CODE, 1, "起诉状", 1]])])
    with pytest.raises(SpreadsheetError) as exc:
        read_catalogue([path])
    assert exc.value.key == "sheets.second_header_row"
    assert exc.value.params["row"] == 2


# --- 3. sheets the import does not know -------------------------------------------------------

def test_catalogue_extra_sheet_skipped_and_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [
        ("卷内目录", [ENTRY_HEAD, [CODE, 1, "", "王某", "起诉状", "19970401", "1", ""]]),
        ("备注", [["录入人：钱七"]])])
    data = read_catalogue([path])
    assert data.problems == [] and len(data.entries[CODE]) == 1
    assert t("sheets.sheets_skipped", sheets="cat.xlsx[备注]") in data.notes


def test_catalogue_no_sheet_with_code_names_every_sheet(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [("说明", [["填表说明"]]), ("备注", [["录入人：钱七"]])])
    with pytest.raises(SpreadsheetError) as exc:
        read_catalogue([path])
    assert exc.value.key == "index.no_code_sheet"
    assert exc.value.params["sheets"] == "cat.xlsx[说明]、cat.xlsx[备注]"


def test_volume_list_on_second_sheet_found_and_named(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "list.xlsx", [
        ("填表说明", [["请在第二张表填写"]]),
        ("清单", [["档号", "题名", "年度", "页数"], [CODE, "借款纠纷", 1997, 8]])])
    summary = import_volumes(project, path)
    assert summary.added == 1
    assert t("volumes.sheet_used", sheet="list.xlsx[清单]") in summary.message()
    assert t("sheets.sheets_skipped", sheets="list.xlsx[填表说明]") in summary.message()


def test_volume_list_no_sheet_with_code_names_every_sheet(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "list.xlsx", [("说明", [["填表说明"]]), ("其他", [["题名"], ["x"]])])
    with pytest.raises(SpreadsheetError) as exc:
        import_volumes(project, path)
    assert exc.value.key == "volumes.no_code_sheet"
    assert exc.value.params["sheets"] == "list.xlsx[说明]、list.xlsx[其他]"


# --- 5. total row, 年度 “1997年” -------------------------------------------------------------

def test_volume_list_total_row_skipped_and_year_suffix(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _book(tmp_path / "list.xlsx", [("清单", [
        ["档号", "题名", "年度", "页数"],
        [CODE, "借款纠纷", "1997年", 6],
        ["合 计", None, None, 6]])])
    summary = import_volumes(project, path)
    assert summary.added == 1
    assert t("volumes.total_row_skipped", row=3) in summary.message()
    assert _volume(project, CODE).year == 1997


# --- 6. columns not imported are named ---------------------------------------------------------

def test_catalogue_unknown_columns_named(tmp_path: Path) -> None:
    path = _book(tmp_path / "cat.xlsx", [("卷内目录", [
        [*ENTRY_HEAD, "承办人"],
        [CODE, 1, "", "王某", "起诉状", "19970401", "1", "", "刘法官"]])])
    data = read_catalogue([path])
    assert "cat.xlsx[卷内目录] " + t("sheets.columns_not_imported", columns="承办人") in data.notes


def test_volume_list_hidden_and_unknown_columns_named(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["序号", "档号", "题名", "承办人"])
    ws.append([1, CODE, "借款纠纷", "王法官"])
    ws.column_dimensions["A"].hidden = True
    wb.save(tmp_path / "list.xlsx")
    summary = import_volumes(project, tmp_path / "list.xlsx")
    assert t("sheets.hidden_columns", columns="序号") in summary.message()
    assert t("volumes.extra_columns", columns="序号、承办人") in summary.message()


def test_catalogue_hidden_column_named(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "卷内目录"
    ws.append(ENTRY_HEAD)
    ws.append([CODE, 1, "", "王某", "起诉状", "19970401", "1", ""])
    ws.column_dimensions["D"].hidden = True
    wb.save(tmp_path / "cat.xlsx")
    data = read_catalogue([tmp_path / "cat.xlsx"])
    assert "cat.xlsx[卷内目录] " + t("sheets.hidden_columns", columns="责任者") in data.notes
