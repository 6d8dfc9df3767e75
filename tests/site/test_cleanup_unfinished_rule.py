"""cleanup judges an unfinished ingest by the one rule ingest, fixity and status ask
(``ingest_markers.left_unfinished``), not by a copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from dangan.db.models import BorrowBatch, Volume
from dangan.domain import workflow as wf
from dangan.samples import generate_set
from dangan.services.intake import ingest
from dangan.services.project import ProjectContext
from dangan.services.site import cleanup
from workflow.helpers import actor, line_to


def test_cleanup_asks_the_one_unfinished_ingest_rule(project: ProjectContext, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = project
    root = tmp_path / "扫描站"
    truth = generate_set(root, 1, seed=43, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as s:
        for v in truth.volumes:
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count))
    line_to(ctx, wf.SCAN)
    assert [v.state for v in ingest(ctx, actor(ctx, "张扫"), root, workers=1).volumes] == [
        "ingested"]
    with ctx.transaction() as s:
        s.execute(update(Volume).values(stage=wf.DONE))
        s.execute(update(BorrowBatch).values(status=wf.BORROW_RETURNED))
    code = truth.volumes[0].archive_code

    def verdicts() -> dict[str, str]:
        return {d.archive_code: d.reason for d in cleanup.plan(ctx, root).folders
                if d.archive_code}

    assert verdicts() == {code: cleanup.DELETABLE}
    asked: list[tuple[Any, ...]] = []

    def unfinished(*args: Any, **kw: Any) -> bool:
        asked.append(args)
        return True

    monkeypatch.setattr(cleanup, "left_unfinished", unfinished)
    assert verdicts() == {code: cleanup.INGEST_UNFINISHED}
    assert asked and asked[0][1] == code
