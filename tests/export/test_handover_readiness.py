"""A handover is refused while a delivered volume has an open defect (named; the project
manager's recorded 撤销 of one recorded in error lets it go), or while a volume's package is
older than a retouch that changed its pages (named, with the package command to rebuild)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import page_jpeg
from sqlalchemy import select

from dangan.db.models import Defect, Page, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import workflow_state as ws
from dangan.services.defects import waive_defect
from dangan.services.delivery import handover, packaging
from dangan.storage import sha256_bytes
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"


@pytest.fixture
def packaged(two_packaged: tuple[Any, list[int]]) -> tuple[Any, list[int]]:
    return two_packaged


def _packager(ctx: Any) -> Any:
    return actor(ctx, "钱标", "indexer", "uploader")


def test_an_open_defect_refuses_the_handover_until_waived(packaged: Any, tmp_path: Path) -> None:
    ctx, ids = packaged
    with ctx.transaction() as session:
        defect = Defect(project_id=ctx.project_id, volume_id=ids[0], page_no=2,
                        code="black_border", severity="error", source="qc", stage=wf.RETOUCH,
                        message="第2页右侧黑边", status="open", data={})
        session.add(defect)
        session.flush()
        defect_id = defect.id
    with pytest.raises(StateError) as err:
        handover.build_handover(ctx, tmp_path / "out.bag")
    assert err.value.key == "handover.open_defects"
    assert f"#{defect_id}" in str(err.value) and any(CODE in d for d in err.value.details)
    assert not (tmp_path / "out.bag").exists()
    waive_defect(ctx, actor(ctx, "郑经理", "project_manager"), defect_id, "复核后无黑边，误记")
    assert handover.build_handover(ctx, tmp_path / "out.bag").volumes == 2


def _retouch_anew(ctx: Any, volume_id: int, page_no: int, data: bytes) -> None:
    """What a retouch run records for a page it wrote again: the file, its checksum, the
    volume's retouch record."""
    with ctx.transaction() as session:
        row = session.scalar(select(StoredFile).join(Page, Page.id == StoredFile.page_id).where(
            Page.volume_id == volume_id, Page.page_no == page_no, StoredFile.area == "retouched"))
        assert row is not None
        ctx.storage.write_bytes(row.path, data)
        row.sha256, row.size = sha256_bytes(data), len(data)
        ws.add_event(session, ctx.project_id, wf.EVENT_RETOUCH_RECORD, "赵修",
                     stage=wf.RETOUCH, volume_id=volume_id, data={"pages": 1, "failed": 0})


def _page_bytes(ctx: Any, volume_id: int, page_no: int) -> bytes:
    with ctx.transaction() as session:
        path = session.scalar(select(StoredFile.path).join(Page, Page.id == StoredFile.page_id)
                              .where(Page.volume_id == volume_id, Page.page_no == page_no,
                                     StoredFile.area == "retouched"))
    assert path is not None
    return bytes(ctx.storage.read_bytes(path))


def test_a_package_older_than_a_changed_retouch_refuses_the_handover(packaged: Any,
                                                                      tmp_path: Path) -> None:
    ctx, ids = packaged
    first = ids[0]
    # retouched again with the same result: what was packaged is still what is delivered
    _retouch_anew(ctx, first, 2, _page_bytes(ctx, first, 2))
    assert handover.build_handover(ctx, tmp_path / "same.bag").volumes == 2
    _retouch_anew(ctx, first, 2, page_jpeg(2, (400, 566), seed=99))  # the page changed
    with pytest.raises(StateError) as err:
        handover.build_handover(ctx, tmp_path / "out.bag")
    assert err.value.key == "handover.stale_package"
    assert CODE in str(err.value) and CODE2 not in str(err.value)
    assert "dangan package --volume" in str(err.value)
    packaging.package(ctx, _packager(ctx), "pdf", CODE)
    with ctx.transaction() as session:
        assert session.scalar(select(StageEvent.id).where(
            StageEvent.kind == wf.EVENT_PACKAGE).order_by(StageEvent.id.desc()).limit(1))
    assert handover.build_handover(ctx, tmp_path / "out.bag").volumes == 2
