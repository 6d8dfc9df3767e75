"""Corrupt, truncated and hostile inputs give a defect or a clear error — never a crash or hang."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, run_check
from dangan.intake.content import inspect_page

FOLDER = "1-1-1-1-1997-民-0014-0025"
CLI = [sys.executable, "-c", "from dangan.cli.main import run; run()"]


def _jpeg(w: int = 40, h: int = 60) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (240, 240, 240)).save(buf, "JPEG")
    return buf.getvalue()



def _check(root: Path) -> list[tuple[str, str]]:
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), workers=1))
    return sorted((d.code, d.path) for d in report.defects)


def test_huge_header_is_refused_before_decoding() -> None:
    data = bytearray(_jpeg())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 7] = (65_000).to_bytes(2, "big")
    data[sof + 7 : sof + 9] = (65_000).to_bytes(2, "big")
    info = inspect_page(bytes(data))
    assert info.reason == "too_large"
    png = io.BytesIO()
    Image.new("1", (1, 1)).save(png, "PNG")
    raw = bytearray(png.getvalue())
    raw[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR width/height
    assert inspect_page(bytes(raw)).reason in ("too_large", "decode_failed")


@pytest.mark.parametrize("data,reason", [(b"", "empty_file"), (b"hello", "not_image"),
                                         (_jpeg(400, 600)[:-300], "truncated")])
def test_broken_files(data: bytes, reason: str) -> None:
    assert inspect_page(data).reason == reason


def test_links_fifos_bad_names_and_dotdot(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    vol = root / FOLDER
    vol.mkdir(parents=True)
    (tmp_path / "outside.jpg").write_bytes(_jpeg())
    (vol / "0001.jpg").symlink_to(tmp_path / "outside.jpg")
    os.mkfifo(vol / "0002.jpg")
    (vol / "sub").mkdir()
    os.symlink(tmp_path, root / "link-out")
    bad = os.fsencode(str(vol)) + b"/0003\xff.jpg"
    with open(bad, "wb") as fh:
        fh.write(_jpeg())
    (root / "1-1-1-1-1997-民-0014-..0026").mkdir()
    found = _check(root)
    codes = [c for c, _ in found]
    assert codes.count("bad_path") == 6, found
    out = subprocess.run([*CLI, "check", str(root), "--json"], capture_output=True, timeout=60)
    assert out.returncode == 9
    parsed = json.loads(out.stdout.decode("utf-8"))
    assert any("\\xff" in d["path"] for d in parsed["defects"])


def test_folder_nested_too_deep_is_said_so(tmp_path: Path) -> None:
    """A volume folder six levels down is not read as a volume with a bad name (the level
    above it was): the folder where the walk stops is named, saying it is too deep."""
    root = tmp_path / "scan"
    deep = root / "a" / "b" / "c" / "d" / "e" / FOLDER
    deep.mkdir(parents=True)
    (deep / "0001.jpg").write_bytes(_jpeg())
    shallow = root / "a" / "b" / "c" / "d" / FOLDER.replace("0025", "0026")
    shallow.mkdir()
    (shallow / "0001.jpg").write_bytes(_jpeg())
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), workers=1,
                                               content=False))
    assert [v.folder.rel for v in report.volumes] == [f"a/b/c/d/{shallow.name}"]
    [defect] = report.defects
    assert (defect.code, defect.path) == ("bad_path", "a/b/c/d/e")
    assert "5" in defect.message and ("层级过深" in defect.message
                                      or "too deep" in defect.message)


def test_cli_exit_codes(tmp_path: Path) -> None:
    missing = subprocess.run([*CLI, "check", str(tmp_path / "nope")], capture_output=True)
    assert missing.returncode == 5
    out = subprocess.run([*CLI, "renumber", str(tmp_path), "--insert-before", "../0001", str(tmp_path / "x.jpg")], capture_output=True)
    assert out.returncode in (4, 5)
