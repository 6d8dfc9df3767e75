"""``dangan check`` finds its project as every command does: ``-p``, else DANGAN_PROJECT, else
the current directory when it is a project home; a volume folder the project does not list
is then reported (exit 9). Run with no project at all, it says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dangan.i18n import set_language, t
from dangan.samples import generate_set
from dangan.services.project import ProjectContext


def _check(folder: Path, cwd: Path, env: dict[str, str],
           *extra: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("DANGAN_") and k not in ("COLUMNS", "LINES")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", "check", str(folder),
                           "--names-only", *extra], capture_output=True, text=True, env=full, cwd=cwd,
                          timeout=120)


@pytest.mark.parametrize("how", ["cwd", "env", "option"])
def test_check_uses_the_default_project(project: ProjectContext, tmp_path: Path,
                                        how: str) -> None:
    truth = generate_set(tmp_path / "scan", 1, seed=11, pages=(2, 2), p_blank=0.0,
                         p_duplicate=0.0)
    folder = tmp_path / "scan" / truth.volumes[0].folder
    home = str(project.home)
    if how == "cwd":
        r = _check(folder, project.home, {})
    elif how == "env":
        r = _check(folder, tmp_path, {"DANGAN_PROJECT": home})
    else:
        r = _check(folder, tmp_path, {}, "-p", home)
    assert r.returncode == 9, (r.stdout, r.stderr)
    assert "unknown_volume" in r.stdout
    set_language("en")
    assert t("intake.check.no_project") not in r.stdout


def test_check_without_a_project_says_so(tmp_path: Path) -> None:
    truth = generate_set(tmp_path / "scan", 1, seed=11, pages=(2, 2), p_blank=0.0,
                         p_duplicate=0.0)
    r = _check(tmp_path / "scan" / truth.volumes[0].folder, tmp_path, {})
    assert r.returncode == 0, (r.stdout, r.stderr)
    set_language("en")
    assert r.stdout.splitlines()[0] == t("intake.check.no_project")
