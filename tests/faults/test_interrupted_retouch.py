"""``retouch --project`` killed (SIGKILL) at fixed points — the first volume's pages written
but nothing recorded, or right after the first volume's record — then rerun: every page is
recorded once with its metrics, no defect twice, one retouch record and one sign-off per
volume. The same request again is recognised as done: nothing recorded, nothing signed, no
warning. On SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.db.models import Defect, Page, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services import claims, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.volumes import import_volumes
from dangan.services.workers import add_worker
from faults.support import assert_replays, dangan, env_for
from workflow.helpers import line_to


@pytest.fixture
def scanned(any_project: ProjectContext, tmp_path: Path) -> ProjectContext:
    """Two ingested volumes of three pages, the retouch stage claimed by 陈修图."""
    ctx = any_project
    toml = ctx.home / "dangan.toml"  # orientation off: quicker, and beside the point here
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    ctx = open_project(ctx.home)
    codes = make_archive_codes(2, 31)
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, 2, 31, pages=(3, 3), archive_codes=codes)
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    add_worker(ctx, "陈修图", ["retoucher"])
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    claims.claim(ctx, resolve_actor(ctx, "陈修图"), batch, wf.RETOUCH)
    return ctx


def _count(ctx: ProjectContext, stmt: object) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(stmt) or 0)  # type: ignore[call-overload]


def _events(ctx: ProjectContext, kind: str) -> int:
    return _count(ctx, select(func.count(StageEvent.id)).where(
        StageEvent.kind == kind, StageEvent.stage == wf.RETOUCH,
        StageEvent.volume_id.is_not(None)))


@pytest.mark.parametrize("point", ["retouch.pages_done", "retouch.volume_recorded"])
def test_retouch_project_killed_then_rerun_then_repeated(scanned: ProjectContext,
                                                         point: str) -> None:
    ctx = scanned
    args = ("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", "1")
    killed = subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                            capture_output=True, text=True, timeout=600,
                            env=env_for(ctx) | {"DANGAN_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert _events(ctx, wf.EVENT_SIGNOFF) == 0
    assert _events(ctx, wf.EVENT_RETOUCH_RECORD) == (1 if point == "retouch.volume_recorded"
                                                     else 0)

    again = dangan(ctx, *args)
    assert again.returncode in (0, 9), again.stdout + again.stderr
    assert _events(ctx, wf.EVENT_RETOUCH_RECORD) == 2  # one per volume, whichever run
    assert _events(ctx, wf.EVENT_SIGNOFF) == 2
    with ctx.transaction() as s:
        pages = s.scalars(select(Page)).all()
        assert len(pages) == 6 and all("retouch" in (p.metrics or {}) for p in pages)
        stored = s.scalars(select(StoredFile).where(StoredFile.area == "retouched")).all()
        assert len(stored) == 6 and all(len(f.sha256) == 64 for f in stored)
        defects = s.execute(select(Defect.volume_id, Defect.page_no, Defect.code).where(
            Defect.source == "retouch")).all()
    assert len(defects) == len(set(defects))  # no finding recorded twice
    for f in stored:
        assert ctx.storage.sha256(f.path) == f.sha256
    assert_replays(ctx)

    repeated = dangan(ctx, *args)  # the same request: already done
    assert repeated.returncode in (0, 9), repeated.stdout + repeated.stderr
    assert _events(ctx, wf.EVENT_RETOUCH_RECORD) == 2 and _events(ctx, wf.EVENT_SIGNOFF) == 2
    out = " ".join(repeated.stdout.split())
    assert "not at" not in out and "•" not in out, out  # no sign-off tried, nothing to warn
    assert _count(ctx, select(func.count(Defect.id)).where(Defect.source == "retouch")) \
        == len(defects)
