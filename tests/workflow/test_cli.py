"""The commands in Chinese, driven through Typer on a real project."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dangan.cli.main import app
from workflow.helpers import add_volumes

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_borrow_split_claim_signoff_history_from_the_command_line(project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = str(project.home)
    codes = add_volumes(project, 3)
    assert "借还卷员" in run("worker", "add", "王借", "--role", "借还卷员", "-p", home)
    run("worker", "add", "李整", "--role", "sorter", "-p", home)
    assert "已登记借卷批次 1：3 卷" in run("borrow", "create", "--next", "3", "-w", "王借", "-p", home)
    assert "已出库" in run("borrow", "confirm", "1", "-w", "王借", "--archive-staff", "刘老师",
                          "-p", home)
    run("borrow", "problem", "1", codes[1], "封面破损", "-w", "王借", "-p", home)
    assert "分为 2 个小批次" in run("batch", "split", "1", "--pages", "80", "-w", "王借", "-p", home)
    assert "李整 已领取小批次 1-2-1" in run("claim", "1-2-1", "-w", "李整", "-p", home)
    for code in codes[:2]:
        run("sort", "record", code, "-w", "李整", "--pages", "40", "-p", home)
    out = run("signoff", "1-2-1", "-w", "李整", "--remarks", "整理完毕", "-p", home)
    assert "进入“扫描”" in out
    history = json.loads(run("history", codes[0], "--json", "-p", home))
    assert [h["kind"] for h in history][:2] == ["borrow_list", "borrow_confirm"]
    assert any(h["kind"] == "signoff" and h["person"] == "李整" for h in history)
    register = json.loads(run("borrow", "show", "1", "--json", "-p", home))
    # noted after both sides signed: a later note with its person, not in 借出时情况
    row = register["rows"][1]
    assert row["condition"] == "" and row["later_notes"][0]["text"] == "封面破损"
    assert row["later_notes"][0]["person"] == "王借"
    card = tmp_path / "card.pdf"
    run("batch", "card", "1-2-1", "-o", str(card), "-p", home)
    assert card.read_bytes()[:5] == b"%PDF-"
    stages = json.loads(run("progress", "--json", "-p", home))["stages"]
    assert {(s["stage"], s["volumes"]) for s in stages} == {("scan", 2), ("sort", 1)}


def test_refusals_map_to_exit_codes(project) -> None:  # type: ignore[no-untyped-def]
    from dangan.cli.main import run as main_run

    home = str(project.home)
    add_volumes(project, 2)
    run("worker", "add", "王借", "--role", "borrow_clerk", "-p", home)
    run("worker", "add", "李整", "--role", "sorter", "-p", home)
    run("worker", "add", "张扫", "--role", "scan_operator", "-p", home)
    run("borrow", "create", "--next", "2", "-w", "王借", "-p", home)
    run("borrow", "confirm", "1", "-w", "王借", "--archive-staff", "刘老师", "-p", home)
    run("batch", "split", "1", "-w", "王借", "-p", home)
    import sys

    import pytest

    for argv, code in ((["claim", "1-1-1", "-w", "张扫", "-p", home], 7),  # wrong role
                       (["claim", "9-9-9", "-w", "李整", "-p", home], 5),
                       (["return", "confirm", "1", "-w", "王借", "--archive-staff", "刘",
                         "--shelving-rule", "右至左", "-p", home], 7)):
        sys.argv = ["dangan", *argv]
        with pytest.raises(SystemExit) as exc:
            main_run()
        assert exc.value.code == code
