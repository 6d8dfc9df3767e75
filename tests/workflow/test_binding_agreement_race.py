"""Two first binding agreements signed at the same moment: the second waits for the first and
is refused as it would be after it (``rebind.agreement_exists``), on both databases.

The first agreement is held inside its transaction (checked, written, not committed) while the
second starts; on PostgreSQL the test waits until the second waits on the agreement's lock.
On SQLite the write lock taken at the start of every writing transaction keeps them apart."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.db.models import BindingAgreement
from dangan.errors import StateError
from dangan.services import borrow, rebind
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from reports.helpers import until_waiting_on_a_lock
from workflow.helpers import add_people, add_volumes


def test_two_first_agreements_at_once_one_is_refused(
        any_project: ProjectContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 2)
    clerk = resolve_actor(ctx, "王借")
    info = borrow.create_borrow_batch(ctx, clerk, next_count=2)
    borrow.confirm_borrow(ctx, clerk, info.no, "档案室刘老师")

    paused, go_on = threading.Event(), threading.Event()
    real = rebind._agreement_info
    first: list[bool] = []

    def pausing(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        if not first:  # the first agreement: checked and written, not committed
            first.append(True)
            paused.set()
            assert go_on.wait(30)
        return out

    monkeypatch.setattr(rebind, "_agreement_info", pausing)
    results: dict[str, Any] = {}

    def agree(name: str, lead: str, method: str, trial: str) -> None:
        own = dataclasses.replace(ctx)  # its own engine and connections
        try:
            results[name] = rebind.agree_binding(own, method, lead, trial_codes=[trial])
        except BaseException as exc:  # handed to the test in its thread
            results[name] = exc
        finally:
            own.engine.dispose()

    one = threading.Thread(target=agree, args=("one", "档案室刘主任", "thread", codes[0]))
    one.start()
    assert paused.wait(30)
    two = threading.Thread(target=agree, args=("two", "档案室陈主任", "glue_tube", codes[1]))
    two.start()
    if ctx.engine.dialect.name == "postgresql":
        until_waiting_on_a_lock(ctx, two)  # until the second waits (or has ended)
    go_on.set()
    one.join(60)
    two.join(60)
    assert isinstance(results["one"], rebind.AgreementInfo), results["one"]
    refused = results["two"]
    assert isinstance(refused, StateError), refused
    assert refused.key == "rebind.agreement_exists"
    with ctx.transaction() as session:
        assert session.scalar(select(func.count(BindingAgreement.id))) == 1
    standing = rebind.agreement(ctx)
    assert standing is not None and standing.agreed_by == "档案室刘主任"
