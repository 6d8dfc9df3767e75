"""A catalogue template filled in for one volume and imported changes only that volume.

``dangan index template`` lists every volume; rows left as the template wrote them (档号,
its 案卷题名 and 页数) are skipped and named (``index.unfilled_skipped``), never imported as
a correction blanking what was indexed; the refusal asking for ``--correction`` counts only
volumes whose rows change something; over a recorded volume record a blank cell keeps the
recorded value; 卷内目录 rows with nothing but 档号/顺序号 delete no stored item.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import Item, StageEvent, Volume, VolumeRecord
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.services import engine, indexing
from dangan.services.engine import resolve_actor
from web.images import add_image_accounts, to_stage
from web.support import Line

runner = CliRunner()
INDEXER = "钱标"


def _record(i: int) -> dict[str, Any]:
    return {"fonds_name": "某某区人民法院", "category_name": "民事", "title": f"案卷{i}（已著录）",
            "start_date": "19970105", "end_date": "19971230", "retention": "30年",
            "item_count": "1", "page_count": "3", "security_class": ""}


def _indexed(line: Line, codes: list[str]) -> Path:
    """The catalogue of volumes indexed before (one item of 3 pages, a full record)."""
    path = Path(tempfile.mkdtemp(prefix="indexed-")) / "indexed.xlsx"
    with path.open("wb") as out:
        write_catalogue_workbook(out, indexing.schema_of(line.ctx), [VolumeCatalogue(
            c, _record(i), [{"seq": 1, "title": f"起诉状{i}", "doc_no": f"（1997）民初字第{i}号",
                             "author": "张三", "page_start": 1, "page_end": 3}])
            for i, c in enumerate(codes, 1)])
    return path


def _stored(line: Line) -> dict[str, tuple[dict[str, Any], list[tuple[int, str, int, int]]]]:
    with line.ctx.transaction() as s:
        vols = s.execute(select(Volume.id, Volume.archive_code)).all()
        out = {}
        for vid, code in vols:
            rec = s.scalar(select(VolumeRecord.fields).where(VolumeRecord.volume_id == vid))
            items = [(i.seq, i.title, i.page_start, i.page_end) for i in s.scalars(
                select(Item).where(Item.volume_id == vid).order_by(Item.seq))]
            out[code] = (dict(rec or {}), items)
        return out


def _corrections(line: Line) -> list[tuple[int | None, str]]:
    with line.ctx.transaction() as s:
        return [(e.volume_id, e.remarks or "") for e in s.scalars(
            select(StageEvent).where(StageEvent.kind == wf.EVENT_CORRECTION))]


@pytest.fixture
def trial(line: Line) -> tuple[list[str], Path]:
    """Volumes 1–2 indexed and at QC, volume 3 indexed and volume 4 not, at 著录 held by
    钱标; volumes 5–6 still at 整理. Returns the codes and the project home."""
    add_image_accounts(line.ctx)
    first, second = line.batches[0], line.batches[1]
    codes = [c for b in line.batches for c in line.volume_codes(b)]
    to_stage(line, first, wf.QC, catalogue=_indexed(line, codes[:2]))
    to_stage(line, second, wf.INDEX)
    indexer = resolve_actor(line.ctx, INDEXER)
    engine.claim(line.ctx, indexer, second)
    indexing.import_catalogue(line.ctx, indexer, [_indexed(line, codes[2:3])])
    return codes, line.ctx.home


def _template(home: Path, dest: Path) -> Path:
    result = runner.invoke(app, ["index", "template", "-o", str(dest), "-p", str(home)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dest


def _fill(path: Path, records: dict[str, dict[str, Any]],
          entries: list[list[Any]]) -> Path:
    """Type into the template as an indexer would: some cells of some record rows, and
    卷内目录 rows (档号, 顺序号, 文号, 责任者, 题名, 日期, 起始页号, 终止页号, 备注)."""
    wb = load_workbook(path)
    ws = wb["卷宗信息"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        code = str(row[headers.index("档号")].value)
        for header, value in records.get(code, {}).items():
            row[headers.index(header)].value = value
    for entry in entries:
        wb["卷内目录"].append(entry)
    wb.save(path)
    return path


def _import(home: Path, path: Path, *extra: str) -> Any:
    return runner.invoke(app, ["index", "import", str(path), "-w", INDEXER, "-p", str(home),
                               *extra])


FOURTH = {"全宗名称": "某某区人民法院", "类目名称": "民事", "案卷题名": "张三诉李四借款纠纷",
          "起始日期": "19980301", "终止日期": "19981120", "保管期限": "永久", "件数": 1}


def _fourth(code: str) -> list[list[Any]]:
    return [[code, 1, "", "张三", "起诉状", "19980301", 1, 3, ""]]


def test_template_filled_for_one_volume_leaves_the_others_untouched(
        line: Line, trial: tuple[list[str], Path], tmp_path: Path) -> None:
    codes, home = trial
    before = _stored(line)
    path = _fill(_template(home, tmp_path / "cat.xlsx"), {codes[3]: FOURTH}, _fourth(codes[3]))
    result = _import(home, path)
    assert result.exit_code == 0, result.output  # before: exit 7, asking for --correction
    out = "".join(result.output.split())
    skipped = [codes[0], codes[1], codes[2], codes[4], codes[5]]
    assert "5卷未填写" in out and all(c in out for c in skipped), result.output
    after = _stored(line)
    for code in codes[:3]:
        assert after[code] == before[code]  # the indexed records and items, as they were
    assert after[codes[3]][0]["fonds_name"] == "某某区人民法院"
    assert after[codes[3]][1] == [(1, "起诉状", 1, 3)]
    assert after[codes[4]] == ({}, []) and after[codes[5]] == ({}, [])
    assert _corrections(line) == []


def test_correction_counts_only_changed_rows_and_a_blank_cell_keeps_the_value(
        line: Line, trial: tuple[list[str], Path], tmp_path: Path) -> None:
    codes, home = trial
    before = _stored(line)
    path = _fill(_template(home, tmp_path / "cat.xlsx"),
                 {codes[0]: {"保管期限": "永久"}, codes[3]: FOURTH}, _fourth(codes[3]))
    indexer = resolve_actor(line.ctx, INDEXER)
    with pytest.raises(StateError) as refused:
        indexing.import_catalogue(line.ctx, indexer, [path])
    assert refused.value.key == "index.indexed_needs_correction"
    assert refused.value.details == [codes[0]]  # not the rows left empty
    assert _stored(line) == before
    result = indexing.import_catalogue(line.ctx, indexer, [path], correction="保管期限录错，据原件更正")
    assert result.corrected == [codes[0]] and result.kept_blank == [codes[0]]
    assert result.skipped == [codes[1], codes[2], codes[4], codes[5]]
    after = _stored(line)
    assert after[codes[0]][0] == {**before[codes[0]][0], "retention": "永久"}  # nothing emptied
    assert after[codes[0]][1] == before[codes[0]][1]
    assert after[codes[1]] == before[codes[1]] and after[codes[2]] == before[codes[2]]
    with line.ctx.transaction() as s:
        first_id = s.scalar(select(Volume.id).where(Volume.archive_code == codes[0]))
    assert _corrections(line) == [(first_id, "保管期限录错，据原件更正")]


def test_empty_catalogue_rows_of_a_template_delete_no_item(
        line: Line, trial: tuple[list[str], Path], tmp_path: Path) -> None:
    codes, home = trial
    before = _stored(line)
    # 卷内目录 rows holding only the 档号 (and a 顺序号) for indexed volumes, volume 4 filled
    empty: list[list[Any]] = [[codes[0], 1, None, None, None, None, None, None, None],
                              [codes[2], None]]
    path = _fill(_template(home, tmp_path / "cat.xlsx"), {codes[3]: FOURTH},
                 [*empty, *_fourth(codes[3])])
    result = indexing.import_catalogue(line.ctx, resolve_actor(line.ctx, INDEXER), [path])
    assert result.volumes == 1 and codes[0] in result.skipped and codes[2] in result.skipped
    assert any("只有档号" in n for n in result.notes), result.notes
    after = _stored(line)
    assert after[codes[0]] == before[codes[0]] and after[codes[2]] == before[codes[2]]
    assert _corrections(line) == []


def test_a_blank_cell_of_the_same_item_keeps_its_recorded_value(
        line: Line, trial: tuple[list[str], Path], tmp_path: Path) -> None:
    """Volume 1's 题名 corrected in a 卷内目录 row typed without 文号 and 责任者: the row is the
    recorded item 1 (same 顺序号, same first page), so those stay as recorded."""
    codes, home = trial
    path = _fill(_template(home, tmp_path / "cat.xlsx"), {},
                 [[codes[0], 1, None, None, "民事起诉状", None, 1, 3, None]])
    result = _import(home, path, "--replace", "--correction", "题名录错，据原件更正")
    assert result.exit_code == 0, result.output
    out = "".join(result.output.split())
    assert "1卷中的空白单元格保留了已录入的值" in out and codes[0] in out, result.output
    with line.ctx.transaction() as s:
        items = [(i.seq, i.title, i.doc_no, i.author, i.page_start, i.page_end) for i in s.scalars(
            select(Item).join(Volume, Volume.id == Item.volume_id)
            .where(Volume.archive_code == codes[0]))]
    assert items == [(1, "民事起诉状", "（1997）民初字第1号", "张三", 1, 3)]
    assert [r for _v, r in _corrections(line)] == ["题名录错，据原件更正"]
