"""Two (or more) simultaneous claims of one work batch: exactly one wins, on both databases.

Real threads, each with its own engine and connection, released together by a barrier, so
the transactions genuinely overlap; the partial unique index (PostgreSQL) or BEGIN IMMEDIATE
(SQLite) decides, and the losers get ConflictError.
"""

from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import func, select

from dangan.db.models import Claim
from dangan.errors import ConflictError
from dangan.services import claims, workers
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, borrow_and_split


def test_simultaneous_claims_exactly_one_wins(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    sorters = [f"整理员{i}" for i in range(4)]
    for name in sorters:
        workers.add_worker(ctx, name, ["sorter"])
    add_volumes(ctx, 6)
    _no, batch_codes = borrow_and_split(ctx, 6, pages_per_batch=80)
    for code in batch_codes:
        barrier = threading.Barrier(len(sorters))
        outcomes: dict[str, str] = {}

        def attempt(name: str, code: str = code, barrier: threading.Barrier = barrier,
                    outcomes: dict[str, str] = outcomes) -> None:
            own = dataclasses.replace(ctx)  # its own engine and connection pool
            try:
                barrier.wait()
                claims.claim(own, resolve_actor(own, name), code)
                outcomes[name] = "won"
            except ConflictError:
                outcomes[name] = "lost"
            finally:
                own.engine.dispose()

        threads = [threading.Thread(target=attempt, args=(n,)) for n in sorters]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(outcomes.values()) == ["lost"] * (len(sorters) - 1) + ["won"], outcomes
    with ctx.transaction() as session:
        open_claims = session.scalar(select(func.count()).select_from(Claim).where(
            Claim.released_at.is_(None)))
    assert open_claims == len(batch_codes)


def test_hand_back_then_another_may_claim(project) -> None:  # type: ignore[no-untyped-def]
    add_people(project)
    add_volumes(project, 2)
    _no, (code,) = borrow_and_split(project, 2)
    claims.claim(project, resolve_actor(project, "李整"), code)
    try:
        claims.claim(project, resolve_actor(project, "李整二"), code)
    except ConflictError as exc:
        assert "李整" in exc.message
    else:
        raise AssertionError("second claim of the same role must be refused")
    try:
        claims.hand_back(project, resolve_actor(project, "李整二"), code)
    except ConflictError:
        pass
    else:
        raise AssertionError("only the holder may hand back")
    claims.hand_back(project, resolve_actor(project, "李整"), code, "调去扫描")
    assert claims.claim(project, resolve_actor(project, "李整二"), code).worker == "李整二"
