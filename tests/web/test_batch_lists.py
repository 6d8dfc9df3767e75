"""Work-batch lists in a fixed number of queries: every batch's volume count, first and last
archive code in register order, and holder, the same from the services, 我的任务 and the batch
page — counted with the statements actually sent, whatever the number of batches."""

from __future__ import annotations

from sqlalchemy import event, select

from dangan.db.models import Volume, Worker
from dangan.services import batches, borrow, engine
from dangan.services.batches import list_work_batches, work_batch_info
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.web.security import Account
from dangan.web.tasks import my_tasks
from web.support import build_line


class Statements:
    def __init__(self, ctx: ProjectContext) -> None:
        self.count = 0
        event.listen(ctx.engine, "before_cursor_execute", self._seen)
        self.ctx = ctx

    def _seen(self, *_args: object) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.ctx.engine, "before_cursor_execute", self._seen)


def test_spans_and_holders_in_a_fixed_number_of_queries(any_project: ProjectContext) -> None:
    ctx = any_project
    line = build_line(ctx, volumes=12)  # six work batches of two volumes, in register order
    codes = line.batches
    engine.claim(ctx, resolve_actor(ctx, "李整"), codes[1])
    seen = Statements(ctx)
    infos = list_work_batches(ctx)
    few = seen.count
    assert [i.code for i in infos] == codes
    expected = [(2, f"1997-民-0014-{2 * k + 1:04d}", f"1997-民-0014-{2 * k + 2:04d}")
                for k in range(6)]
    assert [(i.volume_count, i.first_code, i.last_code) for i in infos] == expected
    assert [i.holder for i in infos] == ["", "李整", "", "", "", ""]
    # twice the batches, the same number of statements
    more = build_line_more(ctx)
    seen.count = 0
    assert len(list_work_batches(ctx)) == 6 + len(more)
    assert seen.count == few
    seen.close()
    info = work_batch_info(ctx, codes[1])
    assert (info.volume_count, info.first_code, info.holder) == (2, "1997-民-0014-0003", "李整")
    sorter = Account(worker_id=_worker_id(ctx, "李整"), name="李整", login="sorter",
                     roles=frozenset({"sorter"}), is_admin=False, lang="zh")
    tasks = my_tasks(ctx, sorter)
    assert [(b.code, b.volume_count, b.first_code, b.last_code) for b in tasks.held] == [
        (codes[1], 2, "1997-民-0014-0003", "1997-民-0014-0004")]
    assert tasks.waiting[0].first_code == "1997-民-0014-0001"


def build_line_more(ctx: ProjectContext) -> list[str]:
    clerk = resolve_actor(ctx, "王借")
    with ctx.transaction() as session:
        for i in range(13, 25):
            session.add(Volume(project_id=ctx.project_id, archive_code=f"1997-民-0015-{i:04d}",
                               title=f"案卷{i}", expected_pages=40, list_row=i))
    info = borrow.create_borrow_batch(ctx, clerk, next_count=12)
    borrow.confirm_borrow(ctx, clerk, info.no, "档案室刘老师")
    return [b.code for b in batches.split_borrow_batch(ctx, clerk, info.no,
                                                       pages_per_batch=80)]


def _worker_id(ctx: ProjectContext, name: str) -> int:
    with ctx.transaction() as session:
        wid = session.scalar(select(Worker.id).where(Worker.name == name))
        assert wid is not None
        return wid


def test_volume_search_counts_every_match_past_the_limit(any_project: ProjectContext,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dangan.web import queries

    ctx = any_project
    build_line(ctx, volumes=6)
    monkeypatch.setattr(queries, "SEARCH_LIMIT", 4)
    rows, total = queries.search_volumes(ctx, "0014-000")
    assert total == 6 and [r.archive_code for r in rows] == [
        f"1997-民-0014-{i:04d}" for i in range(1, 5)]
    assert queries.search_volumes(ctx, "no such volume") == ([], 0)
    rows, total = queries.search_volumes(ctx, "")
    assert total == 6 and len(rows) == 4
