"""Look-alike characters in page and folder names are bad names, saying which character:
Python's ``\\d`` and ``int()`` accept ``０００５`` (full-width) and other Unicode digits."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.errors import NamingError
from dangan.intake.check import CheckOptions, run_check

FOLDER = "1-1-1-1-1997-民-0014-0025"
CLI = [sys.executable, "-c", "from dangan.cli.main import run; run()"]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), (240, 240, 240)).save(buf, "JPEG")
    return buf.getvalue()


def _volume(root: Path, folder: str, names: list[str]) -> Path:
    vol = root / folder
    vol.mkdir(parents=True)
    for name in names:
        (vol / name).write_bytes(_jpeg())
    return vol


def _defects(root: Path) -> list[tuple[str, str, str]]:
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), workers=1,
                                                content=False))
    return sorted((d.code, d.path, d.message) for d in report.defects)


@pytest.mark.parametrize("name,char", [
    ("０００５.jpg", "U+FF10"),  # full-width digits
    ("000٥.jpg", "U+0665"),  # Arabic-Indic digit
    ("0005．jpg", "U+FF0E"),  # full-width full stop
    ("0005\u200b.jpg", "U+200B"),  # zero-width space
])
def test_lookalike_page_name_is_bad_file_name(tmp_path: Path, name: str, char: str) -> None:
    _volume(tmp_path / "scan", FOLDER, [f"{n:04d}.jpg" for n in (1, 2, 3, 4)] + [name])
    found = _defects(tmp_path / "scan")
    bad = [(code, msg) for code, path, msg in found if path.endswith(name)]
    assert bad and bad[0][0] == "bad_file_name", found
    assert char in bad[0][1], bad


@pytest.mark.parametrize("folder,char", [
    ("1-1-1-1-1997-民－0014-0025", "U+FF0D"),  # full-width hyphen
    ("1-1-1-1-１997-民-0014-0025", "U+FF11"),  # full-width digit in the year
    ("1-1-1-1-1997-Ｍ-0014-0025", "U+FF2D"),  # full-width letter in a text segment
    ("1-1-1-1‐1997-民-0014-0025", "U+2010"),  # Unicode hyphen
])
def test_lookalike_folder_name_is_bad_folder_name(tmp_path: Path, folder: str, char: str) -> None:
    _volume(tmp_path / "scan", folder, ["0001.jpg", "0002.jpg"])
    found = _defects(tmp_path / "scan")
    codes = {code for code, _p, _m in found}
    assert "bad_folder_name" in codes, found
    assert any(char in msg for code, _p, msg in found if code == "bad_folder_name"), found


def test_rules_refuse_lookalikes_but_keep_chinese_text() -> None:
    rules = court_rules()
    with pytest.raises(NamingError) as info:
        rules.page_file_name(rules.parse_page_file("０００５.jpg")[0])
    assert info.value.key == "naming.mismatch" and "U+FF10" in info.value.message
    assert rules.archive_code.match("1997-民-0014-0025") is not None
    assert rules.archive_code.match("1997-（民）-0014-0025") is not None  # ordinary punctuation
    assert rules.archive_code.match("1997-民-００14-0025") is None


def test_check_cli_exits_9_and_ingest_stores_no_lookalike(tmp_path: Path) -> None:
    root = tmp_path / "scan"
    _volume(root, FOLDER, ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg", "０００５.jpg"])
    out = subprocess.run([*CLI, "check", str(root), "--json", "--names-only"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 9, out.stderr
    defects = json.loads(out.stdout)["defects"]
    assert any(d["code"] == "bad_file_name" and d["path"].endswith("０００５.jpg")
               for d in defects), defects
