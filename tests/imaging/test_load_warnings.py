"""What the image library warns while reading a page ("Corrupt EXIF data", "Truncated File
Read") is a finding of that page (``file_warning``, its words naming the warning), never a line
on stderr that names no file; any other warning is passed on naming the page."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from retouch_synthetic import draw_page
from typer.testing import CliRunner

from dangan.i18n import t
from dangan.imaging.context import RetouchOptions
from dangan.imaging.files import FILE_WARNING, PageTask, retouch_file
from dangan.imaging.load import page_count

OPTS = RetouchOptions(orientation=False)


def _tiff_with_a_tag_past_its_end() -> bytes:
    """A sound page whose Software tag points past the end of the file: it decodes, and
    Pillow warns "Truncated File Read" while reading its directory."""
    page = Image.fromarray(np.ascontiguousarray(draw_page()[:, :, 0]))
    buf = io.BytesIO()
    page.save(buf, "TIFF", dpi=(200, 200))
    data = bytearray(buf.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd:ifd + 2])[0]
    entries = [bytes(data[ifd + 2 + 12 * i: ifd + 14 + 12 * i]) for i in range(count)]
    entries.append(struct.pack("<HHII", 305, 2, 300, len(data) + 10_000))
    entries.sort(key=lambda e: struct.unpack("<H", e[:2])[0])
    if len(data) % 2:
        data += b"\0"
    data[4:8] = struct.pack("<I", len(data))
    data += struct.pack("<H", len(entries)) + b"".join(entries) + b"\0\0\0\0"
    return bytes(data)


def test_an_image_library_warning_is_a_finding_of_the_page(tmp_path: Path) -> None:
    src = tmp_path / "0003.tif"
    src.write_bytes(_tiff_with_a_tag_past_its_end())
    target = tmp_path / "out" / "0003.jpg"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with src.open("rb") as fh:
            assert page_count(fh) == 1
        report = retouch_file(PageTask(str(src), str(target), "0003.tif", OPTS))
    assert [str(w.message) for w in caught] == []  # nothing reaches stderr unnamed
    assert report.status != "failed" and target.exists()
    found = [d.detail for d in report.defects if d.code == FILE_WARNING]
    assert found == ["UserWarning: Truncated File Read"]  # once, however often it was said


def test_another_warning_is_passed_on_naming_the_page(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.imaging import files

    real = files.retouch_bytes

    def noisy(*args: object, **kwargs: object) -> object:
        warnings.warn("mean of empty slice", RuntimeWarning, stacklevel=1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files, "retouch_bytes", noisy)
    src = tmp_path / "0004.tif"
    src.write_bytes(_tiff_with_a_tag_past_its_end())
    with pytest.warns(RuntimeWarning, match=r"^0004\.tif: mean of empty slice$"):
        report = retouch_file(PageTask(str(src), str(tmp_path / "o.jpg"), "0004.tif", OPTS))
    assert all("mean of empty" not in d.detail for d in report.defects)


def test_the_run_lists_the_warning_with_the_page(tmp_path: Path) -> None:
    from dangan.cli.main import app

    src = tmp_path / "in"
    src.mkdir()
    (src / "0003.tif").write_bytes(_tiff_with_a_tag_past_its_end())
    result = CliRunner().invoke(app, ["retouch", str(src), str(tmp_path / "out"),
                                      "--workers", "1", "--no-orientation"])
    assert result.exit_code == 0, result.output
    words = t("retouch.why.file_warning", message="UserWarning: Truncated File Read")
    line = t("retouch.issue_line_file", path="0003.tif", level=t("retouch.level.warning"),
             words=words)
    assert "".join(line.split()) in "".join(result.output.split()), result.output
