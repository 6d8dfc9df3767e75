"""Catalogue import, check and double keying against a real project database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from sqlalchemy import select

from dangan.db.models import CatalogueKeying, ImportLog, Item, VolumeRecord
from dangan.errors import ConflictError, SpreadsheetError
from dangan.services import indexing
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"


def good_workbook(path: Path) -> Path:
    return write_catalogue(
        path,
        [[CODE, "张三诉李四借款纠纷", "19970101-19971231", "永久", 2, 4],
         [CODE2, "王五诉赵六", "1997", "30年", 1, 2]],
        [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "某某法院", "民事判决书", "1997-06-30", "3", ""],
         [CODE2, 1, "", "王五", "起诉状", "199703", "1-2", ""]],
    )


def test_import_then_check_clean(any_project: Any, tmp_path: Path) -> None:
    ctx = any_project
    add_volume(ctx, CODE, 4, size=(200, 283))
    add_volume(ctx, CODE2, 2, size=(200, 283))
    result = indexing.import_catalogue(ctx, actor(ctx, "钱标", "indexer", "uploader"), [good_workbook(tmp_path / "目录.xlsx")])
    assert (result.volumes, result.items) == (2, 3)
    with ctx.transaction() as s:
        items = s.scalars(select(Item).order_by(Item.volume_id, Item.seq)).all()
        assert [(i.seq, i.page_start, i.page_end, i.date) for i in items] == [
            (1, 1, 2, "19970105"), (2, 3, 4, "19970630"), (1, 1, 2, "199703")]
        rec = s.scalars(select(VolumeRecord)).first()
        assert rec is not None and rec.fields["start_date"] == "19970101"
        assert s.scalar(select(ImportLog.rows)) == 5
    assert ctx.storage.exists(result.stored_as[0])
    assert indexing.check_index(ctx) == []
    # the same catalogue again changes nothing; a different one is refused unless --replace
    same = indexing.import_catalogue(ctx, actor(ctx, "钱标", "indexer", "uploader"), [good_workbook(tmp_path / "same.xlsx")])
    assert (same.volumes, same.unchanged, same.stored_as) == (0, [CODE, CODE2], [])
    other = good_workbook(tmp_path / "other.xlsx")
    from openpyxl import load_workbook
    wb = load_workbook(other)
    wb["卷内目录"]["E3"] = "起诉书"
    wb.save(other)
    with pytest.raises(ConflictError) as refused:
        indexing.import_catalogue(ctx, actor(ctx, "钱标", "indexer", "uploader"), [other])
    assert refused.value.key == "index.already_imported" and refused.value.details == [CODE]
    again = indexing.import_catalogue(ctx, actor(ctx, "钱标", "indexer", "uploader"), [good_workbook(tmp_path / "again.xlsx")], replace=True)
    assert again.replaced == 2


def test_bad_catalogue_is_rejected_whole(project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 4, size=(200, 283))
    path = write_catalogue(
        tmp_path / "bad.xlsx",
        [[CODE, "案卷", "", "永久", 2, 5], ["1997-民-0099-0001", "未登记", "", "", 1, 1]],
        [[CODE, 1, "", "张三", "起诉状", "19970132", "1", ""],
         [CODE, 2, "", "法院", "", "", "3-5", ""]],
    )
    with pytest.raises(SpreadsheetError) as info:
        indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
    details = info.value.details
    assert len(details) == 5, details
    assert any("[卷内目录] 第 3 行" in d and "19970132" in d for d in details)
    assert any("[卷内目录] 第 4 行" in d and "缺少 题名" in d for d in details)
    assert any("[卷内目录] 第 4 行" in d and "超出最后一页" in d for d in details)
    assert any("[卷宗信息] 第 2 行" in d and "页数填写为 5" in d for d in details)
    assert any("[卷宗信息] 第 3 行" in d and "未登记" in d for d in details)
    with project.transaction() as s:
        assert s.scalars(select(Item)).all() == []
        assert s.scalars(select(ImportLog)).all() == []


def test_png_named_xlsx_is_refused(project: Any, tmp_path: Path) -> None:
    path = tmp_path / "目录.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    with pytest.raises(SpreadsheetError):
        indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])


def test_template_round_trips(project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 3, size=(200, 283))
    tpl = indexing.write_template(project, tmp_path / "模板.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(tpl)
    assert wb.sheetnames == ["卷宗信息", "卷内目录"]
    assert [c.value for c in wb["卷内目录"][1]] == [
        "档号", "顺序号", "文号", "责任者", "题名", "日期", "起始页号", "终止页号", "备注"]
    assert wb["卷宗信息"]["A2"].value == CODE


def test_double_keying_compare_and_resolve(project: Any, tmp_path: Path) -> None:
    add_volume(project, CODE, 4, size=(200, 283))
    add_volume(project, CODE2, 2, size=(200, 283))
    first = good_workbook(tmp_path / "一录.xlsx")
    second = write_catalogue(
        tmp_path / "二录.xlsx",
        [[CODE, "张三诉李四借贷纠纷", "19970101-19971231", "永久", 2, 4],
         [CODE2, "王五诉赵六", "1997", "30年", 1, 2]],
        [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "某某法院", "民事判决书", "1997-06-30", "3", ""],
         [CODE2, 1, "", "王伍", "起诉状", "199703", "1-2", ""]],
    )
    diffs = indexing.compare_keyings(project, first, second, ("甲", "乙"))
    assert [(d.volume, d.where, d.seq, d.field) for d in diffs] == [
        (CODE, "record", None, "title"), (CODE2, "entry", 1, "author")]
    assert diffs[0].marked() == "张三诉李四借[款→贷]纠纷"
    indexing.resolve_keying(project, actor(project, "丙", "indexer"), first)
    with project.transaction() as s:
        rounds = s.scalars(select(CatalogueKeying).order_by(CatalogueKeying.id)).all()
        assert [k.round for k in rounds] == [1, 1, 2, 2, 3, 3]
        resolved = [k for k in rounds if k.round == 3]
        assert resolved[0].data["resolver"] == "丙"
        assert resolved[0].differences[0]["chosen"] == "first"
        assert s.scalar(select(VolumeRecord.fields).limit(1))["title"] == "张三诉李四借款纠纷"
