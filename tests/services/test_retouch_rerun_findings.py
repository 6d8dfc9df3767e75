"""``retouch SRC DST`` (plain folders): a rerun that skips a page (its output records the same
source and options) reports what the first run found on it — status, review reasons, defects
with their details, changes — so a flag is never lost, even when the report is rewritten."""

from __future__ import annotations

import io
import json
from pathlib import Path

import fsspec
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from dangan.i18n import t
from dangan.samples.page import PageSpec, render_page


def _text_page(seed: int) -> bytes:
    return render_page(PageSpec(kind="text", seed=seed)).encode()


def _noise_page(fmt: str) -> bytes:
    """A frame of noise: no sheet to be found in it, so it is left whole for review."""
    rng = np.random.default_rng(1)
    small = (rng.random((413, 292, 3)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(small).resize((1169, 1654)).save(
        buf, "JPEG" if fmt == "jpg" else "TIFF", dpi=(200, 200))
    return buf.getvalue()


def _retouch(src: Path, dst: Path, report: Path, *more: str) -> str:
    from dangan.cli.main import app

    result = CliRunner().invoke(app, ["retouch", str(src), str(dst), "--report", str(report),
                                      "--workers", "1", "--no-orientation", *more])
    assert result.exit_code == 0, result.output
    return result.output


def _squeeze(text: str) -> str:
    return "".join(text.split())  # the terminal may fold a long line at any space


def _issues(output: str) -> str:
    """The printed "pages to look at" list (its head and lines)."""
    head = _squeeze(t("retouch.issues_head", count=0)).split("0")[0]
    squeezed = _squeeze(output)
    assert head in squeezed, output
    return squeezed[squeezed.index(head):].split(_squeeze(t("retouch.report_written",
                                                             path="@")).split("@")[0])[0]


@pytest.mark.parametrize("fmt", ["jpg", "tif"])
def test_a_rerun_reports_the_findings_of_a_page_it_skips(tmp_path: Path, fmt: str) -> None:
    src, dst, report = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    src.mkdir()
    (src / "0001.jpg").write_bytes(_text_page(521))
    (src / f"0049.{fmt}").write_bytes(_noise_page(fmt))
    first_out = _retouch(src, dst, report, "--format", fmt)
    first = json.loads(report.read_text("utf-8"))
    flagged = {r["source"]: r for r in first["results"]}[f"0049.{fmt}"]
    assert "sheet_uncertain" in flagged["review"] and flagged["status"] == "defect"

    again_out = _retouch(src, dst, report, "--format", fmt)  # the same report path
    again = json.loads(report.read_text("utf-8"))
    assert again["counts"] == {"skipped": 2}  # nothing done again …
    results = {r["source"]: r for r in again["results"]}
    kept = results[f"0049.{fmt}"]
    assert kept["kept"] is True
    for key in ("status", "review", "defects", "changes", "dpi", "dpi_source", "width",
                "height", "rotation"):  # … and the page reported as it was found
        assert kept[key] == flagged[key], key
    assert again["review"] == first["review"] and again["defects"] == first["defects"]
    assert _issues(again_out) == _issues(first_out)
    assert _squeeze(t("retouch.kept_flagged", count=1, names=f"0049.{fmt}")) in \
        _squeeze(again_out)


def test_an_output_recording_no_findings_is_done_again(tmp_path: Path) -> None:
    """An output stamped by the release that recorded no findings (``dangan-retouch/1``), or
    whose findings cannot be read, is done again: a page is never skipped without them."""
    from dangan.compute.executors import InProcessExecutor
    from dangan.imaging.context import RetouchOptions
    from dangan.imaging.files import add_stamp, make_stamp, read_record, read_stamp
    from dangan.services.retouch import plan_tree, run_tasks

    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "0049.jpg").write_bytes(_noise_page("jpg"))
    opts = RetouchOptions(orientation=False)
    run_tasks(plan_tree(str(src), str(dst), opts), InProcessExecutor())
    fs, target = fsspec.filesystem("file"), dst / "0049.jpg"
    stamp = read_stamp(fs, str(target))
    assert stamp.startswith("dangan-retouch/2 source-sha256=")
    (task,) = plan_tree(str(src), str(dst), opts)
    assert make_stamp((src / "0049.jpg").read_bytes(), task) == stamp
    assert json.loads(read_record(fs, str(target)).partition("\n")[2])["review"]

    plain = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(plain, "JPEG")
    for record in (stamp.replace("dangan-retouch/2", "dangan-retouch/1"),  # an older release
                   stamp,  # the stamp alone, no findings
                   stamp + "\n{not json"):  # findings that cannot be read
        target.write_bytes(add_stamp(plain.getvalue(), record))
        again = run_tasks(plan_tree(str(src), str(dst), opts), InProcessExecutor())
        (page,) = again.pages
        assert not getattr(page, "kept", False) and page.status == "defect", record
        assert again.counts == {"defect": 1} and "sheet_uncertain" in page.review
        assert Image.open(target).size != (800, 1100)  # written again


def test_a_record_too_long_for_a_comment_keeps_the_findings_or_nothing() -> None:
    from dangan.imaging.context import PageReport
    from dangan.imaging.files import RECORD_MAX, make_record

    report = PageReport(source="0001.jpg", status="defect")
    report.needs_review("sheet_uncertain", "content=0.000")
    report.hole_boxes = [[i, i, i + 9, i + 9] for i in range(20_000)]  # far too many
    record = make_record("dangan-retouch/2 x", report)
    assert 0 < len(record) <= RECORD_MAX
    findings = json.loads(record.partition("\n")[2])
    assert findings["review"] == ["sheet_uncertain"] and "hole_boxes" not in findings
    report.flag("needs_review", "x" * RECORD_MAX)  # the findings themselves too long
    assert make_record("dangan-retouch/2 x", report) == ""
