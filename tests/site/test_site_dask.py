"""A retouch PC dies mid-batch: a Dask scheduler and two workers as separate processes on
127.0.0.1, ``dangan retouch -p DIR --scheduler tcp://…`` through them, one worker killed with
SIGKILL while pages are being done. Every page is done once and none twice: one retouched
file per page under its real name, one metrics entry per page, one retouch record per volume,
and each retouch sign-off once."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.db.models import Defect, Page, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.samples import generate_set
from dangan.services import claims, fixity, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import fix
from dangan.storage.atomic import TMP_PREFIX
from workflow.helpers import line_to

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# the scheduler and workers read the site's Dask settings, as the service units have them
SITE_ENV = {**os.environ, "DASK_CONFIG": str(DEPLOY / "dask" / "dangan.yaml")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env)


@contextmanager
def _cluster(tmp_path: Path, env: dict[str, str]
             ) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"], tmp_path / "scheduler.log", env)]
    try:
        client = Client(address, timeout=30)
        workers = [_start([str(BIN / "dask"), "worker", address, "--nthreads", "1",
                           "--no-nanny", "--no-dashboard", "--name", f"修图机{i}",
                           "--local-directory", str(tmp_path / f"w{i}")],
                          tmp_path / f"worker{i}.log", env) for i in (1, 2)]
        procs += workers
        client.wait_for_workers(2, timeout=30)
        client.close()
        yield address, workers
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """``dask scheduler`` and two single-threaded ``dask worker`` processes (no nanny: a
    killed worker stays dead, as a PC that lost power), with the site's Dask settings."""
    with _cluster(tmp_path, SITE_ENV) as running:
        yield running


def _retouched(ctx: ProjectContext) -> list[Path]:
    area = Path(ctx.storage.root) / "已修图"
    return [p for p in area.rglob("*") if p.is_file() and not p.name.startswith(TMP_PREFIX)
            and p.suffix == ".jpg"]


def _count(ctx: ProjectContext, *where: Any) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(StageEvent).where(*where)) or 0)


def _claimed_batch(ctx: ProjectContext, tmp_path: Path) -> int:
    """Two ingested volumes of five pages, claimed for retouch by 赵修; the page count."""
    scan = tmp_path / "扫描"
    truth = generate_set(scan, 2, seed=5, pages=(5, 5), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as s:
        for row, v in enumerate(truth.volumes):
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count, list_row=row))
    batch = line_to(ctx, wf.SCAN)
    report = intake.ingest(ctx, resolve_actor(ctx, "张扫"), scan)
    assert {v.state for v in report.volumes} == {"ingested"}
    shutil.rmtree(scan)
    claims.claim(ctx, resolve_actor(ctx, "赵修"), batch, wf.RETOUCH)
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Page)) or 0)


