"""Indexing is in the workflow: the indexer signs, and a catalogue past QC changes only by a
recorded correction with a reason (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from sqlalchemy import select, update

from dangan.db.models import Item, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import indexing
from dangan.services.engine import resolve_actor
from workflow.helpers import do_stage, line_to, pass_qc

CODE = "1997-民-0014-0025"


def catalogue(path: Path, title: str) -> Path:
    return write_catalogue(path, [[CODE, "张三诉李四借款纠纷", "1997", "永久", 2, 4]],
                           [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "某某法院", title, "19970630", "3", ""]])


def test_a_catalogue_past_qc_changes_only_by_a_recorded_correction(any_project: Any,
                                                                    tmp_path: Path) -> None:
    ctx = any_project
    add_volume(ctx, CODE, 4, size=(200, 283))
    with ctx.transaction() as s:  # registered only: it goes through the line from borrowing
        s.execute(update(Volume).values(stage=wf.REGISTERED))
    batch = line_to(ctx, wf.INDEX)
    indexer = resolve_actor(ctx, "钱标")
    first = indexing.import_catalogue(ctx, indexer, [catalogue(tmp_path / "a.xlsx", "民事判决书")])
    assert first.signed == [CODE]  # the indexer holds the batch: the index stage is signed
    do_stage(ctx, batch, wf.UPLOAD, "钱标")
    assert pass_qc(ctx, batch, "孙检").passed
    changed = catalogue(tmp_path / "b.xlsx", "民事裁定书")
    with pytest.raises(StateError) as err:
        indexing.import_catalogue(ctx, indexer, [changed], replace=True)
    assert err.value.key == "index.catalogue_locked" and CODE in err.value.details
    same = indexing.import_catalogue(ctx, indexer, [catalogue(tmp_path / "c.xlsx", "民事判决书")],
                                     replace=True)
    assert same.corrected == []  # the same catalogue again changes nothing signed
    fixed = indexing.import_catalogue(ctx, indexer, [changed], replace=True,
                                      correction="第2件题名录错，据原件更正")
    assert fixed.corrected == [CODE]
    with ctx.transaction() as s:
        assert s.scalar(select(Item.title).where(Item.seq == 2)) == "民事裁定书"
        event = s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_CORRECTION)).one()
        assert (event.person, event.worker_id, event.remarks) == (
            "钱标", indexer.worker_id, "第2件题名录错，据原件更正")
        imports = s.scalars(select(StageEvent.person).where(
            StageEvent.kind == wf.EVENT_CATALOGUE)).all()
        assert imports == ["钱标"] * 3


def test_index_import_needs_an_indexer(project: Any, tmp_path: Path) -> None:
    from workflow.helpers import actor

    add_volume(project, CODE, 4, size=(200, 283))
    scanner = actor(project, "张扫", wf.SCAN_OPERATOR)
    with pytest.raises(StateError) as err:
        indexing.import_catalogue(project, scanner, [catalogue(tmp_path / "a.xlsx", "判决书")])
    assert err.value.key == "workflow.worker_lacks_role"
