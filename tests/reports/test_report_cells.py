"""What the reports' workbooks hold, read back with openpyxl: money with two decimals, rates
as percentages, sizes in MB, the stages in the line's order; and the QC figures labelled by
when a defect was found (on the line, in the n-th inspection, after QC began)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from dangan.db.models import QCInspection
from dangan.export.reports_xlsx import write_report_xlsx
from dangan.i18n import t
from dangan.reports.common import parse_period
from dangan.reports.pay import pay_report
from dangan.reports.productivity import productivity
from dangan.reports.quality import quality
from dangan.reports.summary import summary
from reports.helpers import Line, at, pay_line
from reports.test_pay import seed_november

NOV = parse_period("2026-11")


@pytest.fixture
def line(project):  # type: ignore[no-untyped-def]
    line = pay_line(project, inspector=True)
    seed_november(line)
    return line


def sheet_rows(path: Path, title: str) -> list[tuple[object, ...]]:
    ws = load_workbook(path)[title[:28]]
    return [tuple(c for c in row) for row in ws.iter_rows(min_row=3)]


def test_money_is_a_number_with_two_decimals(line: Line, tmp_path: Path) -> None:
    report = pay_report(line.ctx, NOV)
    path = write_report_xlsx(report.document("p"), tmp_path / "pay.xlsx")
    slips = sheet_rows(path, t("reports.pay.slips"))
    assert slips and all(c.number_format == "#,##0.00" and isinstance(c.value, (int, float))
                         for row in slips for c in row[1:])
    cover = {r[0].value: r[1] for r in load_workbook(path).worksheets[0].iter_rows(min_row=4)
             if len(r) > 1}
    total = cover[t("reports.fact.total")]  # the cover's 合计
    assert isinstance(total.value, float) and total.number_format == "#,##0.00"
    assert total.value == pytest.approx(report.total)
    lines = sheet_rows(path, t("reports.pay.lines"))
    amounts = [row[7] for row in lines]
    assert all(c.number_format == "#,##0.00" for c in amounts)
    assert -1.0 in [c.value for c in amounts]


def test_rates_percent_sizes_in_mb_stages_in_line_order(line: Line, tmp_path: Path) -> None:
    with line.ctx.transaction() as s:
        s.add(QCInspection(work_batch_id=line.batch_id, round=1, seed=1, sample=[],
                           population=6, decision="fail", decided_at=at("2026-11-20"),
                           pass_rate=5 / 6))
    path = write_report_xlsx(quality(line.ctx).document("p"), tmp_path / "q.xlsx")
    batch = sheet_rows(path, t("reports.quality.batches"))[0]
    assert batch[3].value == pytest.approx(5 / 6) and batch[3].number_format == "0.0%"
    cover = {r[0].value: r[1] for r in load_workbook(path).worksheets[0].iter_rows(min_row=4)
             if len(r) > 1}
    rate = cover[t("reports.fact.batch_pass_rate")]  # a number shown as a percentage
    assert rate.value == 0.0 and rate.number_format == "0.0%"
    per_1000 = sheet_rows(path, t("reports.quality.by_worker"))[0][3]
    assert per_1000.number_format == "#,##0.00"

    doc = summary(line.ctx).document("p")
    files = next(tb for tb in doc.tables if tb.title == t("reports.summary.files"))
    assert files.columns[-1] == t("reports.col.megabytes")

    # sign in the reverse of the line's order: the table still reads scan, retouch, index
    line.sign("钱标", "index", ["V5"], at("2026-11-20"))
    path = write_report_xlsx(productivity(line.ctx, NOV, "month").document("p"),
                             tmp_path / "p.xlsx")
    stages = [row[0].value for row in sheet_rows(path, t("reports.productivity.by_stage"))]
    assert stages == [t("stage.scan"), t("stage.retouch"), t("stage.index")]


def test_defects_are_labelled_by_when_they_were_found(line: Line) -> None:
    """Two inspections of one batch are its 1st and 2nd inspection, not QC rounds 一检/二检;
    a defect found after the batch's QC began, outside a sample, is not 'on the line'."""
    with line.ctx.transaction() as s:
        first = QCInspection(work_batch_id=line.batch_id, round=1, seed=1, sample=[],
                             population=6, started_at=at("2026-11-15"), decision="fail",
                             decided_at=at("2026-11-15", 5), pass_rate=0.8)
        again = QCInspection(work_batch_id=line.batch_id, round=2, seed=2, sample=[],
                             population=6, started_at=at("2026-11-16"), decision="pass",
                             decided_at=at("2026-11-16", 5), pass_rate=1.0)
        s.add_all([first, again])
        s.flush()
        ids = first.id, again.id
    in_first = line.defect("赵修", "black_border", "retouch", at("2026-11-15"))
    in_second = line.defect("赵修", "black_border", "retouch", at("2026-11-16"))
    line.update_defect(in_first, inspection_id=ids[0])
    line.update_defect(in_second, inspection_id=ids[1])
    # seed_november's defects: skew (10th) and blurred (12th) before QC began, on the line;
    # the missed scan (25th) and a warning (26th) after QC began, outside an inspection
    q = quality(line.ctx)
    assert q.rounds == {"0": 2, "1": 1, "2": 1, "-1": 2}
    rows = dict(next(tb for tb in q.document("p").tables
                     if tb.title == t("reports.quality.by_round")).rows)
    assert rows == {t("reports.quality.line"): 2, t("reports.quality.inspection_no", n=1): 1,
                    t("reports.quality.inspection_no", n=2): 1,
                    t("reports.quality.after_qc"): 2}
    # errors only (no warning), the withdrawn (waived) one recorded in error left out
    found = [(r.round, r.found) for r in summary(line.ctx).rounds]
    assert found == [(0, 2), (1, 1), (2, 1), (-1, 1)]
