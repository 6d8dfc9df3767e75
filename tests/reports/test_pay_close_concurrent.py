"""Two pay periods of one project closing at the same moment on PostgreSQL run one after the
other: the second sees the first's stored period, so "closes in order" holds — December
closing while November closes cannot leave November closed after it.

(On SQLite the write lock taken at the start of every writing transaction already keeps two
closes apart.)"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import PayPeriod
from dangan.errors import StateError
from dangan.reports import pay
from dangan.reports.pay import close_period
from dangan.services.project import ProjectContext
from reports.helpers import Line, pay_line, until_waiting_on_a_lock
from reports.test_pay import DEC, LATER, NOV, seed_november


@pytest.fixture
def line(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Line:
    from dangan.services.project import init_project

    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    ctx: ProjectContext = init_project(tmp_path / "proj", "court", name="测试项目")
    return pay_line(ctx)


@pytest.mark.postgres
def test_an_earlier_period_closing_while_a_later_one_closes_is_refused(
        line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_november(line)
    paused, go_on = threading.Event(), threading.Event()
    real = pay.base_lines
    first: list[bool] = []

    def pausing(session: Session, *args: Any, **kwargs: Any) -> Any:
        out = real(session, *args, **kwargs)
        if not first:  # December's close: its checks passed, its lines read, not committed
            first.append(True)
            paused.set()
            assert go_on.wait(30)
        return out

    monkeypatch.setattr(pay, "base_lines", pausing)
    results: dict[str, Any] = {}

    def close(name: str, period: Any) -> None:
        try:
            results[name] = close_period(line.ctx, period, "郑经理", LATER)
        except BaseException as exc:  # handed to the test in its thread
            results[name] = exc

    december = threading.Thread(target=close, args=("dec", DEC))
    december.start()
    assert paused.wait(30)
    november = threading.Thread(target=close, args=("nov", NOV))
    november.start()
    until_waiting_on_a_lock(line.ctx, november)  # until November's close waits (or has ended)
    go_on.set()
    december.join(60)
    november.join(60)
    assert not isinstance(results["dec"], BaseException), results["dec"]
    refused = results["nov"]
    assert isinstance(refused, StateError), refused
    assert refused.key == "reports.period_after_closed"
    with line.ctx.transaction() as session:
        assert session.scalars(select(PayPeriod.period)).all() == ["2026-12"]
