"""The watcher's "scan finished" marker is configurable (``dangan watch --marker NAME``): a
watcher records the name it takes in the project, and cleanup counts a file of that name in a
volume folder as bookkeeping, like the default ``.dangan-complete``. A name never recorded
stays a file that keeps its folder."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import update
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import BorrowBatch, Volume
from dangan.domain import workflow as wf
from dangan.intake.watch import MARKERS_FILE, REPORT
from dangan.samples import generate_set
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
from dangan.services.site import cleanup
from faults.support import env_for
from workflow.helpers import actor, line_to

MARKER = "扫描完成.txt"


def _default_sigint() -> None:
    """In the child: Ctrl-C as at a terminal, even when the tests run as a background job
    (whose SIGINT the shell ignores, and children inherit that: the watcher would never stop)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_watcher_s_own_marker_goes_with_the_folder(project: Any, tmp_path: Path) -> None:
    ctx = project
    root = tmp_path / "扫描站"
    truth = generate_set(root, 2, seed=57, pages=(4, 5), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as s:
        for v in truth.volumes:
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count))
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    folders = sorted(p.parent for p in root.rglob("0001.jpg"))
    assert len(folders) == 2
    watched, other = folders
    (watched / MARKER).write_text("", "utf-8")  # the operator marks the folder finished

    env = {k: v for k, v in env_for(ctx).items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "dangan", "--lang", "en", "watch", str(root),
                             "-w", "张扫", "-p", str(ctx.home), "--marker", MARKER],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 240
        while not (watched / REPORT).exists() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output = proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a watcher running after the test
            proc.communicate()
            raise
    report = json.loads((watched / REPORT).read_text("utf-8"))
    assert [v["state"] for v in report["volumes"]] == ["ingested"], output
    assert MARKER in json.loads((ctx.home / MARKERS_FILE).read_text("utf-8"))["markers"]
    # the other folder ingested by hand (its marker never taken by a watcher)
    by_hand = CliRunner().invoke(app, ["ingest", str(other), "-w", "张扫", "-p", str(ctx.home)])
    assert by_hand.exit_code == 0, by_hand.output
    with ctx.transaction() as s:  # the rest of the line, as on record (not what this tests)
        s.execute(update(Volume).values(stage=wf.DONE))
        s.execute(update(BorrowBatch).values(status=wf.BORROW_RETURNED))
    (watched / MARKER).write_text("", "utf-8")  # the scan software marks it again
    (other / MARKER).write_text("", "utf-8")
    (other / "完成.flag").write_text("", "utf-8")  # a name no watcher took: kept

    by_folder = {root / d.folder: d for d in cleanup.plan(ctx, root).folders}
    assert by_folder[watched].reason == cleanup.DELETABLE
    assert by_folder[other].reason == cleanup.NOT_STORED
    assert by_folder[other].params["names"] == ["完成.flag"]
    done = cleanup.apply(ctx, resolve_actor(ctx, "张扫"), root)
    assert {root / d.folder: d.reason for d in done.folders}[watched] == cleanup.DELETED
    assert not watched.exists() and (other / "完成.flag").exists()
    code = by_folder[watched].archive_code
    (event,) = [h for h in volume_history(ctx, code) if h.kind == wf.EVENT_LOCAL_COPY_DELETED]
    assert {MARKER, REPORT} <= {f["name"] for f in event.data["files"]}


def test_a_marker_that_is_no_file_name_is_a_usage_error(project: Any, tmp_path: Path) -> None:
    ctx = project
    for bad in ("", "a/b", ".."):
        out = CliRunner().invoke(app, ["watch", str(tmp_path), "-w", "张扫", "-p", str(ctx.home),
                                       "--marker", bad])
        assert out.exit_code == 2, out.output
        assert "--marker" in out.output
    assert not (ctx.home / MARKERS_FILE).exists()
