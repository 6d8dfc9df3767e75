"""``retouch SRC DST`` (plain folders): two sources never share one output name, and a rerun
redoes a page whose existing output was not made from the same source bytes with the same
options."""

from __future__ import annotations

import io
import json
from pathlib import Path

import fsspec
import pytest
from PIL import Image
from typer.testing import CliRunner

from dangan.errors import InputError
from dangan.samples.page import PageSpec, render_page


def _jpeg(seed: int, kind: str = "text") -> bytes:
    return render_page(PageSpec(kind=kind, seed=seed)).encode()


def _tiff(seeds: list[int]) -> bytes:
    frames = [Image.open(io.BytesIO(_jpeg(s))).convert("L") for s in seeds]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200),
                   compression="tiff_deflate")
    return buf.getvalue()


def _retouch(*args: str) -> object:
    from dangan.cli.main import app

    return CliRunner().invoke(app, ["retouch", *args, "--workers", "1", "--no-orientation"])


def test_two_sources_for_one_output_name_are_both_refused_and_named(tmp_path: Path) -> None:
    src, dst, report = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    vol = src / "vol"
    vol.mkdir(parents=True)
    (vol / "0001.jpg").write_bytes(_jpeg(501))
    (vol / "0001.tif").write_bytes(_tiff([502]))  # another page, the same output 0001.jpg
    (vol / "0002.tif").write_bytes(_tiff([503, 504, 505]))  # page 2 → 0002-p002.jpg …
    (vol / "0002-p002.jpg").write_bytes(_jpeg(506))  # … which this page claims too
    (vol / "0003.jpg").write_bytes(_jpeg(507))
    result = _retouch(str(src), str(dst), "--report", str(report))
    error = result.exception  # type: ignore[attr-defined]
    assert isinstance(error, InputError), result.output  # type: ignore[attr-defined]
    assert error.key == "retouch.pages_failed" and error.params["count"] == 4
    lines = "\n".join(error.details)
    assert "vol/0001.jpg：与 vol/0001.tif 输出到同一文件 vol/0001.jpg" in lines
    assert "vol/0001.tif：与 vol/0001.jpg 输出到同一文件 vol/0001.jpg" in lines
    assert "vol/0002.tif p2：与 vol/0002-p002.jpg 输出到同一文件 vol/0002-p002.jpg" in lines
    assert "vol/0002-p002.jpg：与 vol/0002.tif p2 输出到同一文件" in lines
    # the others are done; nothing is written under a name two sources claim
    assert sorted(p.name for p in (dst / "vol").iterdir()) == [
        "0002-p001.jpg", "0002-p003.jpg", "0003.jpg"]
    data = json.loads(report.read_text("utf-8"))
    assert data["counts"]["failed"] == 4 and "skipped" not in data["counts"]


def _tree(root: Path) -> Path:
    src = root / "in"
    src.mkdir()
    (src / "0001.jpg").write_bytes(_jpeg(511))
    (src / "0002.jpg").write_bytes(_jpeg(512, "table"))
    return src


def _run(src: Path, dst: Path, *options: str) -> dict[str, int]:
    from dangan.compute.executors import InProcessExecutor
    from dangan.imaging.context import RetouchOptions
    from dangan.services.retouch import plan_tree, run_tasks

    mode = options[0] if options else "colour"
    opts = RetouchOptions(mode=mode, orientation=False)  # type: ignore[arg-type]
    summary = run_tasks(plan_tree(str(src), str(dst), opts, force="force" in options),
                        InProcessExecutor())
    return {rep.source: "skipped" if getattr(rep, "kept", False) else rep.status
            for rep in summary.pages}


def test_a_rerun_redoes_a_page_whose_source_was_replaced(tmp_path: Path) -> None:
    src, dst = _tree(tmp_path), tmp_path / "out"
    assert set(_run(src, dst).values()) <= {"ok", "defect"}
    before = (dst / "0001.jpg").read_bytes()
    assert _run(src, dst) == {"0001.jpg": "skipped", "0002.jpg": "skipped"}
    (src / "0001.jpg").write_bytes(_jpeg(599, "seal"))  # another page under the same name
    again = _run(src, dst)
    assert again["0001.jpg"] != "skipped" and again["0002.jpg"] == "skipped"
    assert (dst / "0001.jpg").read_bytes() != before
    assert "skipped" not in _run(src, dst, "colour", "force").values()  # --force: always


def test_a_rerun_with_other_options_redoes_every_page(tmp_path: Path) -> None:
    src, dst = _tree(tmp_path), tmp_path / "out"
    _run(src, dst)
    assert Image.open(dst / "0001.jpg").mode == "RGB"
    assert "skipped" not in _run(src, dst, "bilevel").values()
    assert {Image.open(dst / name).mode for name in ("0001.jpg", "0002.jpg")} == {"L"}


@pytest.mark.parametrize("fmt", ["jpg", "tif"])
def test_an_output_without_a_record_is_redone_and_a_recorded_one_kept(
        tmp_path: Path, fmt: str) -> None:
    """An output made by an older release records nothing: it is done again, once."""
    from dangan.compute.executors import InProcessExecutor
    from dangan.imaging.context import RetouchOptions
    from dangan.imaging.files import read_stamp
    from dangan.services.retouch import plan_tree, run_tasks

    src, dst = _tree(tmp_path), tmp_path / "out"
    (src / "0002.jpg").unlink()
    opts = RetouchOptions(fmt=fmt, orientation=False)  # type: ignore[arg-type]
    target = dst / f"0001.{fmt}"
    target.parent.mkdir()
    old = io.BytesIO()
    Image.new("L", (800, 1100), 255).save(old, "JPEG" if fmt == "jpg" else "TIFF")
    target.write_bytes(old.getvalue())  # whole, but with no record of what it came from
    first = run_tasks(plan_tree(str(src), str(dst), opts), InProcessExecutor())
    assert [rep.status for rep in first.pages] != ["skipped"]
    stamp = read_stamp(fsspec.filesystem("file"), str(target))
    assert stamp.startswith("dangan-retouch/2 source-sha256=")
    assert Image.open(target).size != (800, 1100)
    again = run_tasks(plan_tree(str(src), str(dst), opts), InProcessExecutor())
    assert again.counts == {"skipped": 1}  # kept, and reported as first found
    assert [rep.status for rep in again.pages] == [rep.status for rep in first.pages]


def test_a_backup_copy_of_a_page_is_no_page(tmp_path: Path) -> None:
    """``0001.tif.bak`` holds an image but is a copy kept aside: retouched, it came out as one
    more page (``0001.tif.jpg``). It is listed as ignored, as any file that is no page."""
    from dangan.imaging.context import RetouchOptions
    from dangan.services.retouch import plan_tree

    src = _tree(tmp_path)
    (src / "0001.jpg.bak").write_bytes(_jpeg(511))
    (src / "0002.jpg~").write_bytes(_jpeg(512))
    (src / "0003").write_bytes(_jpeg(513))  # no extension at all: a scanner's own naming
    ignored: list[str] = []
    tasks = plan_tree(str(src), str(tmp_path / "out"), RetouchOptions(orientation=False),
                      ignored=ignored)
    assert sorted(t.rel for t in tasks) == ["0001.jpg", "0002.jpg", "0003"]
    assert sorted(ignored) == ["0001.jpg.bak", "0002.jpg~"]
