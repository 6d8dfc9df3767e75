"""The tracking sheet built the fast way is the file the plain openpyxl calls give.

``build_workbook`` registers each cell style once and lays merged ranges out directly; the
reference below is the straightforward build (``cell.font = …`` on every cell, ``merge_cells``)
it replaced. Every part of the .xlsx must be the same bytes (the document properties aside:
they carry the time of saving), and the cells read back must hold the expected values.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side

from dangan.export.tracking_sheet import SIGNED_STAGES, build_workbook
from dangan.export.workbook_save import print_setup
from dangan.i18n import set_language, t


def reference_workbook(data: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("sheet.title")[:31]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    bold = Font(bold=True)
    ws.merge_cells("A1:F1")
    ws["A1"] = t("sheet.title")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    rows: list[tuple[str, Any]] = [
        (t("sheet.project"), data.get("project", "")),
        (t("sheet.archive_code"), data["archive_code"]),
        (t("sheet.classification"), data.get("classification", "")),
        (t("sheet.volume_title"), data.get("title", "")),
        (t("sheet.page_count"), data.get("page_count", "")),
        (t("sheet.registered_pages"), data.get("expected_pages", "")),
        (t("sheet.folder"), data.get("folder", "")),
        (t("sheet.scan_operator"), data.get("scan_operator", "")),
        (t("sheet.scan_time"), data.get("scan_time", "")),
    ]
    rows += [(t(f"sheet.problems_at.{stage}"),
              "\n".join((data.get("problems") or {}).get(stage) or []) or t("sheet.no_problems"))
             for stage in ("borrow", "sort", "scan")]
    rows.append((t("sheet.sort_notes"), data.get("sort_notes") or ""))
    r = 3
    for label, value in rows:
        ws.cell(r, 1, label).font = bold
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=6)
        ws.cell(r, 2, value)
        for c in range(1, 7):
            ws.cell(r, c).border = box
            ws.cell(r, c).alignment = wrap
        r += 1
    r += 1
    headers = [t("sheet.stage"), t("sheet.signature"), t("sheet.signed_at"), t("sheet.remarks")]
    for c, h in enumerate(headers, start=1):
        ws.cell(r, c if c < 4 else 4, h).font = bold
    ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=6)
    for c in range(1, 7):
        ws.cell(r, c).border = box
    signatures = data.get("signatures", {})
    for stage in data.get("stages") or SIGNED_STAGES:
        r += 1
        sig = signatures.get(stage, {})
        ws.cell(r, 1, t(f"stage.{stage}"))
        ws.cell(r, 2, sig.get("person", ""))
        ws.cell(r, 3, sig.get("at", ""))
        ws.cell(r, 4, sig.get("remarks", ""))
        ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=6)
        ws.row_dimensions[r].height = 30
        for c in range(1, 7):
            ws.cell(r, c).border = box
            ws.cell(r, c).alignment = wrap
    r += 2
    ws.cell(r, 1, t("sheet.printed", at=data.get("generated", "")))
    for col, width in zip("ABCDEF", (18, 22, 18, 20, 20, 20), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "1:1", landscape=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FULL: dict[str, Any] = {
    "project": "某法院档案数字化", "archive_code": "1997-民-0014-0025", "classification": "民",
    "title": "张某诉李某借款纠纷", "page_count": 41, "expected_pages": 40,
    "folder": "1-2-1997-民-0014-0025", "scan_operator": "张扫", "scan_time": "2026-03-02 09:15",
    "problems": {"borrow": ["第3页右下角破损"], "scan": ["第7页字迹褪色", "第9页装订线内有字"]},
    "sort_notes": "拆除订书钉",
    "signatures": {"retouch": {"person": "李修", "at": "2026-03-02 11:00", "remarks": "纠偏 2 页"},
                   "qc": {"person": "王检", "at": "2026-03-04 16:30", "remarks": ""}},
    "stages": SIGNED_STAGES, "generated": "2026-03-05 08:00",
}
BARE: dict[str, Any] = {"archive_code": "2001-刑-0001-0002", "title": None, "page_count": None,
        "expected_pages": None, "problems": {}, "signatures": {},
        "stages": ("retouch", "index", "upload", "qc", "qc2", "rebind")}


def _parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.startswith("docProps/")}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("data", [FULL, BARE], ids=["full", "bare"])
def test_sheet_is_the_plain_build(data: dict[str, Any], lang: str) -> None:
    set_language(lang)
    try:
        fast, plain = _parts(build_workbook(data)), _parts(reference_workbook(data))
    finally:
        set_language(None)
    assert list(fast) == list(plain)
    for name in plain:
        assert fast[name] == plain[name], name


def test_sheet_cells_read_back() -> None:
    ws = load_workbook(io.BytesIO(build_workbook(FULL))).active
    assert ws is not None
    values = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert values["A1"] == t("sheet.title")
    assert values["B4"] == "1997-民-0014-0025" and values["B7"] == 41 and values["B8"] == 40
    assert values["B10"] == "张扫"
    assert (values["A12"], values["B12"]) == (t("sheet.problems_at.borrow"), "第3页右下角破损")
    assert (values["A13"], values["B13"]) == (t("sheet.problems_at.sort"), t("sheet.no_problems"))
    assert (values["A14"], values["B14"]) == (t("sheet.problems_at.scan"),
                                              "第7页字迹褪色\n第9页装订线内有字")
    assert (values["A15"], values["B15"]) == (t("sheet.sort_notes"), "拆除订书钉")
    # one signature row per stage of the line, scanning included
    assert [values[f"A{r}"] for r in range(18, 27)] == [t(f"stage.{s}") for s in SIGNED_STAGES]
    assert (values["A18"], values["A20"]) == (t("stage.borrow"), t("stage.scan"))
    assert (values["A21"], values["B21"], values["D21"]) == (t("stage.retouch"), "李修", "纠偏 2 页")
    assert (values["A24"], values["B24"], values["C24"]) == (t("stage.qc"), "王检",
                                                             "2026-03-04 16:30")
    assert values["A28"] == t("sheet.printed", at="2026-03-05 08:00")
    assert {str(r) for r in ws.merged_cells.ranges} == {
        "A1:F1", *(f"B{r}:F{r}" for r in range(3, 16)), *(f"D{r}:F{r}" for r in range(17, 27))}
    assert ws["A3"].font.bold and ws["F15"].border.right.style == "thin"
    assert ws["C17"].font.bold and ws["E19"].border.top.style == "thin"
