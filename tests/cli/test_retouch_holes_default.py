"""Binding holes are filled only when asked, in plain folders as in a project: one default,
the project's ``retouch.holes`` (false, as the README's configuration table says)."""

from __future__ import annotations

import json
from pathlib import Path

import simplejpeg
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.config import RetouchConfig
from dangan.services.project import ProjectContext
from dangan.services.retouch.project import options_for
from imaging.retouch_synthetic import draw_page, scan


def test_the_project_and_the_folder_route_share_one_default(project: ProjectContext) -> None:
    assert RetouchConfig().holes is False
    assert options_for(project).holes is RetouchConfig().holes  # the court template's too


def test_holes_are_filled_only_when_asked_as_in_a_project(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "holes.jpg").write_bytes(simplejpeg.encode_jpeg(scan(draw_page(), 0.9, holes=True),
                                                           quality=90))
    filled = {}
    for how in ([], ["--holes"]):
        report = tmp_path / f"r{len(how)}.json"
        result = CliRunner().invoke(app, ["retouch", str(src), str(tmp_path / f"out{len(how)}"),
                                          "--workers", "1", "--no-orientation",
                                          "--report", str(report), *how])
        assert result.exit_code == 0, result.output
        page = json.loads(report.read_text("utf-8"))["results"][0]
        filled[tuple(how)] = page["holes_filled"]
    assert filled == {(): 0, ("--holes",): 2}  # was 2 by default in folders, 0 in projects
