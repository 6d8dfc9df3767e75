"""A sign-off recorded while a period closes is paid exactly once: in the closed period when
it was recorded before the close read its boundary (``pay_period.last_event_id``), else as
late work of the next open period — never in neither, never in both. The same for the late
work of an earlier closed period, and for a defect changed or recorded while a period closes.

The sign-off is recorded between the steps of the close (after its own lines, after what the
earlier closed periods owe): on SQLite in the closing transaction (the write lock keeps any
other writer out), on PostgreSQL by another transaction that commits meanwhile, and one
written before the close began but committed only while it waits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, PayLine, PayPeriod, StageEvent, Volume
from dangan.reports import pay
from dangan.reports.common import Period, parse_period
from dangan.reports.pay import PayReport, close_period, pay_report
from dangan.services.project import ProjectContext
from reports.helpers import Line, at, pay_line, until_waiting_on_a_lock
from reports.test_pay import DEC, LATER, NOV, seed_november

JAN = parse_period("2027-01")
STEPS = ("base_lines", "owed")  # recorded after the period's own lines / after what is owed


@pytest.fixture
def line(any_project: ProjectContext) -> Line:
    return pay_line(any_project)


def postgres(line: Line) -> bool:
    return line.ctx.engine.dialect.name == "postgresql"


def record_during(line: Line, monkeypatch: pytest.MonkeyPatch, step: str,
                  record: Callable[[Session | None], None]) -> None:
    """Record (once) right after the close's ``step``: in the closing session on SQLite, in a
    transaction of its own, committed, on PostgreSQL."""
    real = getattr(pay, step)
    done: list[bool] = []

    def wrapped(session: Session, *args: Any, **kwargs: Any) -> Any:
        out = real(session, *args, **kwargs)
        if not done:
            done.append(True)
            record(None if postgres(line) else session)
        return out

    monkeypatch.setattr(pay, step, wrapped)


def index_v1(line: Line, when: str) -> Callable[[Session | None], None]:
    """钱标 indexes V1 (4 items × 0.5 = 2.0), his only work."""
    wid = line.worker_id("钱标")

    def record(session: Session | None) -> None:
        if session is None:
            line.sign("钱标", "index", ["V1"], at(when))
            return
        session.add(StageEvent(project_id=line.ctx.project_id, kind="signoff", stage="index",
                               volume_id=line.volume_ids["V1"], work_batch_id=line.batch_id,
                               worker_id=wid, person="钱标", at=at(when), first_signoff=True))
        session.flush()
    return record


def paid(report: PayReport, worker: str) -> list[tuple[str, str, float]]:
    return [(report.period, r.kind, r.amount) for r in report.lines if r.worker == worker]


@pytest.mark.parametrize("step", STEPS)
def test_a_sign_off_recorded_while_its_period_closes_is_late_work_once(
        line: Line, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    seed_november(line)
    record_during(line, monkeypatch, step, index_v1(line, "2026-11-20"))
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    monkeypatch.undo()
    assert paid(closed, "钱标") == []  # recorded after the boundary the close read
    dec = pay_report(line.ctx, DEC)
    assert paid(dec, "钱标") == [("2026-12", "late", 2.0)]
    close_period(line.ctx, DEC, "郑经理", LATER)
    assert paid(pay_report(line.ctx, DEC), "钱标") == [("2026-12", "late", 2.0)]
    assert paid(pay_report(line.ctx, JAN), "钱标") == []  # not a second time


@pytest.mark.parametrize("step", STEPS)
def test_late_work_recorded_while_the_next_period_closes_is_paid_once(
        line: Line, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    seed_november(line)
    close_period(line.ctx, NOV, "郑经理", LATER)
    record_during(line, monkeypatch, step, index_v1(line, "2026-11-20"))  # dated in November
    dec = close_period(line.ctx, DEC, "郑经理", LATER)
    monkeypatch.undo()
    assert paid(dec, "钱标") == []
    jan = pay_report(line.ctx, JAN)
    assert paid(jan, "钱标") == [("2027-01", "late", 2.0)]
    close_period(line.ctx, JAN, "郑经理", LATER)
    assert paid(pay_report(line.ctx, parse_period("2027-02")), "钱标") == []


def test_a_sign_off_recorded_before_the_close_is_paid_in_it(line: Line) -> None:
    seed_november(line)
    line.sign("钱标", "index", ["V1"], at("2026-11-20"))
    assert paid(close_period(line.ctx, NOV, "郑经理", LATER), "钱标") == [
        ("2026-11", "piece", 2.0)]
    assert paid(pay_report(line.ctx, DEC), "钱标") == []


def stored_total(line: Line, period: Period, worker: str) -> float:
    wid = line.worker_id(worker)
    with line.ctx.transaction() as s:
        return sum(s.scalars(select(PayLine.amount).join(PayPeriod).where(
            PayPeriod.project_id == line.ctx.project_id, PayPeriod.period == period.label,
            PayLine.worker_id == wid)))


@pytest.mark.parametrize("step", STEPS)
def test_a_defect_changed_or_recorded_while_its_period_closes_counts_once(
        line: Line, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    d = seed_november(line)
    recorded: list[int] = []
    retoucher = line.worker_id("赵修")

    def record(session: Session | None) -> None:
        if session is None:
            line.update_defect(d["blurred"], status="waived")
            recorded.append(line.defect("赵修", "blurred", "retouch", at("2026-11-21"),
                                        volume="V2"))
            return
        defect = session.get(Defect, d["blurred"])
        assert defect is not None
        defect.status = "waived"
        new = Defect(project_id=line.ctx.project_id, volume_id=line.volume_ids["V2"],
                     work_batch_id=line.batch_id, code="blurred", severity="error",
                     source="qc", stage="retouch", responsible_id=retoucher,
                     cause="worker", status="open", found_at=at("2026-11-21"))
        session.add(new)
        session.flush()
        recorded.append(new.id)

    record_during(line, monkeypatch, step, record)
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    monkeypatch.undo()
    charged = {(r.worker, r.kind, r.defect_id, r.amount) for r in closed.lines
               if r.defect_id in (d["blurred"], recorded[0])}
    # read before the waive: charged in the closed period, given back in the next
    assert charged == {("小李", "deduction", d["blurred"], -2.0),
                       ("老张", "mentor", d["blurred"], -1.0)}
    dec = pay_report(line.ctx, DEC)
    owes = {(r.worker, r.kind, r.defect_id, r.amount) for r in dec.lines}
    assert ("赵修", "late", recorded[0], -2.0) in owes  # the new defect, once
    assert {(w, a) for w, k, i, a in owes if i == d["blurred"]} == {
        (w, -a) for w, k, i, a in charged}  # the waive, once
    close_period(line.ctx, DEC, "郑经理", LATER)
    jan = pay_report(line.ctx, JAN)
    assert [r for r in jan.lines if r.defect_id in (d["blurred"], recorded[0])] == []
    net = {w: stored_total(line, NOV, w) + stored_total(line, DEC, w) for w in ("小李", "赵修")}
    assert net == pytest.approx({"小李": 38.4 - 1.0, "赵修": 16.0 - 0.5 - 2.0})


@pytest.mark.postgres
def test_a_sign_off_written_before_the_close_and_committed_while_it_reads_is_paid_once(
        line: Line) -> None:
    """PostgreSQL: a sign-off holding a lower event id than one already committed, itself
    committed only once the close has begun, is waited for and paid in the closed period."""
    if not postgres(line):
        pytest.skip("PostgreSQL only: on SQLite a writer holds the database until it commits")
    seed_november(line)
    pending = line.ctx.sessions()
    pending.add(StageEvent(project_id=line.ctx.project_id, kind="signoff", stage="index",
                           volume_id=line.volume_ids["V1"], work_batch_id=line.batch_id,
                           worker_id=line.worker_id("钱标"), person="钱标",
                           at=at("2026-11-20"), first_signoff=True))
    pending.flush()  # its id is taken, not yet committed
    line.sign("赵修", "retouch", ["V5"], at("2026-11-21"))  # a higher id, committed
    result: list[Any] = []

    def close() -> None:
        try:
            result.append(close_period(line.ctx, NOV, "郑经理", LATER))
        except BaseException as exc:  # handed to the test in its thread
            result.append(exc)

    closing = threading.Thread(target=close)
    closing.start()
    until_waiting_on_a_lock(line.ctx, closing)  # until the close waits for the sign-off (or ended)
    pending.commit()
    pending.close()
    closing.join()
    assert not isinstance(result[0], BaseException), result[0]
    closed = result[0]
    assert paid(closed, "钱标") == [("2026-11", "piece", 2.0)]
    assert paid(pay_report(line.ctx, DEC), "钱标") == []


@pytest.mark.parametrize("step", STEPS)
def test_a_page_count_changed_while_its_period_closes_is_corrected_once(
        line: Line, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """老张 scanned V1 and V2 (40 pages each); V1 is found to hold 42 while November closes,
    after the close read its pages: the 2 pages are the next period's correction, once."""
    seed_november(line)
    v1 = line.volume_ids["V1"]

    def record(session: Session | None) -> None:
        if session is None:
            with line.ctx.transaction() as s:
                volume = s.get(Volume, v1)
                assert volume is not None
                volume.page_count = 42
            return
        volume = session.get(Volume, v1)
        assert volume is not None
        volume.page_count = 42
        session.flush()

    record_during(line, monkeypatch, step, record)
    closed = close_period(line.ctx, NOV, "郑经理", LATER)
    monkeypatch.undo()
    assert ("老张", "piece", 38.4) in {(r.worker, r.kind, r.amount) for r in closed.lines}
    dec = pay_report(line.ctx, DEC)
    assert [(r.kind, r.units, r.amount) for r in dec.lines if r.worker == "老张"] == [
        ("adjustment", 2, 0.96)]
    close_period(line.ctx, DEC, "郑经理", LATER)
    assert [r for r in pay_report(line.ctx, JAN).lines if r.worker == "老张"] == []
