"""``retouch SRC DST`` (plain folders) accounts for every file under SRC: a page, or listed as
ignored with why — hidden files and hidden folders included (never opened, never retouched)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from dangan.i18n import t
from dangan.samples.page import PageSpec, render_page


def _jpeg(seed: int) -> bytes:
    return render_page(PageSpec(kind="text", seed=seed)).encode()


def _tree(root: Path) -> Path:
    src = root / "in"
    (src / ".sub").mkdir(parents=True)
    (src / "vol" / ".cache" / "deeper").mkdir(parents=True)
    (src / "0001.jpg").write_bytes(_jpeg(531))
    (src / ".0009hidden.jpg").write_bytes(_jpeg(532))  # a page image, but hidden
    (src / ".sub" / "0002.jpg").write_bytes(_jpeg(533))
    (src / ".sub" / "0003.jpg").write_bytes(_jpeg(534))
    (src / "vol" / ".cache" / "deeper" / "0004.jpg").write_bytes(_jpeg(535))
    (src / "vol" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (src / "0008.jpg.bak").write_bytes(_jpeg(536))
    (src / "notes.txt").write_text("remarks", "utf-8")
    return src


def test_hidden_files_and_folders_are_listed_as_ignored_with_why(tmp_path: Path) -> None:
    from dangan.imaging.context import RetouchOptions
    from dangan.services.retouch import ignored_reason, plan_tree

    src = _tree(tmp_path)
    ignored: list[str] = []
    tasks = plan_tree(str(src), str(tmp_path / "out"), RetouchOptions(orientation=False),
                      ignored=ignored)
    assert [task.rel for task in tasks] == ["0001.jpg"]
    # each hidden folder once, standing for all it holds
    assert sorted(ignored) == [".0009hidden.jpg", ".sub/", "0008.jpg.bak", "notes.txt",
                               "vol/.DS_Store", "vol/.cache/"]
    assert {rel: ignored_reason(rel) for rel in ignored} == {
        ".0009hidden.jpg": "hidden", ".sub/": "hidden", "vol/.cache/": "hidden",
        "vol/.DS_Store": "hidden", "0008.jpg.bak": "backup", "notes.txt": "not_image"}


def test_the_run_prints_and_reports_each_ignored_file_with_why(tmp_path: Path) -> None:
    from dangan.cli.main import app

    src, dst, report = _tree(tmp_path), tmp_path / "out", tmp_path / "r.json"
    result = CliRunner().invoke(app, ["retouch", str(src), str(dst), "--report", str(report),
                                      "--workers", "1", "--no-orientation"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*")) == ["0001.jpg"]
    data = json.loads(report.read_text("utf-8"))
    assert data["ignored_reasons"] == {
        ".0009hidden.jpg": "hidden", ".sub/": "hidden", "0008.jpg.bak": "backup",
        "notes.txt": "not_image", "vol/.DS_Store": "hidden", "vol/.cache/": "hidden"}
    out = "".join(result.output.split())
    for key, files in (("retouch.ignored_hidden", ".0009hidden.jpg, .sub/, vol/.DS_Store, "
                                                  "vol/.cache/"),
                       ("retouch.ignored_backup", "0008.jpg.bak"),
                       ("retouch.ignored", "notes.txt")):
        count = files.count(",") + 1
        assert "".join(t(key, count=count, files=files).split()) in out, (key, result.output)
