"""A formula cell in a client's workbook: read as the result Excel saved with it, and refused,
located (sheet, row, column), when the file holds no result — a workbook written by a program
rather than saved by Excel; read as its result it would have been imported as an empty title."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dangan.db.models import Volume
from dangan.errors import SpreadsheetError
from dangan.io import sheets
from dangan.services.indexing.catalogue_io import read_catalogue
from dangan.services.volumes import import_volumes

HEADER: list[object] = ["档号", "题名", "存放位置", "页数"]
CODES = ["1997-民-0014-0001", "1997-民-0014-0002"]


def _xlsx(path: Path, rows: list[list[object]], title: str = "案卷目录",
          results: dict[str, str] | None = None) -> Path:
    """Rows written by openpyxl (which saves no formula results); ``results`` adds a saved
    result to the named cells, as Excel would."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    if not results:
        return path
    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for ref, value in results.items():  # <c r="B2"><f>…</f><v></v></c>
                    start = text.index(f'<c r="{ref}">')
                    end = text.index("<v></v></c>", start)
                    text = (text[:start] + f'<c r="{ref}" t="str">' + text[start + len(ref) + 8:end]
                            + f"<v>{value}</v></c>" + text[end + len("<v></v></c>"):])
                data = text.encode("utf-8")
            zout.writestr(item, data)
    patched.replace(path)
    return path


def test_formula_without_result_is_refused_located(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [HEADER, [CODES[0], '=CONCAT("起","诉")', "1柜", 10],
                                          [CODES[1], "答辩", "1柜", "=5+5"]])
    with pytest.raises(SpreadsheetError) as info:
        sheets.read_table(path, map(str, HEADER))
    assert info.value.key == "sheets.formula_without_value"
    assert info.value.params["count"] == 2
    assert len(info.value.details) == 2
    assert "“案卷目录”第 2 行第 B 列" in info.value.details[0]
    assert '=CONCAT("起","诉")' in info.value.details[0]
    assert "第 3 行第 D 列" in info.value.details[1]


def test_formula_with_its_saved_result_is_read_as_the_result(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [HEADER, [CODES[0], '=CONCAT("起","诉")', "1柜", 10]],
                 results={"B2": "起诉"})
    table = sheets.read_table(path, map(str, HEADER))
    assert [r.get("题名") for r in table.rows] == ["起诉"]


def test_text_that_looks_like_a_formula_is_text(tmp_path: Path) -> None:
    from dangan.export.workbook_save import save_workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append([CODES[0], "=2+2", "@A1", 10])
    save_workbook(wb, tmp_path / "list.xlsx")  # saved as text, as dangan writes every workbook
    table = sheets.read_table(tmp_path / "list.xlsx", map(str, HEADER))
    assert [(r.get("题名"), r.get("存放位置")) for r in table.rows] == [("=2+2", "@A1")]


def test_both_importers_refuse_a_formula_title(any_project, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [HEADER, [CODES[0], "=A1&B1", "1柜", 10],
                                          [CODES[1], "答辩", "1柜", 10]])
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(any_project, path)
    assert info.value.key == "sheets.formula_without_value"
    with any_project.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Volume)) == 0
    cat = _xlsx(tmp_path / "cat.xlsx", [["档号", "顺序号", "题名", "页号"],
                                        [CODES[0], 1, "=UPPER(B1)", "1-10"]], title="卷内目录")
    with pytest.raises(SpreadsheetError) as info:
        read_catalogue([cat])
    assert info.value.key == "sheets.formula_without_value"
    assert "“卷内目录”第 2 行第 C 列" in info.value.details[0]
