"""A work batch signed for 修图 over two runs (one volume held for a person the first time)
records the batch's own figures in its sign-off remarks: every page of the batch, not only the
last run's."""

from __future__ import annotations

from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import StageEvent, WorkBatch
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services.engine import resolve_actor
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from web.images import Pages
from web.support import Line
from web.test_retouch_review_hold import held_line  # noqa: F401 (the fixture)


def test_the_batch_signoff_counts_the_whole_batch(
        held_line: tuple[Line, str, list[Pages]]) -> None:  # noqa: F811
    line, code, (first, _second) = held_line
    ctx = line.ctx
    retoucher = resolve_actor(ctx, "赵修")
    run = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    assert list(run.held) == [first.archive_code] and len(run.signed) == 1  # 2 of 4 pages
    fix.accept_pages(ctx, retoucher, first.archive_code, [1, 2], "看过，原件如此")
    last = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    assert last.signed == [first.archive_code] and line.batch(code)[0] == wf.INDEX
    with ctx.transaction() as s:
        remarks = s.scalars(select(StageEvent.remarks).join(
            WorkBatch, WorkBatch.id == StageEvent.work_batch_id).where(
            WorkBatch.code == code, StageEvent.volume_id.is_(None),
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.RETOUCH)).all()
    (said,) = remarks
    pages = last.signed_figures[first.archive_code][0]
    assert pages == 2  # the last run's own volume: 2 pages
    assert said.startswith(t("retouch.signoff_remarks", pages=4, defects=0).split("，")[0])
