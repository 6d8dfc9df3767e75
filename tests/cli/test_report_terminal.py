"""Reports printed on the terminal: every header and cell whole (wrapped, never cut to "…"
at the 80 columns of a pipe), facts as "label: value" in the reader's language."""

from __future__ import annotations

from cli.runner import dangan
from dangan.services.project import ProjectContext
from reports.helpers import Line


def test_estimate_on_the_terminal(project: ProjectContext) -> None:
    Line(project, volumes=10, pages=30)
    home = str(project.home)
    r = dangan("report", "estimate", "-p", home)
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout
    assert "日产量（页/人" in r.stdout and "单价" not in r.stdout
    assert "案卷数：10" in r.stdout
    r = dangan("--lang", "en", "report", "estimate", "-p", home)
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout
    assert "Volumes: 10" in r.stdout and "：" not in r.stdout


def test_a_long_table_says_it_is_cut(capsys) -> None:  # type: ignore[no-untyped-def]
    from dangan.cli.reports import TERMINAL_ROWS, print_doc
    from dangan.reports.document import ReportDoc, Table

    rows = tuple((f"w{i:03d}", i) for i in range(TERMINAL_ROWS + 10))
    print_doc(ReportDoc("产量统计", "测试项目", (), (Table("按人员", ("人员", "页"), rows),)))
    out = capsys.readouterr().out
    assert f"w{TERMINAL_ROWS - 1:03d}" in out and f"w{TERMINAL_ROWS:03d}" not in out
    assert f"只显示前 {TERMINAL_ROWS} 行，共 {TERMINAL_ROWS + 10} 行" in out
