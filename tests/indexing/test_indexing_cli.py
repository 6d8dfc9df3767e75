"""index / package / link / handover as a user runs them: real processes, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dangan_index_fixtures import add_volume, write_catalogue

from dangan.services.workers import add_worker

CODE = "1997-民-0014-0025"


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_index_to_handover_round_trip(project: Any, tmp_path: Path) -> None:
    home = str(project.home)
    add_volume(project, CODE, 3, size=(400, 566))
    add_worker(project, "钱标", ["indexer", "uploader"])
    bad = write_catalogue(tmp_path / "bad.xlsx", [[CODE, "案卷", "", "", 2, 3]],
                          [[CODE, 1, "", "a", "起诉状", "19971340", "1", ""],
                           [CODE, 2, "", "b", "判决书", "1997", "2", ""]])
    r = dangan("index", "import", str(bad), "-p", home, "-w", "钱标")
    assert r.returncode == 4 and "19971340" in r.stderr and "未导入任何数据" in r.stderr
    good = write_catalogue(tmp_path / "good.xlsx", [[CODE, "案卷", "", "", 2, 3]],
                           [[CODE, 1, "", "a", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "b", "判决书", "1997", "2", ""]])
    r = dangan("index", "import", str(good), "-p", home, "-w", "钱标")
    assert r.returncode == 0, r.stderr
    r = dangan("link", "check", "-p", home, "--json")
    assert r.returncode == 9 and '"code": "link_not_packaged"' in r.stdout
    r = dangan("package", "-p", home, "--form", "pdf", "-w", "钱标")
    assert r.returncode == 0 and "2 个文件" in r.stdout, r.stderr
    bag = tmp_path / "out.bag"
    r = dangan("handover", "build", str(bag), "-p", home)
    assert r.returncode == 0, r.stderr
    assert dangan("handover", "verify", str(bag)).returncode == 0
    pdf = bag / "data" / "files" / "pdf" / CODE / f"{CODE}-001.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-1] + b"\x00")
    r = dangan("handover", "verify", str(bag))
    assert r.returncode == 8 and f"{CODE}-001.pdf" in r.stderr
