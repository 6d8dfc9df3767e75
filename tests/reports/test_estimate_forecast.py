"""Estimates against figures computed by hand, and the forecast on a history of known rate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dangan.db.models import QCInspection
from dangan.errors import InputError
from dangan.i18n import t
from dangan.reports.common import parse_period
from dangan.reports.estimate import estimate
from dangan.reports.weekly import forecast, weekly
from reports.helpers import Line, at

START = date(2026, 12, 1)
LATER = date(2027, 3, 1)  # "today": every week in these tests is over


def test_estimate_before_work_by_hand(any_project) -> None:  # type: ignore[no-untyped-def]
    Line(any_project, volumes=100, pages=30)  # 3,000 pages
    e = estimate(any_project, {"index": 2, "sort": 2, "rebind": 2}, start=START,
                 deadline=START + timedelta(days=1), days_per_week=7)
    assert (e.volumes, e.pages, e.items, e.volumes_left) == (100, 3000, 300.0, 100)
    by = {s.stage: s for s in e.stages}
    # pages per person-day: sort 1,500, scan 2,000 (workload.pages_per_person_day), retouch
    # 3,000, index 1,200
    assert (by["sort"].person_days, by["scan"].person_days, by["retouch"].person_days,
            by["index"].person_days) == (2.0, 1.5, 1.0, 2.5)
    assert (by["index"].staff, by["index"].working_days) == (2, 1.25)
    assert not by["scan"].measured
    # the slowest stage for this staff is scanning: 1.5 days -> finish on the 3rd (7-day weeks)
    assert e.working_days == 1.5 and e.finish == "2026-12-03"
    # piece rates: 3,000 × 0.48 + 3,000 × 0.10 + 300 items × 0.50 + 100 × 5.80 (sort + bind)
    assert (by["scan"].cost, by["retouch"].cost, by["index"].cost) == (1440.0, 300.0, 150.0)
    assert by["sort"].cost + by["rebind"].cost == 580.0
    assert e.cost == 2470.0
    assert e.scan_station_days == 1.5
    # one day to the deadline: staff = ceil(person-days)
    assert e.staff_for_deadline["index"] == 3 and e.staff_for_deadline["sort"] == 2
    assert e.staff_for_deadline["scan"] == 2 and e.staff_for_deadline["retouch"] == 1
    plans = {p.name: p for p in e.plans}
    assert len(plans) == 3
    given, doubled, for_deadline = e.plans
    assert (given.working_days, given.bottleneck) == (1.5, "scan")
    # doubled: scan 1.5/2 = 0.75 is slower than index 2.5/4 and sort 2.0/4
    assert (doubled.staff["index"], doubled.working_days, doubled.bottleneck) == (4, 0.75, "scan")
    assert (for_deadline.working_days, for_deadline.finish) == (1.0, "2026-12-02")


def test_staff_of_an_unknown_stage_is_refused(any_project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        estimate(any_project, {"scna": 3})
    assert err.value.key == "reports.bad_staff_stage"


def test_re_estimate_from_measured_rates(any_project) -> None:  # type: ignore[no-untyped-def]
    line = Line(any_project, volumes=100, pages=30)
    line.people(老张=["scan_operator"])
    names = [f"V{i}" for i in range(1, 51)]
    line.sign("老张", "scan", names[:25], at("2026-11-02"))
    line.sign("老张", "scan", names[25:], at("2026-11-03"))
    e = estimate(any_project, start=START, days_per_week=7)
    scan = next(s for s in e.stages if s.stage == "scan")
    # measured: 1,500 pages in 2 person-days = 750 a day; 1,500 pages left -> 2 person-days
    assert (scan.measured, scan.rate, scan.pages_left, scan.person_days) == (True, 750.0, 1500,
                                                                             2.0)
    retouch = next(s for s in e.stages if s.stage == "retouch")
    assert (retouch.measured, retouch.pages_left) == (False, 3000)


def test_forecast_at_a_known_rate() -> None:
    end = date(2026, 11, 30)
    days = {(end - timedelta(days=d)).isoformat(): 10 for d in range(1, 29)}
    f = forecast(days, end, remaining=100, today=LATER)
    assert (f.rate_per_day, f.finish, f.earliest, f.latest) == (10.0, "2026-12-10",
                                                                "2026-12-10", "2026-12-10")
    # weeks of 70, 140, 70, 140 volumes: 15 a day (finish in 7 days), range 10–20 a day
    varied = {}
    for w, per_day in enumerate((10, 20, 10, 20)):
        for d in range(7):
            varied[(end - timedelta(days=28 - 7 * w - d)).isoformat()] = per_day
    f = forecast(varied, end, remaining=100, today=LATER)
    assert (f.rate_per_day, f.finish, f.earliest, f.latest) == (15.0, "2026-12-07",
                                                                "2026-12-05", "2026-12-10")
    assert forecast({}, end, remaining=5, today=LATER).finish == ""
    assert forecast({}, end, remaining=0, today=LATER).finish == end.isoformat()
    # all done on the 26th: the finish date is that day, not the end of the week reported
    f = forecast({"2026-11-24": 3, "2026-11-26": 2}, end, remaining=0, today=LATER)
    assert (f.finish, f.earliest, f.latest) == ("2026-11-26",) * 3


def test_weekly_burn_up_and_forecast_from_sign_offs(any_project) -> None:  # type: ignore[no-untyped-def]
    line = Line(any_project, volumes=40, pages=30)
    line.people(孙检=["qc_inspector"], 张扫=["scan_operator"])
    # one volume through QC (and scanned) a day, Monday 2 to Sunday 29 November
    for d in range(28):
        day = (date(2026, 11, 2) + timedelta(days=d)).isoformat()
        line.sign("孙检", "qc", [f"V{d + 1}"], at(day))
        line.sign("张扫", "scan", [f"V{d + 1}"], at(day))
    w = weekly(any_project, parse_period("2026-W48"), plan_start=date(2026, 11, 2),
               deadline=date(2026, 12, 12), today=LATER)
    assert [p.week for p in w.points] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [p.cum_volumes for p in w.points] == [7, 14, 21, 28]
    assert [p.pages_scanned for p in w.points] == [210] * 4
    assert [p.plan_volumes for p in w.points] == [7, 14, 21, 28]  # 40 over 40 days
    assert w.forecast.rate_per_day == 1.0 and w.forecast.remaining == 12
    assert w.forecast.finish == "2026-12-12"


def test_the_pace_of_a_young_project_rests_on_its_days_of_work(any_project) -> None:  # type: ignore[no-untyped-def]
    """A project one day old did 5 volumes that day: the pace is 5 a day, not 5 over the
    four weeks before it started, and the report says on how many days it rests."""
    line = Line(any_project, volumes=8, pages=10)
    line.people(孙检=["qc_inspector"], 张扫=["scan_operator"])
    line.sign("张扫", "scan", [f"V{i}" for i in range(1, 9)], at("2026-11-27"))
    line.sign("孙检", "qc", [f"V{i}" for i in range(1, 6)], at("2026-11-27"))
    w = weekly(any_project, parse_period("2026-W48"), today=date(2026, 11, 27))
    f = w.forecast
    assert (f.rate_per_day, f.days, f.remaining) == (5.0, 1, 3)
    assert f.finish == f.earliest == f.latest == "2026-11-29"
    facts = dict(w.document("p").facts)
    assert facts[t("reports.fact.rate")] == t("reports.weekly.rate_days", rate=5.0, days=1)
    # the week's dates, and no empty "–" range when there is no pace yet
    empty = weekly(any_project, parse_period("2025-W03"), today=date(2026, 11, 27))
    facts = dict(empty.document("p").facts)
    assert facts[t("reports.fact.week")] == t("reports.weekly.dates", week="2025-W03",
                                              start="2025-01-13", end="2025-01-19")
    assert facts[t("reports.fact.forecast_range")] == t("reports.weekly.no_forecast")
    assert facts[t("reports.fact.note")] == t("reports.no_data")
    # a batch failing QC twice is a problem of the project, not data of that week
    with any_project.transaction() as s:
        s.add_all([QCInspection(work_batch_id=line.batch_id, round=n, seed=n, sample=[],
                                population=8, decision="fail", decided_at=at("2026-11-27"),
                                pass_rate=0.5) for n in (1, 2)])
    empty = weekly(any_project, parse_period("2025-W03"), today=date(2026, 11, 27))
    assert empty.rework_loops and \
        dict(empty.document("p").facts)[t("reports.fact.note")] == t("reports.no_data")
    assert t("reports.fact.note") not in dict(w.document("p").facts)
