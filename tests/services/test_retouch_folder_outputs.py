"""``retouch SRC DST`` (plain folders): two sources never share one output name, and a rerun
redoes a page whose existing output was not made from the same source bytes with the same
options."""

from __future__ import annotations

import io
import json
from pathlib import Path

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
