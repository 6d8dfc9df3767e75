"""A catalogue's total line (合计/总计/小计 at the foot of a sheet, as typists add one) is skipped
with a note, by the rule the volume list's import applies (``sheets.is_total_line``), in the
卷宗信息 sheet and the 卷内目录 sheet, in a workbook and in a CSV; a row with an archive code
is never taken for one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from sqlalchemy import select

from dangan.db.models import Item, VolumeRecord
from dangan.errors import SpreadsheetError
from dangan.i18n import t
from dangan.services import indexing
from dangan.services.project import ProjectContext
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
ENTRIES = [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""],
           [CODE, 2, "", "法院", "民事判决书", "19970630", "3", ""]]


@pytest.fixture
def ready(project: ProjectContext) -> ProjectContext:
    add_volume(project, CODE, 4, size=(200, 283))
    actor(project, "钱标", "indexer")
    return project


def _recorded(ctx: ProjectContext) -> tuple[list[str], int]:
    with ctx.transaction() as session:
        titles = list(session.scalars(select(Item.title).order_by(Item.seq)))
        records = len(session.scalars(select(VolumeRecord)).all())
    return titles, records


def test_total_lines_of_both_sheets_are_skipped_with_a_note(ready: ProjectContext,
                                                             tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "目录.xlsx",
        [[CODE, "张三诉李四", "1997", "永久", 2, 4], ["合 计", "", "", "", 2, 4]],
        [*ENTRIES, ["", "总计：", "", "", "", "", "", "共4页"]])
    result = indexing.import_catalogue(ready, actor(ready, "钱标"), [path])
    assert result.items == 2 and _recorded(ready) == (["起诉状", "民事判决书"], 1)
    assert f"目录.xlsx[卷宗信息] {t('volumes.total_row_skipped', row=3)}" in result.notes
    assert f"目录.xlsx[卷内目录] {t('volumes.total_row_skipped', row=5)}" in result.notes


def test_a_total_line_of_a_csv_catalogue_is_skipped(ready: ProjectContext,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "卷内目录.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["档号", "顺序号", "文号", "责任者", "题名", "日期", "页号", "备注"])
        writer.writerows(ENTRIES)
        writer.writerow(["合计", "", "", "", "", "", "", ""])
    result = indexing.import_catalogue(ready, actor(ready, "钱标"), [path])
    assert result.items == 2 and _recorded(ready) == (["起诉状", "民事判决书"], 0)
    assert any(note.endswith(t("volumes.total_row_skipped", row=4)) for note in result.notes)


def test_a_row_with_an_archive_code_is_no_total_line(ready: ProjectContext,
                                                     tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1997", "永久", 3, 4]],
                           [*ENTRIES, [CODE, 3, "", "", "合计", "", "", ""]])
    with pytest.raises(SpreadsheetError) as err:
        indexing.import_catalogue(ready, actor(ready, "钱标"), [path])
    assert err.value.key == "index.import_rejected"
    assert _recorded(ready) == ([], 0)
