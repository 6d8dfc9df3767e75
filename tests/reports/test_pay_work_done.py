"""Pay and productivity count the work recorded for a stage: a volume never scanned (its 扫描
and 上传 signed ``--without-work``, 修图 by a plain sign-off) pays nothing for them, and 修图
pays the page files actually retouched — never the registered page expectation."""

from __future__ import annotations

import pytest

from dangan.db.models import Volume
from dangan.reports.common import parse_period
from dangan.reports.pay import pay_report
from dangan.reports.productivity import productivity
from reports.helpers import Line, at, with_pay_rules

NOV = parse_period("2026-11")


@pytest.fixture
def line(any_project):  # type: ignore[no-untyped-def]
    ctx = with_pay_rules(any_project)
    line = Line(ctx, volumes=3, pages=8)
    line.people(赵扫=["scan_operator"], 钱修=["retoucher"], 周传=["uploader"])
    with ctx.transaction() as s:  # V3 was never scanned: 8 pages expected, none ingested
        v3 = s.get(Volume, line.volume_ids["V3"])
        assert v3 is not None
        v3.page_count = None
    return line


def seed(line: Line) -> None:
    line.sign("赵扫", "scan", ["V1", "V2"], at("2026-11-03"))
    line.waive("赵扫", "scan", ["V3"], at("2026-11-03", 5))
    line.sign("赵扫", "scan", ["V3"], at("2026-11-03", 6))
    line.retouched("V2", 5)  # 5 of V2's 8 pages retouched
    line.sign("钱修", "retouch", ["V1"], at("2026-11-04"))
    line.sign("钱修", "retouch", ["V2", "V3"], at("2026-11-04"), work=False)
    line.sign("周传", "upload", ["V1", "V2"], at("2026-11-05"))
    line.waive("周传", "upload", ["V3"], at("2026-11-05", 5))
    line.sign("周传", "upload", ["V3"], at("2026-11-05", 6))


def piece(report):  # type: ignore[no-untyped-def]
    return sorted((r.worker, r.stage, r.unit, r.units, r.amount, r.detail)
                  for r in report.lines if r.kind == "piece")


def test_waived_and_unscanned_volumes_pay_nothing(line: Line) -> None:
    seed(line)
    report = pay_report(line.ctx, NOV)
    got = {(w, stage, unit): (units, amount) for w, stage, unit, units, amount, _d in
           piece(report)}
    # scan: V1 + V2 ingested (16 pages); V3 waived → nothing (was 24 pages)
    assert got[("赵扫", "scan", "page")] == (16, round(16 * 0.48, 2))
    # retouch: V1's 8 files + V2's 5; V3 has none (was 24 pages)
    assert got[("钱修", "retouch", "page")] == (13, 1.3)
    scan_detail = next(d for w, s, _u, _n, _a, d in piece(report) if s == "scan")
    assert "2" in scan_detail  # two volumes paid, not three


def test_productivity_counts_recorded_pages(line: Line) -> None:
    seed(line)
    prod = productivity(line.ctx, NOV, by="month")
    rows = {(r.worker, r.stage): (r.volumes, r.pages) for r in prod.rows}
    assert rows[("赵扫", "scan")] == (2, 16)
    assert rows[("钱修", "retouch")] == (3, 13)
    assert rows[("周传", "upload")] == (2, 16)
    stages = {s.stage: s.pages for s in prod.stages}
    assert stages["scan"] == 16 and stages["retouch"] == 13
