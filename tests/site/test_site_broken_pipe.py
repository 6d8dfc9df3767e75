"""Output cut off by its reader (``dangan restore … 2>&1 | head -2``) never changes the exit
code: the command finishes and ends with its own code, not "internal error" (1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from site_helpers import returned_and_open
from sqlalchemy import select

from dangan.db.models import StoredFile
from dangan.services.project import ProjectContext
from dangan.services.site import backup


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith("DANGAN_") and k not in ("COLUMNS", "LINES")}


def _closed_pipe(*args: str, stderr_too: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``dangan`` with stdout (and stderr) into a pipe whose reader has already closed:
    every write meets EPIPE, whenever it comes."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "dangan", *args], stdout=write,
                              stderr=write if stderr_too else subprocess.PIPE, text=True,
                              env=_env(), timeout=120)
    finally:
        os.close(write)


def _cut_after_a_line(*args: str) -> int:
    """``dangan … 2>&1 | head -1``: the reader takes one line and goes."""
    child = subprocess.Popen([sys.executable, "-m", "dangan", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=_env())
    assert child.stdout is not None
    child.stdout.readline()
    child.stdout.close()
    return child.wait(timeout=120)


def test_a_closed_pipe_keeps_the_commands_exit_code(project: ProjectContext,
                                                    tmp_path: Path) -> None:
    returned_and_open(project)
    out = tmp_path / "备份"
    assert backup.backup(project, out).failed_verification == []
    # a successful command: 0, and its work done
    assert _closed_pipe("restore", str(out), str(tmp_path / "完好")).returncode == 0
    assert (tmp_path / "完好" / "dangan.toml").is_file()
    assert _closed_pipe("--help").returncode == 0
    with project.transaction() as s:
        sha = s.scalars(select(StoredFile.sha256).order_by(StoredFile.path)).first()
    assert sha is not None
    obj = backup.object_path(out, sha)
    obj.write_bytes(obj.read_bytes()[:10])
    # the integrity failure stays 8, whether the error line or the report meets the pipe
    assert _closed_pipe("restore", str(out), str(tmp_path / "拒绝")).returncode == 8
    cut = _closed_pipe("restore", str(out), str(tmp_path / "跳过"), "--skip-damaged")
    assert cut.returncode == 8
    assert (tmp_path / "跳过" / "dangan.toml").is_file()  # the restore ran to its end
    assert _cut_after_a_line("restore", str(out), str(tmp_path / "头"), "--skip-damaged") == 8
    # stdout gone, stderr read: the error is still said there
    half = _closed_pipe("--lang", "en", "restore", str(out), str(tmp_path / "半"),
                        "--skip-damaged", stderr_too=False)
    assert half.returncode == 8 and "damaged or lost in the backup" in half.stderr
    assert "internal error" not in half.stderr.lower()
    # a usage error and a not-found error keep theirs
    assert _closed_pipe("restore").returncode == 2
    assert _closed_pipe("restore", str(tmp_path / "无"), str(tmp_path / "新")).returncode == 5
