"""``dangan check`` at 80 columns: the 位置 (location) column folds, never cuts, so the page file
at fault can be read whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dangan.samples import SetTruth


def _first_column(text: str) -> str:
    """The 位置 cells of the table, folded pieces joined back."""
    return "".join(line.split("│")[1].strip() for line in text.splitlines()
                   if line.startswith("│") and line.count("│") >= 3)


def test_check_folds_the_location_of_a_corrupt_page_at_80_columns(
        scan_copy: tuple[Path, SetTruth]) -> None:
    root, truth = scan_copy
    vol = truth.volumes[-1]
    page = sorted((root / vol.folder).glob("*.jpg"))[2]
    page.write_bytes(page.read_bytes()[:200])  # a cut file: the image cannot be read
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env.update(COLUMNS="80", LINES="50", DANGAN_LANG="zh")
    r = subprocess.run([sys.executable, "-m", "dangan", "check", str(root)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 9, r.stdout + r.stderr
    assert "…" not in r.stdout, r.stdout
    assert f"{vol.folder}/{page.name}" in _first_column(r.stdout), r.stdout


def test_rework_list_heads_the_page_number_column_页号(project: Any) -> None:
    from typer.testing import CliRunner

    from dangan.cli.main import app
    from dangan.db.models import Defect, Rework, Volume

    with project.transaction() as s:
        vol = Volume(project_id=project.project_id, archive_code="1997-民-0014-0025", stage="qc")
        s.add(vol)
        s.flush()
        defect = Defect(project_id=project.project_id, volume_id=vol.id, page_no=17,
                        code="skew", source="qc", stage="retouch")
        s.add(defect)
        s.flush()
        s.add(Rework(project_id=project.project_id, volume_id=vol.id, defect_id=defect.id,
                     stage="retouch", reason="倾斜"))
    r = CliRunner().invoke(app, ["rework", "list", "-p", str(project.home)],
                           env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    header = next(line for line in r.output.splitlines() if "档号" in line)
    assert "页号" in header and "页数" not in header
    assert "17" in r.output
