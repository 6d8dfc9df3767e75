"""A scanned volume keeps its title, year and page count when the client's list is imported
again with ``--update``: the row is refused by name and reason, the rest reported, nothing
written; a registered page count that differs from the scan is shown to the project manager."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import Page, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError
from dangan.i18n import t
from dangan.services.volumes import import_volumes, project_status
from workflow.helpers import actor

HEADER = "档号,题名,年度,存放位置,页数\n"


def _gbk(path: Path, rows: list[str]) -> Path:
    path.write_bytes((HEADER + "".join(r + "\n" for r in rows)).encode("gbk"))
    return path


def _scan(ctx, code: str, pages: int) -> None:  # type: ignore[no-untyped-def]
    """The volume's pages recorded as ingest records them, the volume past scanning."""
    with ctx.transaction() as s:
        volume = s.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None
        for n in range(1, pages + 1):
            s.add(Page(volume_id=volume.id, page_no=n, width=1654, height=2339, dpi=200,
                       colour_mode="RGB", format="jpg"))
        volume.page_count = pages
        volume.stage, volume.status = wf.DONE, wf.FINISHED


def test_a_scanned_volume_keeps_its_page_count_and_identity(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    first = _gbk(tmp_path / "list.csv", ["1998-民-0001-0001,张某诉李某借贷纠纷,1998,一号库-03柜,6",
                                         "1998-民-0001-0002,王某诉赵某租赁纠纷,1998,一号库-03柜,8"])
    import_volumes(ctx, first)
    _scan(ctx, "1998-民-0001-0001", 6)
    changed = _gbk(tmp_path / "list2.csv", [
        "1998-民-0001-0001,张某诉李某借贷纠纷,1998,一号库-03柜,9",  # scanned: refused
        "1998-民-0001-0002,王某诉赵某租赁纠纷,1998,一号库-04柜,8",  # not scanned: a change
        "1998-民-0001-0003,新卷,1998,一号库-05柜,3"])
    with pytest.raises(ConflictError) as err:
        import_volumes(ctx, changed, update=True, actor=actor(ctx, "李明", "borrow_clerk"))
    assert err.value.key == "volumes.scanned_rows_refused"
    details = err.value.details
    assert details[0].startswith("第 2 行 1998-民-0001-0001：该卷已扫描 6 页") and "页数" in details[0]
    assert "新增 1 卷，不变 0 卷，变更 1 卷" in details[1]
    assert any("1998-民-0001-0002" in d and "一号库-04柜" in d for d in details[2:])
    with ctx.transaction() as s:  # all or nothing: nothing written
        pages = dict(s.execute(select(Volume.archive_code, Volume.expected_pages)).all())
        assert pages == {"1998-民-0001-0001": 6, "1998-民-0001-0002": 8}
        assert s.scalars(select(StageEvent).where(StageEvent.kind == "volume_update")).all() == []
    # only the scanned row refused, nothing else changing: no "(below)" with nothing below
    alone = _gbk(tmp_path / "list4.csv", ["1998-民-0001-0001,张某诉李某借贷纠纷,1998,一号库-03柜,9",
                                          "1998-民-0001-0002,王某诉赵某租赁纠纷,1998,一号库-03柜,8"])
    with pytest.raises(ConflictError) as only:
        import_volumes(ctx, alone, update=True, actor=actor(ctx, "李明", "borrow_clerk"))
    assert only.value.details[1:] == [t("volumes.rest_of_import_none", added=0, unchanged=1,
                                        changed=0)]
    # the location of a scanned volume may still change (the shelf it goes back to)
    moved = _gbk(tmp_path / "list3.csv", ["1998-民-0001-0001,张某诉李某借贷纠纷,1998,二号库,6"])
    done = import_volumes(ctx, moved, update=True, actor=actor(ctx, "李明", "borrow_clerk"))
    assert done.updated == 1 and done.page_differs == []


def test_a_page_count_differing_from_the_scan_is_shown(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = project
    import_volumes(ctx, _gbk(tmp_path / "list.csv", ["1998-民-0001-0001,甲,1998,一号库,9"]))
    _scan(ctx, "1998-民-0001-0001", 6)  # the list said 9 before scanning; 6 were scanned
    again = import_volumes(ctx, _gbk(tmp_path / "list.csv", ["1998-民-0001-0001,甲,1998,一号库,9"]))
    assert again.page_differs == ["  1998-民-0001-0001：登记 9 页，已扫描 6 页"]
    assert "1 卷登记页数与已扫描页数不符" in again.message()
    assert project_status(ctx).page_differs == again.page_differs
