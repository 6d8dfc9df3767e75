"""Catalogue values are checked against the columns they go to before the database sees them
(row and column named, exit 4), the same on SQLite and PostgreSQL — record fields from a file
and values typed at the desk (double keying) alike; a rejected import leaves no backup copy
in 制作目录, whoever rejects it (the checks, or the database at commit)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from dangan.db.models import CatalogueKeying, ImportLog, Item, StoredFile, Volume, VolumeRecord
from dangan.errors import DanganError, SpreadsheetError
from dangan.i18n import set_language
from dangan.services import indexing
from dangan.services.indexing import keying
from dangan.services.project import ProjectContext, open_project
from dangan.storage import Area
from faults.support import dangan
from indexing.dangan_index_fixtures import add_volume
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
RECORD_HEAD = ["档号", "案卷题名", "年度", "保管期限", "件数", "页数"]
ENTRY_HEAD = ["档号", "顺序号", "文号", "责任者", "题名", "日期", "页号", "备注"]
GOOD_RECORD = [CODE, "张三诉李四", "1997", "永久", "2", "4"]
ENTRIES = [[CODE, "1", "", "张三", "起诉状", "19970105", "1", ""],
           [CODE, "2", "", "法院", "民事判决书", "19970630", "3", ""]]


@pytest.fixture
def ready(any_project: ProjectContext) -> ProjectContext:
    add_volume(any_project, CODE, 4, size=(200, 283))
    actor(any_project, "钱标", "indexer", "uploader")
    return any_project


def _csv(path: Path, head: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(head)
        writer.writerows(rows)
    return path


def _copies(ctx: ProjectContext) -> list[str]:
    folder = Path(ctx.storage.root) / Area.CATALOGUE.value
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _nothing_recorded(ctx: ProjectContext) -> None:
    with ctx.transaction() as s:
        assert s.scalar(select(func.count(Item.id))) == 0
        assert s.scalar(select(func.count(VolumeRecord.id))) == 0
        assert s.scalar(select(func.count(ImportLog.id)).where(ImportLog.kind == "catalogue")) == 0
        assert s.scalar(select(func.count(StoredFile.id)).where(
            StoredFile.area == Area.CATALOGUE.key)) == 0
    assert _copies(ctx) == []


BAD_RECORDS = {  # column, value: each refused at its row and column on both databases
    "pages_over_int32": ("页数", "9" * 20),
    "items_over_int32": ("件数", "4294967296"),
    "year_over_int32": ("年度", "2147483648"),
    "code_too_long": ("档号", "1997-民-" + "9" * 120),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_record_values_refused_by_row_and_column(ready: ProjectContext, tmp_path: Path,
                                                 case: str) -> None:
    set_language("en")
    column, value = BAD_RECORDS[case]
    record = list(GOOD_RECORD)
    record[RECORD_HEAD.index(column)] = value
    files = [_csv(tmp_path / "卷宗.csv", RECORD_HEAD, [record]),
             _csv(tmp_path / "卷内.csv", ENTRY_HEAD, ENTRIES)]
    with pytest.raises(SpreadsheetError) as refused:
        indexing.import_catalogue(ready, actor(ready, "钱标"), files)
    assert refused.value.key == "index.import_rejected" and refused.value.exit_code == 4
    assert any("row 2" in d and column in d for d in refused.value.details), refused.value.details
    _nothing_recorded(ready)


def test_a_nul_byte_in_a_record_is_exit_4_through_the_cli(ready: ProjectContext,
                                                          tmp_path: Path) -> None:
    record = list(GOOD_RECORD)
    record[1] = "张三\x00诉李四"
    files = [_csv(tmp_path / "卷宗.csv", RECORD_HEAD, [record]),
             _csv(tmp_path / "卷内.csv", ENTRY_HEAD, ENTRIES)]
    done = dangan(ready, "index", "import", *map(str, files), "-w", "钱标", "-p", str(ready.home))
    assert done.returncode == 4, done.stdout + done.stderr
    out = " ".join((done.stdout + done.stderr).split())
    assert "U+0000" in out and "案卷题名" in out and "Traceback" not in out
    _nothing_recorded(ready)


@pytest.fixture
def keying_on(ready: ProjectContext) -> Iterator[ProjectContext]:
    toml = ready.home / "dangan.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[catalogue]\n", "[catalogue]\ndouble_keying = true\n", 1),
                    encoding="utf-8")
    yield open_project(ready.home)


TYPED: dict[str, tuple[dict[str, str], list[dict[str, str]], str]] = {
    "nul_in_title": ({"title": "张三\x00诉李四"}, [], "U+0000"),
    "control_in_entry": ({"title": "t"}, [{"title": "起诉\x07状"}], "U+0007"),
    "doc_no_too_long": ({"title": "t"}, [{"doc_no": "字" * 201}], "201"),
    "page_over_int32": ({"title": "t"}, [{"pages": "3000000000"}], "3000000000"),
}


@pytest.mark.parametrize("case", sorted(TYPED))
def test_typed_values_refused_before_the_database(keying_on: ProjectContext, case: str) -> None:
    set_language("en")
    ctx = keying_on
    record, changes, shown = TYPED[case]
    rows = [{"seq": "1", "title": "起诉状", "pages": "1"}, {"seq": "2", "title": "判决书", "pages": "3"}]
    for change in changes:
        rows[0] = {**rows[0], **change}
    with ctx.transaction() as s:
        volume_id = s.scalar(select(Volume.id).where(Volume.archive_code == CODE))
    assert volume_id is not None
    with pytest.raises(SpreadsheetError) as refused:
        keying.save_keying(ctx, actor(ctx, "钱标"), volume_id,
                           {"title": "t", "item_count": "", "page_count": "", **record}, rows)
    assert refused.value.key == "keying.rejected" and refused.value.exit_code == 4
    # located as the desk shows it: the volume record or the grid's entry N, no sheet row
    assert any(("volume record" in d or "catalogue entry 1" in d) and shown in d
               and "row" not in d for d in refused.value.details), refused.value.details
    with ctx.transaction() as s:
        assert s.scalar(select(func.count(CatalogueKeying.id))) == 0


def test_an_import_the_database_refuses_at_commit_leaves_no_copy(ready: ProjectContext,
                                                                 tmp_path: Path) -> None:
    files = [_csv(tmp_path / "卷宗.csv", RECORD_HEAD, [GOOD_RECORD]),
             _csv(tmp_path / "卷内.csv", ENTRY_HEAD, ENTRIES)]

    def refuse(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(o, ImportLog) for o in session.new):
            raise RuntimeError("the database refused the commit")

    event.listen(Session, "before_flush", refuse)
    try:
        with pytest.raises((RuntimeError, DanganError)):
            indexing.import_catalogue(ready, actor(ready, "钱标"), files)
    finally:
        event.remove(Session, "before_flush", refuse)
    _nothing_recorded(ready)
    result = indexing.import_catalogue(ready, actor(ready, "钱标"), files)  # accepted: kept
    assert len(result.stored_as) == 2 and len(_copies(ready)) == 2
