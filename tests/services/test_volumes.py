"""Volume-list import: all or nothing, located errors, idempotent, on both databases."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dangan.db.models import ImportLog, StageEvent, Volume
from dangan.errors import ConflictError, InputError, SpreadsheetError
from dangan.services.volumes import import_volumes, project_status
from workflow.helpers import actor

HEADERS = ["档号", "题名", "年度", "存放位置", "页数", "承办人"]
GOOD = [
    ["1997-民-0014-0025", "张某诉李某借款纠纷", 1997, "1库-3柜-2架-5盒", 42, "王法官"],
    ["1997-民-0014-0026", "赵某离婚纠纷", 1997, "1库-3柜-2架-5盒", 38, ""],
    ["1997-刑-0002-0001", "某盗窃案", 1997, "1库-4柜-1架-1盒", 55, "刘法官"],
]


def write_xlsx(path: Path, rows: list[list[object]], headers: list[str] = HEADERS,
               title: str | None = "案卷清单") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def count(ctx, model=Volume) -> int:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_then_reimport_is_a_noop(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "list.xlsx", GOOD)
    first = import_volumes(any_project, path)
    assert (first.added, first.unchanged) == (3, 0)
    again = import_volumes(any_project, path)
    assert (again.added, again.unchanged, again.updated) == (0, 3, 0)
    with any_project.transaction() as s:
        v = s.scalar(select(Volume).where(Volume.archive_code == "1997-民-0014-0025"))
        assert v is not None
        assert (v.title, v.year, v.expected_pages, v.location) == (
            "张某诉李某借款纠纷", 1997, 42, "1库-3柜-2架-5盒")
        assert v.extra == {"承办人": "王法官"}
        assert v.list_row == 3
    assert count(any_project, ImportLog) == 2
    st = project_status(any_project)
    assert (st.volumes, st.pages_expected) == (3, 135)


def test_changed_row_is_reported_not_overwritten(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_volumes(any_project, write_xlsx(tmp_path / "a.xlsx", GOOD))
    changed = [row[:] for row in GOOD]
    changed[1][4] = 40
    path = write_xlsx(tmp_path / "b.xlsx", changed)
    with pytest.raises(ConflictError) as info:
        import_volumes(any_project, path)
    assert any("第 4 行" in d and "1997-民-0014-0026" in d and "38" in d for d in info.value.details)
    with any_project.transaction() as s:
        assert s.scalar(select(Volume.expected_pages).where(
            Volume.archive_code == "1997-民-0014-0026")) == 38
    with pytest.raises(InputError) as who:  # a change to registered volumes is signed
        import_volumes(any_project, path, update=True)
    assert who.value.key == "volumes.update_needs_worker"
    manager = actor(any_project, "郑经理", "project_manager")
    summary = import_volumes(any_project, path, update=True, actor=manager)
    assert summary.updated == 1
    assert count(any_project, StageEvent) == 1
    with any_project.transaction() as s:
        event = s.scalars(select(StageEvent)).one()
        assert (event.person, event.worker_id) == ("郑经理", manager.worker_id)


def test_gbk_csv_with_english_headers(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "list.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Archive Code", "Title", "Year", "Location", "Pages"])
        writer.writerow(["1998-行-0001-0003", "某行政诉讼", "1998", "2库", "12"])
    assert import_volumes(project, path).added == 1


def test_utf8_csv_with_bom_and_location_parts(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "list.csv"
    path.write_text("档号,案卷题名,库房,柜号,盒号,总页数\n1998-民-0001-0003,某案,2,5,17,9\n",
                    encoding="utf-8-sig")
    import_volumes(project, path)
    with project.transaction() as s:
        assert s.scalar(select(Volume.location)) == "2-5-17"


@pytest.mark.parametrize(("rows", "expect"), [
    ([["97-民-0014-0025", "x", 1997, "", 1]], ["第 4 行", "year"]),
    ([GOOD[0], GOOD[0]], ["第 5 行", "与第 4 行重复"]),
    ([["", "x", 1997, "", 1]], ["第 4 行", "档号为空"]),
    ([["1997-民-0014-0025", "x", 1997, "", "四十"]], ["第 4 行", "页数", "四十"]),
])
def test_bad_rows_are_located_and_nothing_is_imported(
    any_project, tmp_path: Path, rows: list[list[object]], expect: list[str]  # type: ignore[no-untyped-def]
) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", [GOOD[1], *rows])
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(any_project, path)
    assert len(info.value.details) == 1
    for fragment in expect:
        assert fragment in info.value.details[0]
    assert count(any_project) == 0


def test_wrong_header(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "bad.xlsx", [["a", "b"]], headers=["编号", "名字"])
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(project, path)
    assert "档号" in info.value.message
    assert count(project) == 0


def test_empty_file_and_png_renamed_xlsx(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(project, empty)
    assert "空" in info.value.message
    png = tmp_path / "list.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(SpreadsheetError) as info:
        import_volumes(project, png)
    assert "PNG" in info.value.message
    header_only = write_xlsx(tmp_path / "h.xlsx", [], title=None)
    assert import_volumes(project, header_only).added == 0
    assert count(project) == 0


def test_codes_typed_with_spaces_around_them_are_found(any_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A code typed or scanned with a space (or a full-width space) around it is the code."""
    from dangan.errors import NotFoundError
    from dangan.services import workflow_state as ws

    import_volumes(any_project, write_xlsx(tmp_path / "a.xlsx", GOOD))
    with any_project.transaction() as s:
        volume = ws.volume_by_code(s, any_project.project_id, " 1997-民-0014-0025\u3000")
        assert volume.archive_code == "1997-民-0014-0025"
        with pytest.raises(NotFoundError) as exc:
            ws.volume_by_code(s, any_project.project_id, " 1997-民-0014-0099 ")
        assert exc.value.key == "workflow.volume_not_found"
        assert exc.value.params["code"] == "1997-民-0014-0099"
