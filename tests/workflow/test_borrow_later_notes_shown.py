"""A problem noted after both sides signed the borrow register is said to be kept as a later
note (后补记录, with its time and person) when it is noted, and shown wherever the register is:
``borrow show``, the web batch page, and the 还卷清单 in a column of its own."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.export.return_list import write_return_list
from dangan.services import borrow
from workflow.helpers import add_volumes

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_later_note_is_announced_and_shown(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = str(project.home)
    codes = add_volumes(project, 2)
    run("worker", "add", "王借", "--role", "借还卷员", "-p", home)
    run("borrow", "create", "--next", "2", "-w", "王借", "-p", home)
    before = run("borrow", "problem", "1", codes[0], "第5页破损", "-w", "王借", "-p", home)
    assert "第5页破损" in before and "后补记录" not in before  # before signing: 借出时情况
    run("borrow", "confirm", "1", "-w", "王借", "--archive-staff", "刘老师", "-p", home)
    out = "".join(run("borrow", "problem", "1", codes[1], "卷皮脱落", "-w", "王借",
                      "-p", home).split())  # folded lines joined, spaces dropped
    assert f"已记录：{codes[1]}卷皮脱落" in out
    assert "后补记录" in out and "记录人王借" in out
    (note,) = borrow.borrow_batch_info(project, 1).rows[1].later_notes  # type: ignore[attr-defined]
    assert note.at.strftime("%Y-%m-%d%H:%M") in out
    shown = run("borrow", "show", "1", "-p", home)
    assert "后补记录" in shown
    line = next(x for x in shown.splitlines() if "卷皮脱落" in x)
    assert codes[1] in line and "王借" in line and note.at.strftime("%Y-%m-%d %H:%M") in line
    path = write_return_list(borrow.borrow_batch_info(project, 1), tmp_path / "还卷清单.xlsx",
                             "测试项目")
    book = load_workbook(path).active
    assert book is not None
    rows = [list(r) for r in book.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[head][7] == "后补记录（签字后记录，时间、记录人）"
    assert rows[head + 1][5] == "第5页破损"
    assert rows[head + 1][7] in (None, "")
    assert rows[head + 2][5] in (None, "") and str(rows[head + 2][7]).endswith("王借：卷皮脱落")
    pdf = write_return_list(borrow.borrow_batch_info(project, 1), tmp_path / "还卷清单.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
