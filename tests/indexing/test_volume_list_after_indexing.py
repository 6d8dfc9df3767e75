"""The client's volume list imported again after indexing keeps the indexers' titles.

Indexing sets a volume's title from its record's 案卷题名; a re-import of the client's list
(to add volumes appended to it) was then refused for every indexed volume as a "change", and
``--update`` would have overwritten the indexers' titles with the list's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dangan_index_fixtures import add_volume, write_catalogue
from openpyxl import Workbook
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.i18n import set_language
from dangan.services import indexing
from dangan.services.volumes import import_volumes
from workflow.helpers import actor

CODE, NEW = "1997-民-0014-0025", "1997-民-0014-0031"


def _list(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["档号", "题名", "年度", "页数"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _title(ctx: Any, code: str) -> str | None:
    with ctx.transaction() as s:
        return s.scalar(select(Volume.title).where(Volume.archive_code == code))


def test_a_reimported_list_keeps_the_indexed_title_and_adds_new_rows(
        project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 2, size=(400, 566))
    cat = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "张三诉李四借款纠纷案", "1997", "永久", 1, 2]],
                          [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""]])
    indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [cat])
    assert _title(project, CODE) == "张三诉李四借款纠纷案"
    rows: list[list[object]] = [[CODE, "张某诉李某借款纠纷", None, 2]]  # as registered
    set_language("en")
    try:
        first = import_volumes(project, _list(tmp_path / "list.xlsx", rows))
        assert (first.added, first.unchanged, first.updated) == (0, 1, 0)
        assert first.kept_titles == [CODE] and "kept the title set by indexing" in first.message()
        rows.append([NEW, "王五离婚纠纷", 1997, 30])
        second = import_volumes(project, _list(tmp_path / "list2.xlsx", rows), update=True,
                                actor=actor(project, "孙项目", "project_manager"))
    finally:
        set_language(None)
    assert (second.added, second.updated) == (1, 0)
    assert _title(project, CODE) == "张三诉李四借款纠纷案"  # the indexers' title stands
    assert _title(project, NEW) == "王五离婚纠纷"
