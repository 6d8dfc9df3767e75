"""``dangan retouch`` without SRC and DST finds its project as every command does: -p, else
DANGAN_PROJECT, else the current directory holding dangan.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.errors import InputError, NotFoundError
from dangan.services import workers
from dangan.services.project import ProjectContext


@pytest.mark.parametrize("how", ["env", "cwd"])
def test_retouch_without_paths_works_on_the_default_project(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        how: str) -> None:
    workers.add_worker(project, "陈修图", ["retoucher"])
    if how == "env":
        monkeypatch.setenv("DANGAN_PROJECT", str(project.home))
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.delenv("DANGAN_PROJECT", raising=False)
        monkeypatch.chdir(project.home)
    result = CliRunner().invoke(app, ["retouch", "-w", "陈修图", "--workers", "1"])
    # the project's own run: it looked for the project's scanned pages (there are none yet)
    assert isinstance(result.exception, NotFoundError), (result.output, result.exception)
    assert result.exception.key == "retouch.no_batch_pages"


def test_retouch_without_paths_or_project_says_how(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DANGAN_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["retouch", "-w", "陈修图", "--workers", "1"])
    assert isinstance(result.exception, InputError)
    assert result.exception.key == "retouch.need_paths"


def test_folders_given_stay_plain_folders_with_dangan_project_set(
        project: ProjectContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SRC and DST given: plain folders, whatever DANGAN_PROJECT says (here: an empty SRC)."""
    monkeypatch.setenv("DANGAN_PROJECT", str(project.home))
    (tmp_path / "src").mkdir()
    result = CliRunner().invoke(app, ["retouch", str(tmp_path / "src"), str(tmp_path / "dst"),
                                      "--workers", "1"])
    assert isinstance(result.exception, InputError)
    assert result.exception.key == "retouch.no_pages"
