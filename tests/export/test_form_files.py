"""The forms handed to the client's archive staff, checked in the produced files."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dangan.domain.catalogue import CatalogueSchema
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.services.delivery import linking
from dangan.storage import Area

CODE = "1997-民-0014-0025"


@pytest.fixture
def packaged_jpg(package_one: Callable[[str], Any]) -> Any:
    return package_one("jpg")


def test_link_data_gives_every_page_file_of_the_jpg_form(packaged_jpg: Any, tmp_path: Path) -> None:
    out = linking.export_link_data(packaged_jpg, tmp_path / "挂接.xlsx", "xlsx", form="jpg")[0]
    wb = load_workbook(out)
    vol = [[c.value for c in r] for r in wb["案卷"].iter_rows()]
    head = vol[0]
    assert vol[1][head.index("件数")] == 2 and vol[1][head.index("页数")] == 5  # numbers, not '2'
    rows = [[c.value for c in r] for r in wb["卷内"].iter_rows()]
    head = rows[0]
    paths = [r[head.index("文件路径")] for r in rows[1:]]
    assert paths == [f"jpg/{CODE}/{CODE}-{n:04d}.jpg" for n in range(1, 6)]
    base = packaged_jpg.storage.path(f"{Area.UPLOADED.value}")
    for r in rows[1:]:
        data = (Path(base) / r[head.index("文件路径")]).read_bytes()
        assert r[head.index("SHA-256")] == hashlib.sha256(data).hexdigest()
        assert r[head.index("文件大小")] == len(data)
    assert [r[head.index("顺序号")] for r in rows[1:]] == [1, 1, 2, 2, 2]


def test_catalogue_workbook_writes_counts_and_page_numbers_as_numbers() -> None:
    schema = CatalogueSchema(record_fields=("title", "item_count", "page_count"),
                             entry_fields=("seq", "title", "page_start", "page_end", "doc_no"))
    out = io.BytesIO()
    entries = [{"seq": "1", "title": "起诉状", "page_start": "1", "page_end": "4", "doc_no": "007"}]
    write_catalogue_workbook(out, schema, [VolumeCatalogue(
        CODE, {"title": "张三诉李四", "item_count": "1", "page_count": "4"}, entries)])
    wb = load_workbook(out)
    assert [c.value for c in wb["卷宗信息"][2]] == [CODE, "张三诉李四", 1, 4]
    assert [c.value for c in wb["卷内目录"][2]] == [CODE, 1, "起诉状", 1, 4, "007"]


def _assert_print_setup(ws: Any, title_rows: str, landscape: bool) -> None:
    setup = ws.page_setup
    assert int(setup.paperSize) == 9, ws.title  # A4
    assert setup.orientation == ("landscape" if landscape else "portrait"), ws.title
    assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth == 1, ws.title
    assert setup.fitToHeight == 0, ws.title
    assert ws.print_title_rows == title_rows, ws.title
    assert ws.page_margins.left > 0.5 and ws.page_margins.top > 0.5, ws.title


@pytest.mark.parametrize("writer", ["borrow", "return"])
def test_register_workbooks_print_on_a4_one_page_wide(tmp_path: Path, writer: str) -> None:
    from datetime import datetime

    from dangan.domain.records import BorrowBatchInfo, RegisterRow
    from dangan.export.borrow_register import write_borrow_register
    from dangan.export.return_list import write_return_list

    at = datetime(2026, 11, 20, 9, 30)
    rows = [RegisterRow(i + 1, f"2012-民-0003-{i + 1:04d}", "题名", "永久", 12, "", "borrow", None,
                        None) for i in range(40)]
    info = BorrowBatchInfo(4, "out", 40, 480, "甲", "乙", at, at, at, "丙", "丁", None, None,
                           "", "", False, rows)
    write = write_borrow_register if writer == "borrow" else write_return_list
    ws = load_workbook(write(info, tmp_path / "form.xlsx", project="法院")).active
    head = next(r for r in range(1, 10) if ws.cell(r, 2).value and ws.cell(r, 3).value)
    _assert_print_setup(ws, f"${head}:${head}", landscape=True)


def test_report_workbooks_print_on_a4_one_page_wide(tmp_path: Path) -> None:
    from dangan.export.reports_xlsx import write_report_xlsx
    from dangan.reports.document import ReportDoc, Table

    doc = ReportDoc(title="工程总结表", project="法院", facts=(("卷数", 3),),
                    tables=(Table("人员", ("岗位", "人数"), (("上传员", 1),)),
                            Table("宽表", tuple(f"列{i}" for i in range(14)),
                                  (tuple("某某某某某某某某某某" for _ in range(14)),))))
    wb = load_workbook(write_report_xlsx(doc, tmp_path / "summary.xlsx"))
    _assert_print_setup(wb.worksheets[1], "$2:$2", landscape=False)
    _assert_print_setup(wb.worksheets[2], "$2:$2", landscape=True)
    assert int(wb.worksheets[0].page_setup.paperSize) == 9


def test_a_one_page_range_reads_as_one_page() -> None:
    from dangan.i18n import set_language, t

    try:
        set_language("zh")
        assert t("defect.catalogue_gap", where="1997-民-0014-0025", first=2, last=2) == \
            "1997-民-0014-0025：第 2 页不属于任何一件（目录有缺漏）"
        assert "第 2–3 页" in t("defect.catalogue_overlap", where="x", first=2, last=3)
        set_language("en")
        assert t("defect.catalogue_gap", where="x", first=2, last=2) == \
            "x: no item holds page 2 (gap in the catalogue)"
    finally:
        set_language(None)


def test_link_check_and_handover_count_the_same_delivered_files(packaged_jpg: Any,
                                                                tmp_path: Path) -> None:
    from dangan.services.delivery.handover import build_handover

    check = linking.check_links_counted(packaged_jpg, forms=["jpg"])
    assert check.defects == []
    bag = build_handover(packaged_jpg, tmp_path / "移交.bag", form="jpg")
    assert check.files == bag.files == 6  # five pages and the volume's 页面索引.csv
    index = Path(packaged_jpg.storage.path(f"{Area.UPLOADED.value}/jpg/{CODE}/页面索引.csv"))
    index.write_bytes(index.read_bytes() + b"x")
    assert [d.code for d in linking.check_links(packaged_jpg, forms=["jpg"])] == \
        ["link_file_changed"]


NEEDS_POPPLER = pytest.mark.skipif(
    __import__("shutil").which("pdffonts") is None or __import__("shutil").which("pdftotext") is None,
    reason="poppler-utils not installed")


def _pdffonts(path: Path) -> list[list[str]]:
    import subprocess

    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    return [line.split() for line in out]


def _weekly_doc(weeks: int) -> Any:
    from dangan.reports.document import Chart, ReportDoc, Table

    rows = tuple((f"2026-W{47 + i}", 100, 2, 100 * (i + 1), 2 * (i + 1), 3 * (i + 1))
                 for i in range(weeks))
    burn = Table("进度（累计）", ("周", "扫描页数", "完成卷数", "累计页数", "累计卷数", "计划卷数"), rows)
    return ReportDoc("项目周报", "法院 Court 1997", (("Week", "2026-W47"),), (burn,),
                     charts=(Chart("完成卷数：实际与计划", 0, 0, (4, 5)),))


@NEEDS_POPPLER
def test_report_and_register_pdfs_embed_every_font(tmp_path: Path) -> None:
    from datetime import datetime

    from dangan.domain.records import BorrowBatchInfo, RegisterRow
    from dangan.export.borrow_register import WQY, write_borrow_register
    from dangan.export.reports_pdf import write_report_pdf

    if not WQY.exists():
        pytest.skip("WenQuanYi Zen Hei not installed: the built-in CID font is used")
    at = datetime(2026, 11, 20, 9, 30)
    info = BorrowBatchInfo(4, "out", 1, 12, "甲", "乙", at, at, at, "丙", "丁", None, None, "", "",
                           False, [RegisterRow(1, "2012-民-0003-0001", "Title ABC", "永久", 12, "",
                                               "borrow", None, None)])
    for pdf in (write_report_pdf(_weekly_doc(1), tmp_path / "weekly.pdf"),
                write_borrow_register(info, tmp_path / "register.pdf", project="Court")):
        fonts = _pdffonts(pdf)
        assert fonts and all(f[-5] == "yes" for f in fonts), (pdf.name, fonts)  # emb
        assert not any(f[0] == "Helvetica" for f in fonts), (pdf.name, fonts)


@NEEDS_POPPLER
def test_a_one_week_chart_shows_its_point_and_says_so(tmp_path: Path) -> None:
    import subprocess
    import zipfile

    from reportlab.graphics.charts.linecharts import HorizontalLineChart

    from dangan.export.reports_pdf import _chart, write_report_pdf
    from dangan.export.reports_xlsx import write_report_xlsx

    doc = _weekly_doc(1)
    drawing = _chart("Helvetica", doc.charts[0], doc.tables[0])
    plot = next(c for c in drawing.contents if isinstance(c, HorizontalLineChart))
    assert plot.lines[0].symbol is not None and plot.lines[1].symbol is not None
    text = subprocess.run(["pdftotext", str(write_report_pdf(doc, tmp_path / "w.pdf")), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "数据不足一周" in text
    with zipfile.ZipFile(write_report_xlsx(doc, tmp_path / "w.xlsx")) as z:
        chart = z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart")))
    assert chart.count(b'<symbol val="circle"/>') == 2 and "数据不足一周".encode() in chart
    text = subprocess.run(["pdftotext", str(write_report_pdf(_weekly_doc(3), tmp_path / "w3.pdf")),
                           "-"], check=True, capture_output=True, text=True).stdout
    assert "数据不足一周" not in text



def _ocr_missing() -> str | None:
    from dangan.export.ocr import ocr_available

    return ocr_available()


@NEEDS_POPPLER
@pytest.mark.skipif(_ocr_missing() is not None, reason="OCR not installed")
def test_ocr_text_layer_embeds_the_simplified_chinese_face(tmp_path: Path) -> None:
    import subprocess

    from test_packaging_forms import text_page

    from dangan.export.ocr import ocr_pdf
    from dangan.export.pdf import item_pdf

    src, dest = tmp_path / "plain.pdf", tmp_path / "ocr.pdf"
    src.write_bytes(item_pdf([text_page()], 200))
    ocr_pdf(src, dest)
    names = [f[0] for f in _pdffonts(dest)]
    faces = [n.split("+")[-1].lower() for n in names]
    assert "notosanscjksc" in faces, names  # the Simplified Chinese face, not NotoSansCJKJP
    assert not any(f.startswith("notosanscjk") and f != "notosanscjksc" for f in faces), names
    text = subprocess.run(["pdftotext", str(dest), "-"], capture_output=True, text=True).stdout
    assert "民事判" in text.replace(" ", "")
