"""What closed pay periods owe an open one is recomputed only for what changed since the last
close — the work batches touched, the defects that differ from those the close kept — and is
the same as recomputing every closed defect, in the pay report and on the dashboard alike:
with late work, a waive, a cause change, a responsible worker found by a rework opened after
the close, a re-inspection rejected after it and a probation extended."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dangan.db.models import Defect, PayPeriod, PaySettledDefect, Rework
from dangan.reports import pay_adjustments
from dangan.reports.common import Period, parse_period, round2
from dangan.reports.dashboard import dashboard
from dangan.reports.pay import PayReport, close_period, pay_report
from dangan.reports.pay_adjustments import owed
from dangan.services.actors import resolve_actor
from dangan.services.defects import waive_defect
from dangan.services.project import ProjectContext
from dangan.services.rework import open_rework_in_session, reject_in_session
from reports.helpers import Line, at, pay_line
from reports.test_pay import DEC, LATER, NOV, lines, seed_november

JAN = parse_period("2027-01")


@pytest.fixture
def line(any_project: ProjectContext) -> Line:
    return pay_line(any_project, inspector=True)


def recomputed_in_full(line: Line, period: Period,
                       monkeypatch: pytest.MonkeyPatch) -> PayReport:
    """The pay report as it was before closes kept their defects: every one recomputed."""
    with monkeypatch.context() as m:
        m.setattr(pay_adjustments, "_changed_defects", lambda *_a, **_k: None)
        return pay_report(line.ctx, period)


def changed(line: Line, period: Period) -> set[int] | None:
    with line.ctx.transaction() as s:
        return owed(s, line.ctx, period).changed


def same_on_the_dashboard(line: Line, period: Period, today: date) -> None:
    report = pay_report(line.ctx, period)
    board = dashboard(line.ctx, today)
    assert not board.month_closed and board.pay_total == report.total
    slips = {s.worker: (s.total, round2(s.late + s.adjustments)) for s in report.slips}
    assert {w.worker: (w.total, w.adjustments) for w in board.workers} == slips


def unassigned_check_defect(line: Line) -> int:
    """A check's finding of 老张's scanning of V1 in November, nobody charged yet."""
    with line.ctx.transaction() as s:
        d = Defect(project_id=line.ctx.project_id, volume_id=line.volume_ids["V1"],
                   code="missed_scan", severity="error", source="check", stage="scan",
                   status="open", found_at=at("2026-11-15"))
        s.add(d)
        s.flush()
        return d.id


def rework(line: Line, defect_id: int, *, reject: bool) -> None:
    """Open rework of the defect (its batch and responsible worker filled in), done, and —
    when ``reject`` — rejected at re-inspection (the defect open again, a new rework)."""
    inspector = resolve_actor(line.ctx, "孙检")
    with line.ctx.transaction() as s:
        d = s.get(Defect, defect_id)
        assert d is not None
        item = open_rework_in_session(s, line.ctx.project_id, d, "孙检", at("2026-12-02"))
        if reject:
            item.status, d.status = "done", "fixed"
            reject_in_session(s, line.ctx.project_id, item, inspector, "仍模糊",
                              at("2026-12-03"))


def test_only_what_changed_since_the_close_is_recomputed_and_nothing_differs(
        line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    d = seed_november(line)
    check = unassigned_check_defect(line)
    rework(line, d["late"], reject=False)  # fixed before the close, rejected after it
    with line.ctx.transaction() as s:
        s.scalars(select(Rework)).one().status = "done"
    line.update_defect(d["late"], status="fixed")
    close_period(line.ctx, NOV, "郑经理", LATER)
    assert changed(line, DEC) == set()  # nothing changed: no defect is recomputed
    assert pay_report(line.ctx, DEC).lines == ()
    # after the close: a waive, a cause found to be the paper's, a late sign-off, a defect
    # recorded late, a rework that finds who scanned, a re-inspection rejected, a probation
    # extended (the mentor shares a defect he did not), December's own work
    waive_defect(line.ctx, resolve_actor(line.ctx, "郑经理"), d["skew"], "误判")
    line.update_defect(d["blurred"], cause="original")
    line.sign("老张", "scan", ["V5"], at("2026-11-28"))
    recorded_late = line.defect("赵修", "skew", "retouch", at("2026-11-20"), volume="V2")
    rework(line, check, reject=False)
    inspector = resolve_actor(line.ctx, "孙检")
    with line.ctx.transaction() as s:
        item = s.scalars(select(Rework).where(Rework.defect_id == d["late"])).one()
        reject_in_session(s, line.ctx.project_id, item, inspector, "仍漏扫",
                          at("2026-12-03"))
    line.mentor("小李", "老张", date(2026, 11, 30))
    line.sign("钱标", "index", ["V1"], at("2026-12-02"))
    assert changed(line, DEC) == {d["skew"], d["blurred"], d["late"], d["original"], check,
                                  recorded_late}
    dec = pay_report(line.ctx, DEC)
    assert lines(dec) == lines(recomputed_in_full(line, DEC, monkeypatch))
    owes = {(r.worker, r.kind, r.defect_id, r.amount) for r in dec.lines
            if r.kind in ("late", "adjustment")}
    assert ("赵修", "adjustment", d["skew"], 0.5) in owes  # waived
    assert ("小李", "adjustment", d["blurred"], 2.0) in owes  # the paper's
    assert ("老张", "late", check, -1.0) in owes  # charged once the rework found him
    assert ("赵修", "late", recorded_late, -0.5) in owes
    assert ("老张", "adjustment", d["late"], -0.5) in owes  # the probation now covers it
    assert ("老张", "late", None, 19.2) in owes  # V5 scanned, signed after the close
    same_on_the_dashboard(line, DEC, date(2026, 12, 2))
    # December closes; the defects it settled are kept in place of November's
    close_period(line.ctx, DEC, "郑经理", LATER)
    assert changed(line, JAN) == set() and pay_report(line.ctx, JAN).lines == ()
    with line.ctx.transaction() as s:
        kept = set(s.scalars(select(PaySettledDefect.defect_id)))
        periods = set(s.scalars(select(PaySettledDefect.pay_period_id)))
        dec_id = s.scalar(select(PayPeriod.id).where(PayPeriod.period == "2026-12"))
    assert periods == {dec_id}
    assert kept == {d["late"], d["original"], d["blurred"], check, recorded_late}
    # …and a later change of a November defect is owed to January, as in full
    line.update_defect(d["late"], status="waived")
    line.update_defect(recorded_late, responsible_id=line.worker_id("老张"), stage="scan")
    assert changed(line, JAN) == {d["late"], recorded_late}
    jan = pay_report(line.ctx, JAN)
    assert lines(jan) == lines(recomputed_in_full(line, JAN, monkeypatch)) != []
    same_on_the_dashboard(line, JAN, date(2027, 1, 5))
    # January keeps the defects it recomputed as read and the others as December kept them
    close_period(line.ctx, JAN, "郑经理", LATER)
    with line.ctx.transaction() as s:
        assert set(s.scalars(select(PaySettledDefect.defect_id))) == {
            d["original"], d["blurred"], check, recorded_late}
    assert changed(line, parse_period("2027-02")) == set()


def test_changed_rules_or_a_period_closed_before_recompute_every_defect(
        line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    d = seed_november(line)
    close_period(line.ctx, NOV, "郑经理", LATER)
    line.update_defect(d["skew"], status="waived")
    assert changed(line, DEC) == {d["skew"]}
    # a deduction changed in the project's rules: every closed defect is recomputed
    line.ctx.config.pay.deduction_per_defect["blurred"] = 3.0
    assert changed(line, DEC) is None
    dec = pay_report(line.ctx, DEC)
    assert ("小李", "adjustment", "scan", "defect", 0, None, -1.0, d["blurred"]) in lines(dec)
    line.ctx.config.pay.deduction_per_defect["blurred"] = 2.0
    # a period closed before its defects were kept has no rules: every defect, as before
    with line.ctx.transaction() as s:
        s.scalars(select(PayPeriod)).one().defect_rules = None
    assert changed(line, DEC) is None
    assert lines(pay_report(line.ctx, DEC)) == lines(recomputed_in_full(line, DEC, monkeypatch))
    # …and closing December keeps them from then on
    close_period(line.ctx, DEC, "郑经理", LATER)
    with line.ctx.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PaySettledDefect)) == 3
    assert changed(line, parse_period("2027-01")) == set()
