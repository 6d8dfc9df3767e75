"""Every report opens: the .xlsx with openpyxl (figures in their cells, the weekly burn-up as
a native chart), the PDF rendered by pdftoppm and its text read by pdftotext (Chinese and
figures), and the JSON form; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dangan.db.models import BorrowBatch, StageEvent
from dangan.export.reports_pdf import write_report_pdf
from dangan.export.reports_xlsx import write_report_xlsx
from dangan.reports.common import parse_period
from dangan.reports.estimate import estimate
from dangan.reports.pay import pay_report
from dangan.reports.productivity import productivity
from dangan.reports.quality import quality
from dangan.reports.summary import summary
from dangan.reports.weekly import weekly
from reports.helpers import Line, at, pay_line
from reports.test_pay import seed_november

NEEDS_POPPLER = pytest.mark.skipif(shutil.which("pdftotext") is None
                                   or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")


@pytest.fixture
def seeded(any_project):  # type: ignore[no-untyped-def]
    line = pay_line(any_project, inspector=True)
    ctx = line.ctx
    seed_november(line)
    line.sign("孙检", "qc", ["V1", "V2"], at("2026-11-24"))
    with ctx.transaction() as s:
        bb = s.get(BorrowBatch, s.query(BorrowBatch.id).scalar())
        assert bb is not None
        bb.due_at = at("2026-11-20")
        s.add(StageEvent(project_id=ctx.project_id, kind="borrow_problem", stage="borrow",
                         volume_id=line.volume_ids["V6"], person="老张",
                         remarks="封面破损", at=at("2026-11-24")))
    return line


def pdf_text(path: Path, tmp: Path) -> str:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp / "page")], check=True)
    assert list(tmp.glob("page*.png")), "pdftoppm rendered no page"
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def cells(path: Path) -> list[object]:
    wb = load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


@NEEDS_POPPLER
def test_every_report_opens(seeded: Line, tmp_path: Path) -> None:
    ctx = seeded.ctx
    nov = parse_period("2026-11")
    reports = {
        "estimate": (estimate(ctx, start=date(2026, 12, 1)), ["项目测算", "扫描"]),
        "productivity": (productivity(ctx, nov, "week"), ["产量统计", "老张"]),
        "quality": (quality(ctx, nov), ["质量统计", "原卷错误"]),
        "pay": (pay_report(ctx, nov), ["计件工资", "小李", "师傅连带", "88.3"]),
        "weekly": (weekly(ctx, parse_period("2026-W48")), ["项目周报", "封面破损", "借卷逾期"]),
        "summary": (summary(ctx), ["工程总结表", "委托单位验收"]),
    }
    for name, (result, words) in reports.items():
        doc = result.document("测试项目")
        xlsx = write_report_xlsx(doc, tmp_path / f"{name}.xlsx")
        values = cells(xlsx)
        text_cells = " ".join(str(v) for v in values)
        for word in words:
            assert word in text_cells, (name, word)
        out = tmp_path / name
        out.mkdir()
        text = pdf_text(write_report_pdf(doc, tmp_path / f"{name}.pdf"), out)
        squeezed = "".join(text.split())
        for word in words:
            assert word in squeezed, (name, word)
        json.dumps(result.to_dict(), ensure_ascii=False, default=str)
        # a client's form shows words: no defect, verdict, area or file-kind code in a cell
        codes = {"missing_page", "blank_page", "skew", "pass", "fail", "scanned", "retouched",
                 "uploaded", "catalogue", "page", "page_index"}
        assert not [v for v in values if isinstance(v, str) and v.strip() in codes], name
        assert "missing_page" not in text_cells and "missing_page" not in squeezed, name
    pay_values = cells(tmp_path / "pay.xlsx")
    assert 37.4 in pay_values and 35.4 in pay_values and -2.0 in pay_values  # numbers as numbers


def test_weekly_has_a_native_chart(seeded: Line, tmp_path: Path) -> None:
    doc = weekly(seeded.ctx, parse_period("2026-W48")).document("测试项目")
    path = write_report_xlsx(doc, tmp_path / "w.xlsx")
    wb = load_workbook(path)
    burn = wb.worksheets[1]
    assert burn["A2"].value == "周"
    assert len(burn._charts) == 2  # openpyxl reads drawings back as charts
    with __import__("zipfile").ZipFile(path) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_quality_by_hand(seeded: Line) -> None:
    q = quality(seeded.ctx, parse_period("2026-11"))
    # errors and warnings not waived, the paper's own apart
    assert q.original == {"missing_page": 1}
    assert q.codes == {"blank_page": 1, "blurred": 1, "missed_scan": 1, "skew": 1}
    by = {w.worker: w for w in q.workers}
    # 小李 signed 80 scanned pages (the re-sign is not counted): 2 defects -> 25 per 1,000
    assert (by["小李"].pages, by["小李"].defects, by["小李"].per_1000_pages) == (80, 2, 25.0)
    assert by["赵修"].pages == 160 and by["赵修"].per_1000_pages == 6.25
    stages = {s.stage: s for s in q.stages}
    assert (stages["scan"].pages, stages["scan"].defects) == (160, 3)
