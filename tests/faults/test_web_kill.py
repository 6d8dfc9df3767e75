"""``kill -9`` of the web server while it signs off a batch: the sign-off is all or nothing,
the audit trail replays to the stored state, and the retry after a restart signs once."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dangan.db.models import StageEvent, WorkBatch
from dangan.domain import workflow as wf
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.sorting import record_sorting
from dangan.web.accounts import new_token
from faults.support import (
    Server,
    assert_replays,
    is_pg,
    pg_admin,
    pg_table_lock,
    post_json,
    schema_of,
    wait_for_lock_waiter,
)
from web.support import build_line


def _signoffs(ctx: ProjectContext, batch_id: int) -> tuple[int, int]:
    """(batch sign-off events, volume sign-off events) of the sort stage of the batch."""
    with ctx.transaction() as s:
        base = select(func.count(StageEvent.id)).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SORT,
            StageEvent.work_batch_id == batch_id)
        whole = int(s.scalar(base.where(StageEvent.volume_id.is_(None))) or 0)
        per_volume = int(s.scalar(base.where(StageEvent.volume_id.is_not(None))) or 0)
    return whole, per_volume


def _post_sign(base: str, code: str, token: str, out: list[object]) -> None:
    try:
        out.append(post_json(f"{base}/api/v1/batches/{code}/sign", {"remarks": "整理完"}, token))
    except OSError as exc:  # the server died: connection reset or closed
        out.append(exc)


def test_kill_9_during_a_signoff(any_project: ProjectContext, tmp_path: Path) -> None:
    ctx = any_project
    line = build_line(ctx, volumes=2)
    code = line.batches[0]
    sorter = resolve_actor(ctx, "李整")
    engine.claim(ctx, sorter, code)
    volumes = line.volume_codes(code)
    for archive_code in volumes:
        record_sorting(ctx, sorter, archive_code, 40, unbind_notes="拆除订书钉")
    token = new_token(ctx, "sorter", "fault-test")
    with ctx.transaction() as s:
        batch_id = s.scalar(select(WorkBatch.id).where(WorkBatch.code == code))
    assert batch_id is not None

    server = Server(ctx, tmp_path / "serve-1.log")
    answers: list[object] = []
    if is_pg(ctx):
        # The request is stopped inside its transaction (batch locked, stage rows maybe
        # written) by a lock on the audit trail held here, then its server is killed.
        with pg_admin(ctx) as admin, pg_table_lock(ctx, "stage_event"):
            worker = threading.Thread(target=_post_sign, args=(server.base, code, token, answers))
            worker.start()
            wait_for_lock_waiter(admin, schema_of(ctx))
            server.kill9()
    else:
        # SQLite: the test holds the write lock, the request waits for it, the server dies.
        path = make_url(ctx.database_url).database
        assert path
        held_lite = sqlite3.connect(path, isolation_level=None)
        held_lite.execute("BEGIN IMMEDIATE")
        worker = threading.Thread(target=_post_sign, args=(server.base, code, token, answers))
        worker.start()
        time.sleep(1.5)  # let the request reach the lock (it waits up to 30 s for it)
        server.kill9()
        held_lite.execute("ROLLBACK")
        held_lite.close()
    worker.join(timeout=120)
    assert answers and isinstance(answers[0], OSError), answers

    # Nothing half-written: not signed at all, and the trail replays to the stored state.
    assert line.batch(code) == (wf.SORT, wf.CLAIMED)
    assert _signoffs(ctx, batch_id) == (0, 0)
    assert_replays(ctx)

    server = Server(ctx, tmp_path / "serve-2.log")
    try:
        url = f"{server.base}/api/v1/batches/{code}/sign"
        retry = post_json(url, {"remarks": "整理完"}, token)
        assert retry.status == 200, retry.body
        assert retry.body["volumes"] == len(volumes)
        again = post_json(url, {}, token)  # the batch has moved on: never signed twice
        assert again.status in (403, 409), again.body
        assert again.body["key"] != "error.internal"
    finally:
        server.stop()
    assert line.batch(code)[0] == wf.SCAN
    assert _signoffs(ctx, batch_id) == (1, len(volumes))
    assert_replays(ctx)
