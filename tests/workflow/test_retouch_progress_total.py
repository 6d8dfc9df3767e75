"""``dangan retouch -p``: the progress bar gives the number of pages the run does ("2/2"),
not "2/?" — the project's run plans its pages itself and tells the bar how many."""

from __future__ import annotations

from pathlib import Path

from cli.runner import dangan
from dangan.services.project import ProjectContext
from workflow.test_retouch_file_dpi import _at_retouch


def test_the_project_run_shows_its_total(project: ProjectContext, tmp_path: Path) -> None:
    ctx, _code = _at_retouch(project, tmp_path)
    r = dangan("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2/2" in r.stdout and "/?" not in r.stdout, r.stdout


def test_run_tasks_tells_the_planned_pages() -> None:
    from dangan.compute.executors import InProcessExecutor
    from dangan.services.retouch import pages_planned, run_tasks

    told: list[int] = []
    with pages_planned(told.append):
        run_tasks([], InProcessExecutor())
    run_tasks([], InProcessExecutor())  # outside the block: told nothing
    assert told == [0]
