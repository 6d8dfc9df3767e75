"""Console output written to a file or a pipe is never cut in two: every message stays on one
line and a table is laid out at the width its cells need, so a log can be searched line by
line. On a terminal (here a pseudo-terminal of 80 columns) the output folds at its width as
before."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from rich.cells import cell_len

from dangan.db.models import Defect, Volume
from dangan.i18n import set_language, t
from dangan.services.project import ProjectContext

# Long enough that an 80-column console folds it, with no space for a fold to fall on.
LONG_FINDING = "第三行第二列的签名与前页不一致且印章位置偏移需与原卷核对后再定是否返工" * 2


def _words(lang: str, key: str, **params: object) -> str:
    set_language(lang)
    try:
        return t(key, **params)
    finally:
        set_language(None)


def _env() -> dict[str, str]:
    """The caller's environment without DANGAN_* settings, and without COLUMNS and LINES (a
    shell does not export them; pytest-xdist's workers set them to 80 and 24)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("DANGAN_") and k not in ("COLUMNS", "LINES", "TTY_COMPATIBLE")}


def _in_a_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=_env(), timeout=120)


def _on_a_terminal(*args: str, columns: int = 80) -> str:
    """``dangan ARGS`` with its output on a pseudo-terminal of ``columns`` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "dangan", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=_env(), close_fds=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # the styles; the layout is kept


def _with_a_long_finding(project: ProjectContext) -> str:
    code = "1997-民-0014-0025"
    with project.transaction() as s:
        vol = Volume(project_id=project.project_id, archive_code=code, stage="qc")
        s.add(vol)
        s.flush()
        s.add(Defect(project_id=project.project_id, volume_id=vol.id, page_no=17, code="other",
                     source="qc", stage="retouch", message=LONG_FINDING))
    return code


def test_a_table_written_to_a_pipe_keeps_each_row_on_one_line(project: ProjectContext) -> None:
    code = _with_a_long_finding(project)
    r = _in_a_pipe("defects", "-p", str(project.home))
    assert r.returncode == 0, r.stderr
    [row] = [ln for ln in r.stdout.splitlines() if code in ln]
    assert LONG_FINDING in row, r.stdout  # was folded at 80 columns over four lines
    assert cell_len(row) > 80


def test_on_a_terminal_the_table_still_folds_at_its_width(project: ProjectContext) -> None:
    code = _with_a_long_finding(project)
    out = _on_a_terminal("defects", "-p", str(project.home))
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert any(code in ln for ln in lines), out
    assert max(cell_len(ln) for ln in lines) <= 80, out
    assert LONG_FINDING not in out  # folded within its column …
    folded = "".join(ln.split("│")[4].strip() for ln in lines if ln.count("│") >= 8)
    assert LONG_FINDING in folded  # … and nothing of it lost


def _src_with_ignored_files(tmp_path: Path) -> tuple[Path, list[str]]:
    """A folder whose one page cannot be read (no imaging at all), beside text files with
    long names: their line runs well past 80 columns."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "0001.jpg").write_bytes(b"")
    names = [f"扫描登记说明-第{i}批-核对后删除.txt" for i in range(1, 5)]
    for name in names:
        (src / name).write_text("x", "utf-8")
    return src, names


def test_retouch_messages_in_a_pipe_are_one_line_each(tmp_path: Path) -> None:
    src, names = _src_with_ignored_files(tmp_path)
    for lang in ("zh", "en"):
        r = _in_a_pipe("--lang", lang, "retouch", str(src), str(tmp_path / f"out-{lang}"),
                       "--workers", "1")
        assert r.returncode == 4, r.stdout + r.stderr  # the empty page failed
        ignored = _words(lang, "retouch.ignored", count=4, files=", ".join(sorted(names)))
        assert cell_len(ignored) > 80
        assert ignored in r.stdout.splitlines(), r.stdout  # was cut after a file name
        failed = _words(lang, "retouch.pages_failed", count=1, names="0001.jpg")
        assert any(failed in ln for ln in r.stderr.splitlines()), r.stderr


def test_retouch_messages_on_a_terminal_fold_as_before(tmp_path: Path) -> None:
    src, names = _src_with_ignored_files(tmp_path)
    out = _on_a_terminal("retouch", str(src), str(tmp_path / "out"), "--workers", "1")
    ignored = _words("zh", "retouch.ignored", count=4, files=", ".join(sorted(names)))
    [first] = [ln for ln in out.splitlines() if ln.startswith(ignored[:12])]
    assert first != ignored and cell_len(first) <= 80, out  # folded at the terminal's width
    assert "".join(ignored.split()) in "".join(out.split()), out  # … nothing of it lost


def test_each_defect_shows_the_number_qc_waive_takes(project: ProjectContext) -> None:
    code = _with_a_long_finding(project)
    listed = _in_a_pipe("defects", "-p", str(project.home), "--json")
    assert listed.returncode == 0, listed.stderr
    import json

    [row] = json.loads(listed.stdout)
    assert row["volume"] == code and row["id"] > 0
    table = _in_a_pipe("defects", "-p", str(project.home))
    [line] = [ln for ln in table.stdout.splitlines() if code in ln]
    assert f"#{row['id']} {LONG_FINDING}" in line  # the number qc waive takes, with the finding
