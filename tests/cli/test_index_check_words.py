"""`dangan index check` (and `link check`) head their table in the reader's language: the
heads were written in Chinese in the code, so `--lang en` printed 档号 / 路径 / 代码 / 说明."""

from __future__ import annotations

from cli.runner import dangan
from dangan.services.project import ProjectContext
from workflow.helpers import add_volumes


def test_index_check_table_in_english(project: ProjectContext) -> None:
    (code,) = add_volumes(project, 1)
    home = str(project.home)
    r = dangan("--lang", "en", "index", "check", "-p", home, "--volume", code,
               env={"COLUMNS": "160"})
    assert r.returncode == 9, r.stderr
    head = next(line for line in r.stdout.splitlines() if "Archive code" in line)
    assert all(w in head for w in ("Path", "Code", "Why"))
    assert not any(w in r.stdout for w in ("档号", "路径", "代码", "说明"))
    r = dangan("index", "check", "-p", home, "--volume", code, env={"COLUMNS": "160"})
    assert r.returncode == 9 and all(w in r.stdout for w in ("档号", "路径", "代码", "说明"))
