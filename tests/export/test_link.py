"""数据挂接 export and 挂接检查 on a packaged project."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook

from dangan.services.delivery import linking
from dangan.storage import Area

CODE = "1997-民-0014-0025"


@pytest.fixture
def packaged(package_one: Callable[[str], Any]) -> Any:
    return package_one("pdf")


def test_link_data_layouts(packaged: Any, tmp_path: Path) -> None:
    out = linking.export_link_data(packaged, tmp_path / "挂接.xlsx", "xlsx")[0]
    wb = load_workbook(out)
    assert wb.sheetnames == ["案卷", "卷内"]
    vol = [[c.value for c in r] for r in wb["案卷"].iter_rows()]
    assert vol[0][:3] == ["档号", "全宗名称", "类目名称"] and vol[0][-3:] == ["件数(实)", "页数(实)", "文件夹"]
    assert vol[1][0] == CODE and vol[1][-3:] == [2, 5, f"pdf/{CODE}"]
    items = [[c.value for c in r] for r in wb["卷内"].iter_rows()]
    assert items[0] == ["档号", "顺序号", "文号", "责任者", "题名", "日期", "起始页号", "终止页号", "备注",
                        "页数(实)", "文件路径", "文件格式", "文件大小", "SHA-256"]
    assert items[2][:9] == [CODE, 2, None, "某某人民法院", "民事判决书", "19970630", 3, 5, None]
    assert items[2][9:12] == [3, f"pdf/{CODE}/{CODE}-002.pdf", "pdf"]
    csvs = linking.export_link_data(packaged, tmp_path / "挂接.csv", "csv")
    assert [p.name for p in csvs] == ["挂接-案卷.csv", "挂接-卷内.csv"]
    rows = list(csv.reader(csvs[1].read_text("utf-8-sig").splitlines()))
    assert rows[1][0] == CODE and rows[1][10] == f"pdf/{CODE}/{CODE}-001.pdf"
    xml = linking.export_link_data(packaged, tmp_path / "挂接.xml", "xml")[0]
    root = etree.parse(str(xml)).getroot()
    files = root.findall("volume/item/file")
    assert [f.get("path") for f in files] == [f"pdf/{CODE}/{CODE}-001.pdf", f"pdf/{CODE}/{CODE}-002.pdf"]
    assert root.find("volume/record/field[@name='title']").text == "张三诉李四"


def test_link_check_clean_then_broken(packaged: Any) -> None:
    assert linking.check_links(packaged) == []
    base = f"{Area.UPLOADED.value}/pdf/{CODE}"
    data = bytearray(packaged.storage.read_bytes(f"{base}/{CODE}-002.pdf"))
    data[len(data) // 2] ^= 0xFF
    packaged.storage.write_bytes(f"{base}/{CODE}-002.pdf", bytes(data))
    packaged.storage.fs.rm(packaged.storage.path(f"{base}/{CODE}-001.pdf"))
    defects = linking.check_links(packaged)
    got = sorted((d.code, d.path) for d in defects)
    assert got == [("link_file_changed", f"pdf/{CODE}/{CODE}-002.pdf"),
                   ("link_file_missing", f"pdf/{CODE}/{CODE}-001.pdf")]
    assert all(set(d.to_dict()) == {"path", "volume", "page", "code", "severity", "message"}
               for d in defects)


def test_link_check_reports_wrong_page_count_and_unpackaged_form(packaged: Any) -> None:
    from dangan.db.models import Item

    with packaged.transaction() as s:
        item = s.query(Item).filter(Item.seq == 2).one()
        item.page_start = 4  # catalogue now leaves page 3 out; the PDF still has 3 pages
    defects = linking.check_links(packaged, forms=["pdf", "zip"])
    codes = sorted(d.code for d in defects)
    assert codes == ["catalogue_gap", "link_file_pages", "link_not_packaged"]
