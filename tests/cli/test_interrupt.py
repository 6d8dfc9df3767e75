"""Ctrl-C stops a run: SIGINT to ``dangan retouch SRC DST`` once its first page is written
stops the workers (no page is written after the exit, no partial file is left), says
「已中断」 and exits 130 — the run does not go on to the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dangan.imaging.files import TEMP_MARK
from dangan.samples import generate_set

PAGES = 24
WAIT_S = 120.0  # the longest the first page may take on a loaded machine


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (the forkserver and the pool workers), from /proc."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _default_sigint() -> None:
    """In the child: Ctrl-C as at a terminal, even when this test runs as a background job
    (whose SIGINT the shell ignores, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _outputs(dst: Path) -> list[Path]:
    return [p for p in dst.rglob("*") if p.is_file()] if dst.exists() else []


def test_ctrl_c_stops_retouch(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    generate_set(src, 1, 31, pages=(PAGES, PAGES))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    proc = subprocess.Popen([sys.executable, "-m", "dangan", "retouch", str(src), str(dst),
                             "--workers", "2", "--no-orientation"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)
    deadline = time.monotonic() + WAIT_S
    # the fixed point: the first retouched page is in place
    while not [p for p in _outputs(dst) if not p.name.startswith(TEMP_MARK)]:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no page retouched"
        time.sleep(0.05)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, (out, err)
    assert "已中断" in err
    written = _outputs(dst)
    assert not [p for p in written if p.name.startswith(TEMP_MARK)]  # no partial file left
    assert len(written) < PAGES  # it stopped; it did not go on to the end
    # the pool's workers were stopped with the run (the forkserver follows its parent)
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]
    assert len(_outputs(dst)) == len(written)  # and nothing was written after the exit


def test_ctrl_c_stops_ingest_with_a_message(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dangan.db.models import Volume
    from dangan.domain import workflow as wf
    from dangan.storage import Area
    from workflow.helpers import actor, line_to

    ctx = project
    root = tmp_path / "scan"
    truth = generate_set(root, 8, seed=7, pages=(6, 6), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as session:
        for vol in truth.volumes:
            session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                               expected_pages=vol.image_count))
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    proc = subprocess.Popen([sys.executable, "-m", "dangan", "ingest", str(root), "-w", "张扫",
                             "-p", str(ctx.home), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)
    scanned = Path(ctx.storage.root) / Area.SCANNED.value
    deadline = time.monotonic() + WAIT_S
    while not _outputs(scanned):  # the fixed point: the first page taken in
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no page taken in"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, (out, err)
    assert "已中断" in err


def test_ctrl_c_stops_retouch_of_a_project(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from dangan.db.models import StageEvent
    from dangan.domain import workflow as wf
    from dangan.samples import make_archive_codes, write_volume_list
    from dangan.services import claims, intake
    from dangan.services.engine import resolve_actor
    from dangan.services.volumes import import_volumes
    from dangan.services.workers import add_worker
    from dangan.storage import Area
    from workflow.helpers import line_to

    ctx = project
    codes = make_archive_codes(2, 31)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, 2, 31, pages=(PAGES // 2, PAGES // 2), archive_codes=codes,
                         p_blank=0.0, p_duplicate=0.0)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    claims.claim(ctx, resolve_actor(ctx, "陈修图"), batch, wf.RETOUCH)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    proc = subprocess.Popen([sys.executable, "-m", "dangan", "retouch", "-p", str(ctx.home),
                             "-w", "陈修图", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_default_sigint)
    retouched = Path(ctx.storage.root) / Area.RETOUCHED.value
    deadline = time.monotonic() + WAIT_S
    while not [p for p in _outputs(retouched) if not p.name.startswith(TEMP_MARK)]:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no page retouched"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 130, (out, err)
    assert "已中断" in err
    written = _outputs(retouched)
    assert not [p for p in written if p.name.startswith(TEMP_MARK)]
    assert len(written) < PAGES
    with ctx.transaction() as s:  # nothing recorded or signed for an interrupted run
        assert not s.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind.in_([wf.EVENT_RETOUCH_RECORD, wf.EVENT_SIGNOFF]),
            StageEvent.stage == wf.RETOUCH))


def test_a_thread_left_waiting_does_not_hold_the_exit_after_ctrl_c() -> None:
    """A stopped pool's helper thread left waiting on a pipe held an interrupted ingest's exit
    until a second Ctrl-C (the interpreter joins such threads when it shuts down). After the
    command's cleanup, Ctrl-C ends the process at once: 「已中断」, exit 130."""
    code = (
        "import threading\n"
        "from dangan.cli import main\n"
        "threading.Thread(target=threading.Event().wait).start()  # never ends by itself\n"
        "def app(**_):\n"
        "    raise KeyboardInterrupt\n"
        "main.app = app\n"
        "main.run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "DANGAN_LANG": "zh"})
    assert done.returncode == 130, done.stderr
    assert "已中断" in done.stderr
