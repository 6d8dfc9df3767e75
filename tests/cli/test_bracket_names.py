"""Names printed on the console are text: a project, worker, team, folder or path named
"[court]" is printed whole, never taken for console markup and dropped."""

from __future__ import annotations

from pathlib import Path

from cli.runner import dangan

WIDE = {"COLUMNS": "400"}  # one console line per message


def _ok(*args: str) -> str:
    r = dangan(*args, env=WIDE)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def test_names_in_brackets_are_printed_whole(tmp_path: Path) -> None:
    home = tmp_path / "[site]" / "p"
    out = _ok("init", "-p", str(home), "--name", "[court] 1997")
    assert "[court] 1997" in out and str(home) in out
    status = _ok("status", "-p", str(home))
    assert "[court] 1997" in status and str(home / "storage") in status
    assert "[qa]张" in _ok("worker", "add", "[qa]张", "-r", "scan_operator", "-p", str(home))
    team = _ok("worker", "team", "add", "[team]一组", "-w", "[qa]张", "-p", str(home))
    assert "[team]一组" in team and "[qa]张" in team
    assert "[team]一组" in _ok("worker", "team", "remove", "[team]一组", "-p", str(home))
    scan = tmp_path / "scan"
    (scan / "[tmp]").mkdir(parents=True)
    (scan / "[tmp]" / "a.txt").write_text("note", "utf-8")
    cleanup = _ok("cleanup", str(scan), "-p", str(home))
    assert "[tmp]  not_a_volume" in cleanup
    backup = _ok("backup", str(tmp_path / "[bk]" / "out"), "-p", str(home))
    assert str(tmp_path / "[bk]" / "out" / "snapshots") in backup
