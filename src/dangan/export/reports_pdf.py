"""A report as a printable PDF (A4 landscape): the facts, every table with its header
repeated on each page, the charts drawn as line plots, and the fields to fill in by hand.
Chinese text in WenQuanYi Zen Hei when installed, else the built-in CID font; the page's
initial font is that one too, so no unembedded Helvetica is left in the file. A chart marks
every point, and says so when it has only one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from dangan.export.borrow_register import cid_font
from dangan.export.pdf_text import para
from dangan.i18n import t
from dangan.reports.document import Chart, ReportDoc, column_format, display
from dangan.reports.document import Table as ReportTable

PAGE = landscape(A4)
WIDTH = PAGE[0] - 24 * mm
SERIES_COLOURS = (colors.HexColor("#1f77b4"), colors.HexColor("#d62728"),
                  colors.HexColor("#2ca02c"), colors.HexColor("#9467bd"))


def _text(value: Any, kind: str = "") -> str:
    return display(value, kind)


def _table(font: str, table: ReportTable, body: ParagraphStyle) -> Table:
    data = [[para(_text(c), body) for c in table.columns]]
    data += [[para(_text(v, column_format(table, i)), body) for i, v in enumerate(row)]
             for row in table.rows]
    table_ = Table(data, colWidths=[WIDTH / max(1, len(table.columns))] * len(table.columns),
                   repeatRows=1)
    table_.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table_


def _chart(font: str, chart: Chart, table: ReportTable) -> Drawing:
    drawing = Drawing(WIDTH, 75 * mm, initialFontName=font)
    drawing.add(String(0, 70 * mm, chart.title, fontName=font, fontSize=11))
    plot = HorizontalLineChart()
    plot.x, plot.y = 15 * mm, 10 * mm  # type: ignore[assignment]
    plot.width, plot.height = WIDTH - 70 * mm, 52 * mm  # type: ignore[assignment]
    values = []
    for col in chart.series:
        values.append([float(r[col]) if isinstance(r[col], (int, float)) else 0.0
                       for r in table.rows])
    plot.data = values
    labels = [str(r[chart.x]) for r in table.rows]
    step = max(1, len(labels) // 12)
    plot.categoryAxis.categoryNames = [lab if i % step == 0 else "" for i, lab in
                                       enumerate(labels)]
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 7
    plot.categoryAxis.labels.angle = 30
    plot.categoryAxis.labels.boxAnchor = "ne"
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.valueMin = 0
    for i in range(len(values)):  # a dot on every point: one point alone has no line to show
        plot.lines[i].strokeColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        plot.lines[i].strokeWidth = 1.5
        plot.lines[i].symbol = makeMarker("FilledCircle", size=4,
                                          fillColor=SERIES_COLOURS[i % len(SERIES_COLOURS)])
    drawing.add(plot)
    if len(table.rows) == 1:
        drawing.add(String(15 * mm, 64 * mm, t("reports.chart.one_point"), fontName=font,
                           fontSize=8, fillColor=colors.grey))
    legend = Legend()
    legend.x, legend.y = WIDTH - 50 * mm, 55 * mm  # type: ignore[assignment]
    legend.fontName = font
    legend.fontSize = 8
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], table.columns[c])
                             for i, c in enumerate(chart.series)]
    drawing.add(legend)
    return drawing


def write_report_pdf(doc: ReportDoc, path: Path) -> Path:
    font = cid_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("head", fontName=font, fontSize=16, leading=22, alignment=1)
    section = ParagraphStyle("section", fontName=font, fontSize=11, leading=16)
    story: list[Flowable] = [
        para(doc.title, head),
        para(t("reports.generated", project=doc.project,
               at=datetime.now().strftime("%Y-%m-%d %H:%M")), body),
        Spacer(1, 4 * mm)]
    if doc.facts:
        facts = ReportTable("", ("", ""), tuple((k, v) for k, v in doc.facts))
        facts_table = Table([[para(_text(k), body), para(_text(v, doc.fact_kind(k)), body)]
                             for k, v in facts.rows], colWidths=[70 * mm, 90 * mm], hAlign="LEFT")
        facts_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                         ("FONTNAME", (0, 0), (-1, -1), font)]))
        story += [facts_table, Spacer(1, 5 * mm)]
    for chart in doc.charts:
        if doc.tables[chart.table].rows:
            story += [_chart(font, chart, doc.tables[chart.table]), Spacer(1, 3 * mm)]
    for table in doc.tables:
        story += [para(table.title, section), _table(font, table, body), Spacer(1, 5 * mm)]
    if doc.fill_in:
        story.append(para(t("reports.fill_in"), section))
        rows = [[para(f, body), ""] for f in doc.fill_in]
        box = Table(rows, colWidths=[70 * mm, WIDTH - 70 * mm], rowHeights=[14 * mm] * len(rows))
        box.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                                 ("FONTNAME", (0, 0), (-1, -1), font),
                                 ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(box)
    path.parent.mkdir(parents=True, exist_ok=True)
    SimpleDocTemplate(str(path), pagesize=PAGE, leftMargin=12 * mm, rightMargin=12 * mm,
                      topMargin=12 * mm, bottomMargin=12 * mm, title=doc.title,
                      initialFontName=font).build(story)  # no unembedded Helvetica
    return path
