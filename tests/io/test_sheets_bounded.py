"""Spreadsheets are read in bounded memory and every value is checked, located, before the
database sees it — the same refusal (exit 4, row and column named) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dangan.db.models import Volume
from dangan.errors import MAX_DETAILS, SpreadsheetError
from dangan.io import sheets
from dangan.services.indexing.catalogue_io import read_catalogue
from dangan.services.volumes import import_volumes

CLI = [sys.executable, "-c", "from dangan.cli.main import run; run()"]
HEADER = ["档号", "题名", "存放位置", "页数"]


def _xlsx(path: Path, rows: list[list[object]], dimension: str | None = None,
          raw: dict[str, str] | None = None) -> Path:
    """Write rows with openpyxl, then (like a hostile file) rewrite the sheet's XML."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    if dimension is None and not raw:
        return path
    patched = path.with_suffix(".tmp")
    replaced = set()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".xml"):
                text = data.decode("utf-8")
                if dimension and item.filename == "xl/worksheets/sheet1.xml":
                    text, n = re.subn(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"',
                                      text)
                    assert n == 1
                for old, new in (raw or {}).items():  # cell text (shared strings)
                    if old in text:
                        text = text.replace(old, new)
                        replaced.add(old)
                data = text.encode("utf-8")
            zout.writestr(item, data)
    assert replaced == set(raw or {})
    patched.replace(path)
    return path


def _codes(n: int) -> list[str]:
    return [f"1997-民-0014-{i:04d}" for i in range(1, n + 1)]


def test_declared_dimension_is_ignored(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "list.xlsx", [HEADER] + [[c, "题", "1柜", 10] for c in _codes(3)],
                 dimension="A1:XFD1048576")
    assert path.stat().st_size < 8000
    table = sheets.read_table(path, HEADER)
    assert [r.get("档号") for r in table.rows] == _codes(3)
    assert table.headers == HEADER


def test_hostile_dimension_in_both_importers(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _xlsx(tmp_path / "list.xlsx", [HEADER] + [[c, "题", "1柜", 10] for c in _codes(3)],
                 dimension="A1:XFD1048576")
    assert import_volumes(any_project, path).added == 3
    entries = _xlsx(tmp_path / "cat.xlsx", [["档号", "顺序号", "题名", "页号"],
                                             [_codes(1)[0], 1, "起诉状", "1-10"]],
                    dimension="A1:XFD1048576")
    found = read_catalogue([entries])
    assert not found.problems and len(found.entries[_codes(1)[0]]) == 1


def test_row_cap_refuses_with_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 300)
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("档号,题名\n" + "".join(f"{c},t\n" for c in _codes(400)), "utf-8")
    xlsx_path = _xlsx(tmp_path / "big.xlsx", [["档号", "题名"]] + [[c, "t"] for c in _codes(400)])
    for path in (csv_path, xlsx_path):
        with pytest.raises(SpreadsheetError) as info:
            sheets.read_table(path)
        assert info.value.key == "sheets.too_many_rows" and info.value.exit_code == 4
    fine = tmp_path / "fine.csv"
    fine.write_text("档号,题名\n" + "".join(f"{c},t\n" for c in _codes(299)), "utf-8")
    assert len(sheets.read_table(fine).rows) == 299


