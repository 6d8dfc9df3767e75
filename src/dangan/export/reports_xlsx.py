"""A report as a workbook: a cover sheet with the facts and the fields to fill in, one sheet
per table with numbers kept as numbers, and native Excel line charts (the weekly burn-up)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from dangan.export.workbook_save import print_setup, save_workbook
from dangan.i18n import t
from dangan.reports.document import NUMBER_FORMATS, ReportDoc, Table, column_format

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _sheet_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "表"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:26]}{n}", n + 1
    taken.add(name)
    return name


def write_report_xlsx(doc: ReportDoc, path: Path) -> Path:
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    taken: set[str] = set()
    cover.title = _sheet_name(doc.title, taken)
    cover.append([doc.title])
    cover["A1"].font = Font(size=14, bold=True)
    cover.append([t("reports.generated", project=doc.project,
                    at=datetime.now().strftime("%Y-%m-%d %H:%M"))])
    cover.append([])
    for name, value in doc.facts:
        cover.append([name, _cell(value)])
        cover.cell(cover.max_row, 1).font = Font(bold=True)
        kind = NUMBER_FORMATS.get(doc.fact_kind(name), "")
        if kind and isinstance(value, (int, float)) and not isinstance(value, bool):
            cover.cell(cover.max_row, 2).number_format = kind
    if doc.fill_in:
        cover.append([])
        cover.append([t("reports.fill_in")])
        cover.cell(cover.max_row, 1).font = Font(bold=True)
        for field in doc.fill_in:
            cover.append([field, ""])
            cover.cell(cover.max_row, 2).border = BOX
    cover.column_dimensions["A"].width = 30
    cover.column_dimensions["B"].width = 40
    print_setup(cover)
    sheets = []
    for table in doc.tables:
        ws = wb.create_sheet(_sheet_name(table.title, taken))
        _write_table(ws, table)
        sheets.append(ws)
    for chart in doc.charts:
        ws = sheets[chart.table]
        rows = len(doc.tables[chart.table].rows)
        if rows == 0:
            continue
        line = LineChart()
        line.title = chart.title
        line.height, line.width = 9, 18
        for col in chart.series:
            line.add_data(Reference(ws, min_col=col + 1, min_row=2, max_row=rows + 2),
                          titles_from_data=True)
        for series in line.series:  # a dot on every point: one point alone has no line
            series.marker.symbol = "circle"
            series.marker.size = 6
        if rows == 1:
            line.title = f"{chart.title}（{t('reports.chart.one_point')}）"
        line.set_categories(Reference(ws, min_col=chart.x + 1, min_row=3, max_row=rows + 2))
        anchor_col = get_column_letter(len(doc.tables[chart.table].columns) + 2)
        ws.add_chart(line, f"{anchor_col}{2 + 20 * list(doc.charts).index(chart)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def _write_table(ws: Any, table: Table) -> None:
    ws.append([table.title])
    ws["A1"].font = Font(size=12, bold=True)
    ws.append(list(table.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        cell.border = BOX
    formats = [NUMBER_FORMATS.get(column_format(table, i), "") for i in range(len(table.columns))]
    for row in table.rows:
        ws.append([_cell(v) for v in row])
        for i, cell in enumerate(ws[ws.max_row]):
            cell.border = BOX
            if i < len(formats) and formats[i] and isinstance(cell.value, (int, float)):
                cell.number_format = formats[i]
    for i, name in enumerate(table.columns, start=1):
        longest = max([len(str(name))] + [len(str(r[i - 1])) for r in table.rows[:200]])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest * 1.6 + 2))
    ws.freeze_panes = "A3"
    print_setup(ws, "2:2")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (int, float, str)):
        return value
    return str(value)
