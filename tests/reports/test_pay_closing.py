"""Closing a pay period: only once it has ended; work recorded after a close is late work at
its own units × rate in the next open period; a preview overlapping a closed period says so
and never pays the closed work again; the dashboard's month is the pay report's month."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.errors import NotFoundError, StateError
from dangan.i18n import t
from dangan.reports.common import parse_period
from dangan.reports.dashboard import dashboard
from dangan.reports.pay import close_period, pay_report
from reports.helpers import Line, at, pay_line
from reports.test_pay import DEC, LATER, NOV, seed_november


@pytest.fixture
def line(any_project):  # type: ignore[no-untyped-def]
    return pay_line(any_project)


def test_a_period_closes_only_once_it_has_ended(line: Line) -> None:
    seed_november(line)
    for today in (date(2026, 11, 27), date(2026, 11, 30)):
        with pytest.raises(StateError) as err:
            close_period(line.ctx, NOV, "郑经理", today)
        assert err.value.key == "reports.period_not_ended"
        assert err.value.params["last"] == "2026-11-30"
        assert err.value.params["first"] == "2026-12-01"
    assert close_period(line.ctx, NOV, "郑经理", date(2026, 12, 1)).closed


def test_an_unknown_worker_and_an_empty_period(line: Line) -> None:
    seed_november(line)
    with pytest.raises(NotFoundError) as err:
        pay_report(line.ctx, NOV, worker="不存在的人")
    assert err.value.key == "reports.worker_not_found"
    assert err.value.params["name"] == "不存在的人"
    empty = pay_report(line.ctx, parse_period("2025-01"))
    assert empty.lines == ()
    assert (t("reports.fact.note"), t("reports.no_data")) in empty.document("p").facts
    assert (t("reports.fact.note"), t("reports.no_data")) \
        not in pay_report(line.ctx, NOV).document("p").facts


def test_a_preview_overlapping_a_closed_period_warns_and_pays_nothing_twice(
        line: Line) -> None:
    seed_november(line)
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    week = pay_report(line.ctx, parse_period("2026-W46"))  # 9–15 Nov, inside November
    assert week.overlaps == ("2026-11",) and week.lines == () and week.total == 0
    notes = [v for k, v in week.document("p").facts if k == t("reports.fact.note")]
    assert any("2026-11" in v for v in notes) and t("reports.no_data") in notes
    line.sign("钱标", "index", ["V1"], at("2026-12-02"))
    span = pay_report(line.ctx, parse_period("2026-11-25..2026-12-05"))
    assert span.overlaps == ("2026-11",)
    assert [(r.worker, r.kind, r.amount) for r in span.lines] == [("钱标", "piece", 2.0)]
    assert closed.total != 0 and pay_report(line.ctx, NOV).total == closed.total


def test_the_dashboard_month_is_the_pay_report_month(line: Line) -> None:
    seed_november(line)
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    line.sign("老张", "scan", ["V5"], at("2026-11-28"))  # late: dated in closed November
    board = dashboard(line.ctx, date(2026, 11, 28))
    assert board.month_closed and board.pay_total == closed.total == 88.3
    dec = pay_report(line.ctx, DEC)
    board = dashboard(line.ctx, date(2026, 12, 2))
    assert not board.month_closed and board.pay_total == dec.total == 19.2
    assert {w.worker: w.adjustments for w in board.workers}["老张"] == 19.2
