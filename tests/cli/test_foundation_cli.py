"""The CLI as a user runs it: a real process, Chinese messages, documented exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook


def dangan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=full_env, timeout=120)


def test_init_import_status(tmp_path: Path) -> None:
    home = tmp_path / "court-1997"
    r = dangan("init", "-p", str(home), "--template", "court")
    assert r.returncode == 0, r.stderr
    assert "已创建项目" in r.stdout
    for area in ("已扫描", "已修图", "制作目录", "已上传"):
        assert (home / "storage" / area).is_dir()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["档号", "题名", "页数"])
    ws.append(["1997-民-0014-0025", "借款纠纷", 40])
    wb.save(tmp_path / "v.xlsx")
    r = dangan("volumes", "import", str(tmp_path / "v.xlsx"), "-p", str(home))
    assert r.returncode == 0, r.stderr
    assert "新增 1 卷" in r.stdout
    r = dangan("status", "-p", str(home), "--json")
    assert r.returncode == 0
    assert '"volumes": 1' in r.stdout
    r = dangan("--lang", "en", "status", "-p", str(home))
    assert "Status of project court-1997" in r.stdout


def test_errors_have_messages_and_exit_codes(tmp_path: Path) -> None:
    r = dangan("status", "-p", str(tmp_path))
    assert r.returncode == 3
    assert "找不到项目配置文件" in r.stderr
    home = tmp_path / "p"
    assert dangan("init", "-p", str(home)).returncode == 0
    r = dangan("init", "-p", str(home))
    assert r.returncode == 3 and "不会覆盖" in r.stderr
    bad = tmp_path / "list.xlsx"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n....")
    r = dangan("volumes", "import", str(bad), "-p", str(home))
    assert r.returncode == 4
    assert "PNG" in r.stderr
    r = dangan("no-such-command")
    assert r.returncode == 2