def test_a_worker_killed_mid_batch_leaves_every_page_done_once(
        project: ProjectContext, cluster: tuple[str, list[subprocess.Popen[bytes]]],
        tmp_path: Path) -> None:
    ctx = project
    address, workers = cluster
    pages = _claimed_batch(ctx, tmp_path)
    assert pages == 10

    run = subprocess.Popen([str(BIN / "dangan"), "retouch", "-p", str(ctx.home), "--scheduler",
                            address, "-w", "赵修"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    done_at_kill = 0
    while run.poll() is None:
        done_at_kill = len(_retouched(ctx))
        if done_at_kill >= 1:
            os.killpg(workers[0].pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    output, _ = run.communicate(timeout=120)
    assert run.returncode == 0, output.decode()
    assert 1 <= done_at_kill < pages  # the worker died with pages still to do
    assert workers[0].wait(10) == -signal.SIGKILL and workers[1].poll() is None

    files = _retouched(ctx)
    assert len(files) == pages == len({f.relative_to(ctx.storage.root) for f in files})
    with ctx.transaction() as s:
        rows = s.execute(select(StoredFile.page_id, func.count()).where(
            StoredFile.area == "retouched").group_by(StoredFile.page_id)).all()
        assert len(rows) == pages and {n for _p, n in rows} == {1}
        assert all("retouch" in (p.metrics or {}) for p in s.scalars(select(Page)))
        codes = list(s.scalars(select(Volume.archive_code).order_by(Volume.archive_code)))
    # the first volume's second page bears a seal and a page number, no line of text: its
    # orientation is left to a person, and its volume waits at 修图 until one looked
    held = fix.still_held(ctx, codes[0])
    assert [p.page_no for p in held] == [2] and fix.still_held(ctx, codes[1]) == []
    assert codes[0] in " ".join(output.decode().split())
    with ctx.transaction() as s:
        assert dict(s.execute(select(Volume.archive_code, Volume.stage)).all()) == {
            codes[0]: wf.RETOUCH, codes[1]: wf.INDEX}
    fix.accept_pages(ctx, resolve_actor(ctx, "赵修"), codes[0], [2], "看过：印章页，方向无误")
    again = subprocess.run([str(BIN / "dangan"), "retouch", "-p", str(ctx.home), "--scheduler",
                            address, "-w", "赵修"], capture_output=True, timeout=120)
    assert again.returncode == 0, again.stdout.decode() + again.stderr.decode()
    assert len(_retouched(ctx)) == pages  # nothing done twice: the rerun only signs
    with ctx.transaction() as s:
        assert set(s.scalars(select(Volume.stage))) == {wf.INDEX}
    # one per volume, and the page accepted by hand (recorded as the retouch record it is)
    assert _count(ctx, StageEvent.kind == wf.EVENT_RETOUCH_RECORD) == 3
    signed = (StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.RETOUCH)
    assert _count(ctx, *signed, StageEvent.volume_id.is_not(None)) == 2  # each volume once
    assert _count(ctx, *signed, StageEvent.volume_id.is_(None)) == 1  # and the batch once
    assert fixity.fixity(ctx, "retouched").checked == pages


def test_the_cluster_runs_with_the_sites_dask_settings(
        cluster: tuple[str, list[subprocess.Popen[bytes]]]) -> None:
    """deploy/dask/dangan.yaml is what the units hand the scheduler and every worker: it
    parses, and the running processes have no profiler and no work stealing."""
    from distributed import Client

    for unit in ("dask-scheduler.service", "dask-worker.service"):
        assert "Environment=DASK_CONFIG=/etc/dangan/dask.yaml" in (
            DEPLOY / "systemd" / unit).read_text(encoding="utf-8").splitlines()
    address, _workers = cluster
    with Client(address, timeout=30) as client:
        def setting(key: str) -> object:
            import dask.config

            return dask.config.get(key)

        profiling = client.run(setting, "distributed.worker.profile.enabled")
        assert len(profiling) == 2 and set(profiling.values()) == {False}
        assert client.run_on_scheduler(setting, "distributed.scheduler.work-stealing") is False
        assert "stealing" not in client.run_on_scheduler(
            lambda dask_scheduler: sorted(dask_scheduler.extensions))


def test_with_every_worker_gone_the_run_ends_naming_the_pages_not_done(
        project: ProjectContext, tmp_path: Path) -> None:
    """Every retouch PC off: the pages waiting fail after the scheduler's no-workers timeout
    (5 minutes in deploy/dask/dangan.yaml, 2 s here) instead of the command waiting for ever;
    the run ends with exit 4 naming them, records no defect for them, and keeps what was done."""
    ctx = project
    pages = _claimed_batch(ctx, tmp_path)
    env = {**SITE_ENV, "DASK_DISTRIBUTED__SCHEDULER__NO_WORKERS_TIMEOUT": "2s"}
    with _cluster(tmp_path, env) as (address, workers):
        run = subprocess.Popen([str(BIN / "dangan"), "--lang", "en", "retouch", "-p",
                                str(ctx.home), "--scheduler", address, "-w", "赵修"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        while run.poll() is None and not _retouched(ctx):
            time.sleep(0.05)
        for worker in workers:
            os.killpg(worker.pid, signal.SIGKILL)
        output, _ = run.communicate(timeout=120)
    text = output.decode()
    assert run.returncode == 4, text
    # What the run counts as done, not the files seen: a worker killed between writing a
    # page and handing its result back leaves a file no record holds (a rerun does it again).
    summary = re.search(r"(\d+) pages: (\d+) ok, (\d+) with defects, (\d+) failed", text)
    assert summary is not None, text
    total, ok, flagged, failed = map(int, summary.groups())
    assert total == pages and ok + flagged + failed == pages and failed >= 1, text
    assert f"{failed} page(s) could not be retouched" in text, text
    with ctx.transaction() as s:
        assert int(s.scalar(select(func.count()).select_from(Defect).where(
            Defect.source == "retouch", Defect.code == "unreadable")) or 0) == 0
