"""``dangan retouch SRC DST`` (plain folders): pages that could not be retouched make the exit
code non-zero (4, invalid input) and are named with why; the pages to look at are listed in
words, capped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import simplejpeg
from typer.testing import CliRunner

from cli.runner import dangan
from dangan.cli.main import app
from dangan.errors import InputError
from dangan.i18n import set_language, t
from dangan.services.retouch import MAX_ISSUE_LINES
from imaging.retouch_synthetic import draw_page, scan


def _squeeze(text: str) -> str:
    return "".join(text.split())  # the terminal may fold a long line at any space


@pytest.fixture
def english() -> object:
    set_language("en")
    yield None
    set_language(None)


def _good_page() -> bytes:
    return simplejpeg.encode_jpeg(scan(draw_page(), 0.9), quality=90)


def test_failed_pages_exit_4_naming_them(tmp_path: Path, english: object) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = _good_page()
    (src / "good.jpg").write_bytes(good)
    (src / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (src / "zero.jpg").write_bytes(b"")
    (src / "text.jpg").write_bytes(b"not a picture")
    report = tmp_path / "r.json"
    r = dangan("--lang", "en", "retouch", str(src), str(tmp_path / "out"), "--workers", "1",
               "--no-orientation", "--report", str(report))
    assert r.returncode == 4, r.stdout + r.stderr  # was 0: failures hidden from scripts
    out = _squeeze(r.stdout + r.stderr)
    failed = ["text.jpg", "truncated.jpg", "zero.jpg"]
    assert _squeeze(t("retouch.pages_failed", count=3, names=", ".join(failed))) in out
    assert _squeeze(t("retouch.unreadable.empty_file")) in out  # why, in words
    assert "good.jpg" not in out.split("couldnotberetouched")[1]
    data = json.loads(report.read_text("utf-8"))  # the report is written all the same
    assert data["failed"] == failed and data["counts"]["ok"] + data["counts"].get("defect", 0) == 1
    assert (tmp_path / "out" / "good.jpg").is_file()


def test_the_failure_is_an_input_error_with_its_key(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "zero.jpg").write_bytes(b"")
    result = CliRunner().invoke(app, ["retouch", str(src), str(tmp_path / "out"),
                                      "--workers", "1"])
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.key == "retouch.pages_failed"
    assert result.exception.exit_code == 4
    assert result.exception.params["count"] == 1


def test_the_pages_to_look_at_are_listed_and_capped(tmp_path: Path, english: object) -> None:
    src = tmp_path / "in"
    src.mkdir()
    extra = 3
    for i in range(MAX_ISSUE_LINES + extra):
        (src / f"p{i:03d}.jpg").write_bytes(b"")
    report = tmp_path / "r.json"
    r = dangan("--lang", "en", "retouch", str(src), str(tmp_path / "out"), "--workers", "1",
               "--report", str(report))
    assert r.returncode == 4, r.stdout + r.stderr
    out = _squeeze(r.stdout)
    line = t("retouch.issue_line_file", path="p000.jpg", level=t("retouch.level.error"),
             words=t("retouch.unreadable.empty_file"))
    assert _squeeze(line) in out
    assert f"p{MAX_ISSUE_LINES - 1:03d}.jpg" in out and f"p{MAX_ISSUE_LINES:03d}.jpg" not in \
        out.split(_squeeze(t("retouch.report_written", path=str(report))))[0]
    more = t("retouch.issues_more", count=extra,
             where=t("retouch.issues_where_report", path=str(report)))
    assert _squeeze(more) in out
