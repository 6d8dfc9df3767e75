"""One volume is never on two open borrow batches: listing it again while its borrow batch is
planned or out is a ConflictError naming the volume and that borrow batch — also when two
clerks list it at the same moment (real threads, each with its own connection)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import func, select

from dangan.db.models import BorrowRegisterEntry
from dangan.errors import ConflictError
from dangan.services import borrow, workers
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes


def test_a_volume_on_an_open_borrow_is_not_borrowed_again(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 3)
    clerk = resolve_actor(ctx, "王借")
    first = borrow.create_borrow_batch(ctx, clerk, codes[:2])
    with pytest.raises(ConflictError) as planned:  # listed, not yet out
        borrow.create_borrow_batch(ctx, clerk, [codes[2], codes[1]])
    assert planned.value.key == "borrow.volume_on_open_borrow"
    assert planned.value.params["code"] == codes[1] and planned.value.params["no"] == first.no
    assert codes[1] in planned.value.message and "待出库" in planned.value.message
    borrow.confirm_borrow(ctx, clerk, first.no, "档案室刘老师")
    with pytest.raises(ConflictError) as out:
        borrow.create_borrow_batch(ctx, clerk, [codes[0]])
    assert out.value.key == "borrow.volume_on_open_borrow"
    assert f"借卷批次 {first.no}" in out.value.message and "已借出" in out.value.message
    second = borrow.create_borrow_batch(ctx, clerk, [codes[2]])  # nothing was listed before
    assert second.no == first.no + 1


def test_two_clerks_listing_one_volume_at_once(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    clerks = ["王借", "王借二", "王借三"]
    for name in clerks[1:]:
        workers.add_worker(ctx, name, ["borrow_clerk"])
    codes = add_volumes(ctx, 1)
    barrier = threading.Barrier(len(clerks))
    outcomes: dict[str, str] = {}

    def attempt(name: str) -> None:
        own = dataclasses.replace(ctx)  # its own engine and connection pool
        try:
            barrier.wait()
            borrow.create_borrow_batch(own, resolve_actor(own, name), codes)
            outcomes[name] = "listed"
        except ConflictError as exc:
            outcomes[name] = exc.key
        finally:
            own.engine.dispose()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in clerks]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes.values()) == ["borrow.volume_on_open_borrow"] * 2 + ["listed"]
    with ctx.transaction() as session:
        entries = session.scalar(select(func.count()).select_from(BorrowRegisterEntry))
    assert entries == 1