def test_thousands_of_bad_rows_print_capped_details(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("档号,题名\n" + "".join(f"坏档号{i},t\n" for i in range(5000)), "utf-8")
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(project, path)
    assert info.value.key == "volumes.rows_invalid" and info.value.params["count"] == 5000
    assert len(info.value.details) == MAX_DETAILS + 1
    assert "4900" in info.value.details[-1]
    out = subprocess.run([*CLI, "volumes", "import", str(path), "-p", str(project.home)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 4, out.stderr
    assert len(out.stderr.splitlines()) < MAX_DETAILS + 20


CASES = [
    # (what, cells after the archive code: 题名, 存放位置, 页数), column named, row named
    ("20-digit page count", ["题", "1柜", "12345678901234567890"], "页数"),
    ("page count over 2**31", ["题", "1柜", str(2**31)], "页数"),
    ("location longer than its column", ["题", "柜" * 201, "10"], "存放位置"),
    ("NUL byte in the title", ["起诉\x00状", "1柜", "10"], "题名"),
]


@pytest.mark.parametrize("what,cells,column", CASES, ids=[c[0] for c in CASES])
def test_values_checked_before_the_database(any_project, tmp_path: Path, what: str,  # type: ignore[no-untyped-def]
                                            cells: list[str], column: str) -> None:
    path = tmp_path / "list.csv"
    good = "".join(f"{c},题,1柜,10\n" for c in _codes(3))
    path.write_text("档号,题名,存放位置,页数\n" + good + f"1997-民-0014-0099,{','.join(cells)}\n",
                    "utf-8")
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(any_project, path)
    assert info.value.exit_code == 4, what
    assert info.value.key in ("volumes.rows_invalid", "sheets.bad_cells"), info.value.key
    text = "\n".join(info.value.details)
    assert "第 5 行" in text and column in text, text
    with any_project.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Volume)) == 0


def test_utf16_csv_is_read_and_its_nul_located(tmp_path: Path) -> None:
    """Excel's "Unicode text" export is UTF-16 (a NUL every other byte) — not binary."""
    path = tmp_path / "u16.csv"
    path.write_text("档号,题名\n" + f"{_codes(1)[0]},起诉状\n" + f"{_codes(2)[1]},答\x00辩\n",
                    "utf-16")
    with pytest.raises(SpreadsheetError) as info:
        sheets.read_table(path)
    assert info.value.key == "sheets.bad_cells" and info.value.exit_code == 4
    assert "第 3 行" in info.value.details[0] and "U+0000" in info.value.details[0]


def test_catalogue_values_located(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    code = _codes(1)[0]
    path.write_text("档号,顺序号,文号,题名,页号\n"
                    f"{code},1,法〔1997〕1号,起诉状,1-3\n"
                    f"{code},99999999999,法〔1997〕2号,答辩状,4-5\n"
                    f"{code},3,{'号' * 201},判决书,6-7\n"
                    f"{code},4,法〔1997〕4号,裁定书,8-{10**12}\n", "utf-8")
    found = read_catalogue([path])
    assert len(found.problems) == 3, found.problems
    for row, column in zip((3, 4, 5), ("顺序号", "文号", "页号"), strict=True):
        assert any(f"第 {row} 行" in p and column in p for p in found.problems), found.problems


def test_catalogue_import_refuses_located_on_both_databases(any_project,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    from dangan.db.models import Item
    from dangan.domain import workflow as wf
    from dangan.services import workers
    from dangan.services.engine import resolve_actor
    from dangan.services.indexing import import_catalogue

    vols = tmp_path / "list.csv"
    vols.write_text("档号,题名,页数\n" + "".join(f"{c},题,20\n" for c in _codes(2)), "utf-8")
    import_volumes(any_project, vols)
    workers.add_worker(any_project, "钱标", [wf.INDEXER])
    code = _codes(1)[0]
    path = tmp_path / "cat.csv"
    path.write_text("档号,顺序号,文号,题名,页号\n"
                    f"{code},1,法1号,起诉状,1-3\n"
                    f"{code},{2**31},法2号,答辩状,4-5\n"
                    f"{code},3,{'号' * 201},判决书,6-7\n"
                    f"{code},4,法4号,裁\x00定书,8-20\n", "utf-8")
    with pytest.raises(SpreadsheetError) as info:
        import_catalogue(any_project, resolve_actor(any_project, "钱标"), [path])
    assert info.value.exit_code == 4
    text = "\n".join(info.value.details)
    assert "第 5 行" in text and "U+0000" in text, text
    path.write_text(path.read_text("utf-8").replace("\x00", ""), "utf-8")
    with pytest.raises(SpreadsheetError) as info:
        import_catalogue(any_project, resolve_actor(any_project, "钱标"), [path])
    text = "\n".join(info.value.details)
    assert info.value.exit_code == 4 and info.value.key == "index.import_rejected", text
    assert "第 3 行" in text and "顺序号" in text and "第 4 行" in text and "文号" in text, text
    with any_project.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0
