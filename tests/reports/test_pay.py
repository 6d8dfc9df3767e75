"""Piece-rate pay computed by hand: units × rates, deductions to the worker who caused the
defect, the mentor's share while on probation, 原卷错误 never charged, closed periods locked
and later corrections as adjustments in the next period."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.errors import InputError, StateError
from dangan.reports.common import parse_period
from dangan.reports.pay import close_period, pay_report, stage_rates
from reports.helpers import Line, at, pay_line

NOV, DEC = parse_period("2026-11"), parse_period("2026-12")
LATER = date(2027, 3, 1)  # "today" when the periods are closed: all of them have ended


def lines(report):  # type: ignore[no-untyped-def]
    return sorted((r.worker, r.kind, r.stage, r.unit, r.units, r.rate, r.amount, r.defect_id)
                  for r in report.lines)


def slips(report):  # type: ignore[no-untyped-def]
    return {s.worker: (s.piece, s.deductions, s.mentor, s.adjustments, s.total)
            for s in report.slips}


@pytest.fixture
def line(any_project):  # type: ignore[no-untyped-def]
    return pay_line(any_project)


def seed_november(line: Line) -> dict[str, int]:
    line.sign("老张", "scan", ["V1", "V2"], at("2026-11-03"))
    line.sign("小李", "scan", ["V3", "V4"], at("2026-11-04"))
    line.sign("赵修", "retouch", ["V1", "V2", "V3", "V4"], at("2026-11-05"))
    line.sign("小李", "scan", ["V3"], at("2026-11-06"))  # re-signed after rework: not paid again
    return {
        "skew": line.defect("赵修", "skew", "retouch", at("2026-11-10")),
        "blurred": line.defect("小李", "blurred", "scan", at("2026-11-12"), volume="V3"),
        "original": line.defect("小李", "missing_page", "scan", at("2026-11-14"),
                                cause="original", volume="V4"),
        "late": line.defect("小李", "missed_scan", "scan", at("2026-11-25"), volume="V4"),
        "warning": line.defect("老张", "blank_page", "scan", at("2026-11-26"),
                               severity="warning"),
        "waived": line.defect("老张", "wrong_order", "scan", at("2026-11-27"),
                              status="waived"),
    }


def test_piece_rate_keys_name_stages(line: Line) -> None:
    rates = stage_rates(line.ctx.config, tuple(line.ctx.config.workflow.stages))
    assert rates["scan"] == [("page", 0.48)]
    assert rates["sort"] == [("volume", 2.9)] and rates["rebind"] == [("volume", 2.9)]
    assert rates["index"] == [("item", 0.5)]


def test_a_month_of_pay_by_hand(line: Line) -> None:
    d = seed_november(line)
    report = pay_report(line.ctx, NOV)
    assert not report.closed
    assert lines(report) == sorted([
        ("老张", "piece", "scan", "page", 80, 0.48, 38.4, None),
        ("老张", "mentor", "scan", "defect", 1, 1.0, -1.0, d["blurred"]),
        ("小李", "piece", "scan", "page", 80, 0.48, 38.4, None),
        ("小李", "deduction", "scan", "defect", 1, 2.0, -2.0, d["blurred"]),
        ("小李", "original", "scan", "defect", 1, 0.0, 0.0, d["original"]),
        # after the probation end (11-20) the mentor is no longer charged
        ("小李", "deduction", "scan", "defect", 1, 1.0, -1.0, d["late"]),
        ("赵修", "piece", "retouch", "page", 160, 0.1, 16.0, None),
        ("赵修", "deduction", "retouch", "defect", 1, 0.5, -0.5, d["skew"]),
    ])
    assert slips(report) == {"老张": (38.4, 0.0, -1.0, 0.0, 37.4),
                             "小李": (38.4, -3.0, 0.0, 0.0, 35.4),
                             "赵修": (16.0, -0.5, 0.0, 0.0, 15.5)}
    assert report.total == 88.3
    blurred = next(r for r in report.lines if r.kind == "mentor")
    assert "小李" in blurred.detail and str(d["blurred"]) in blurred.detail
    piece = next(r for r in report.lines if r.worker == "老张" and r.kind == "piece")
    assert piece.batch == "1-1-1" and "2" in piece.detail  # which batch, how many volumes
    only = pay_report(line.ctx, NOV, worker="小李")
    assert {r.worker for r in only.lines} == {"小李"}


def test_a_closed_period_never_changes_and_corrections_follow(line: Line) -> None:
    d = seed_november(line)
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    assert closed.closed and closed.total == 88.3
    with pytest.raises(StateError) as err:
        close_period(line.ctx, NOV, "郑经理", LATER)
    assert err.value.key == "reports.period_closed"
    # after closing: the skew is waived, the blur turns out to be the paper's own fault,
    # a late record of November scanning, and December's own work
    line.update_defect(d["skew"], status="waived")
    line.update_defect(d["blurred"], cause="original")
    line.sign("老张", "scan", ["V5"], at("2026-11-28"))
    line.sign("钱标", "index", ["V1"], at("2026-12-02"))
    dec_defect = line.defect("小李", "wrong_order", "scan", at("2026-12-03"), volume="V3")
    again = pay_report(line.ctx, NOV)
    assert again.closed and lines(again) == lines(closed)
    dec = pay_report(line.ctx, DEC)
    assert lines(dec) == sorted([
        ("钱标", "piece", "index", "item", 4, 0.5, 2.0, None),
        ("小李", "deduction", "scan", "defect", 1, 1.0, -1.0, dec_defect),
        ("赵修", "adjustment", "retouch", "defect", -1, None, 0.5, d["skew"]),
        ("小李", "adjustment", "scan", "defect", -1, None, 2.0, d["blurred"]),
        ("小李", "adjustment", "scan", "defect", 1, None, 0.0, d["blurred"]),
        ("老张", "adjustment", "scan", "defect", -1, None, 1.0, d["blurred"]),
        # signed after November was closed, dated in it: late work at its own pages × rate
        ("老张", "late", "scan", "page", 40, 0.48, 19.2, None),
    ])
    late = next(r for r in dec.lines if r.kind == "late")
    assert "2026-11" in late.detail and "1 卷" in late.detail
    # a correction prints no rate it was not computed at; the detail says was → now
    waived = next(r for r in dec.lines if r.kind == "adjustment" and r.worker == "赵修")
    assert waived.rate is None and "-0.50" in waived.detail and "0.00" in waived.detail
    assert slips(dec) == {"钱标": (2.0, 0.0, 0.0, 0.0, 2.0),
                          "小李": (0.0, -1.0, 0.0, 2.0, 1.0),
                          "赵修": (0.0, 0.0, 0.0, 0.5, 0.5),
                          "老张": (0.0, 0.0, 0.0, 1.0, 20.2)}
    assert {s.worker: s.late for s in dec.slips}["老张"] == 19.2
    close_period(line.ctx, DEC, "郑经理", LATER)
    # once December has paid the corrections, January owes nothing more
    jan = parse_period("2027-01")
    assert pay_report(line.ctx, jan).lines == ()
    # … until another November sign-off is recorded late: January pays it
    line.sign("小李", "scan", ["V6"], at("2026-11-29"))
    assert lines(pay_report(line.ctx, jan)) == [
        ("小李", "late", "scan", "page", 40, 0.48, 19.2, None)]


def test_bad_period_and_rates_are_refused(line: Line) -> None:
    with pytest.raises(InputError) as err:
        parse_period("2026-13")
    assert err.value.key == "reports.bad_period"
    with pytest.raises(StateError) as err2:
        close_period(line.ctx, NOV, "郑经理", LATER) and close_period(  # type: ignore[func-returns-value]
            line.ctx, parse_period("2026-11-15..2026-12-10"), "郑经理", LATER)
    assert err2.value.key == "reports.period_overlaps"
    with pytest.raises(StateError) as err3:
        close_period(line.ctx, parse_period("2026-10"), "郑经理", LATER)
    assert err3.value.key == "reports.period_after_closed"
