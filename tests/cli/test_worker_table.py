"""The workers' table heads its columns by what they hold: a worker's name (姓名) and roles
(岗位) — `dangan worker list` headed them 经手人 / 环节 (the person handling an event, the
stage of the line), and joined English role names with 、."""

from __future__ import annotations

import io

from rich.console import Console

from dangan.cli.teams import workers_table
from dangan.i18n import set_language
from dangan.services.project import ProjectContext
from dangan.services.workers import add_worker, list_workers


def _text(ctx: ProjectContext, lang: str) -> str:
    set_language(lang)
    try:
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(workers_table(list_workers(ctx, None)))
        return console.export_text()
    finally:
        set_language("zh")


def test_worker_table_heads_name_and_roles(project: ProjectContext) -> None:
    add_worker(project, "刘标引", ["indexer", "uploader"])
    add_worker(project, "孙质检", ["qc_inspector"])
    zh = _text(project, "zh")
    head = zh.splitlines()[1]
    assert "姓名" in head and "岗位" in head
    assert "经手人" not in zh and "环节" not in zh
    assert "标引员、上传员" in zh
    en = _text(project, "en")
    assert "Name" in en.splitlines()[1] and "Roles" in en.splitlines()[1]
    assert "Indexer, Uploader" in en and "、" not in en


def test_worker_list_command_prints_that_table(project: ProjectContext) -> None:
    from cli.runner import dangan

    add_worker(project, "孙质检", ["qc_inspector"])
    r = dangan("worker", "list", "-p", str(project.home), env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    head = next(ln for ln in r.stdout.splitlines() if "ID" in ln)
    assert "姓名" in head and "岗位" in head and "经手人" not in r.stdout
