"""A small project with volumes at different points of the line, and real stored files."""

from __future__ import annotations

import os

from sqlalchemy import select

from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.services import batches, borrow, returns
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from dangan.services.history import replay
from dangan.services.project import ProjectContext
from dangan.storage import Area
from workflow.helpers import add_people, add_volumes, take_to_return


def store_files(ctx: ProjectContext, code: str, count: int = 2, area: Area = Area.RETOUCHED,
                size: int = 3000) -> list[str]:
    """Write ``count`` files of a volume through the storage and record them as stored."""
    paths = []
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, code)
        for i in range(1, count + 1):
            rel = f"{area.value}/{code}/{i:04d}.jpg"
            data = os.urandom(size)
            sha = ctx.storage.write_bytes(rel, data)
            session.add(StoredFile(project_id=ctx.project_id, volume_id=volume.id,
                                   area=area.key, path=rel, kind="page", sha256=sha,
                                   size=len(data)))
            paths.append(rel)
    return paths


# What ``returned_and_open`` stores: two files a volume, and the catalogue workbook the two
# volumes taken through the line were indexed with (标引 is signed only with its catalogue).
FILES = 4 * 2 + 1


def returned_and_open(ctx: ProjectContext) -> tuple[list[str], list[str]]:
    """Two volumes through the whole line and returned; two borrowed and still at sorting.
    Every volume has two stored files; the two returned ones their catalogue too (``FILES``)."""
    add_people(ctx)
    codes = add_volumes(ctx, 4)
    clerk = resolve_actor(ctx, "王借")
    first = borrow.create_borrow_batch(ctx, clerk, codes[:2])
    second = borrow.create_borrow_batch(ctx, clerk, codes[2:])
    for info in (first, second):
        borrow.confirm_borrow(ctx, clerk, info.no, "档案室刘老师")
    (b1,) = batches.split_borrow_batch(ctx, clerk, first.no)
    batches.split_borrow_batch(ctx, clerk, second.no)
    take_to_return(ctx, b1.code)
    returns.return_batch(ctx, clerk, first.no, "刘老师", shelving_rule="从右至左")
    for code in codes:
        store_files(ctx, code)
    return codes[:2], codes[2:]


def assert_replays(ctx: ProjectContext) -> None:
    from dangan.db.models import WorkBatch

    with ctx.transaction() as s:
        state = replay(s, ctx.project_id, ws.graph_for(ctx.config))
        stored = {v.id: v.stage for v in s.scalars(select(Volume)) if v.stage != wf.REGISTERED}
        assert state.volume_stage == stored
        assert state.batch_stage == {b.id: b.stage for b in s.scalars(select(WorkBatch))}
        assert state.first_signoffs == set(s.scalars(select(StageEvent.id).where(
            StageEvent.first_signoff.is_(True))))
