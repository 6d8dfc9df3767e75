"""``retouch`` of a project records each volume as soon as the last of its pages comes back —
in the order pages finish, in-process, with a process pool or on a Dask cluster — so a run
stopped midway keeps the volumes it finished, and the next run retouches only the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.compute.executors import DaskExecutor, Executor, InProcessExecutor, PoolExecutor
from dangan.db.models import StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.imaging.context import PageReport
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import project as retouch_project
from workflow.helpers import claimed_for_retouch

VOLUMES, PAGES = 3, 2


@pytest.fixture
def claimed(project: ProjectContext, tmp_path: Path) -> tuple[ProjectContext, Actor]:
    return claimed_for_retouch(project, tmp_path, VOLUMES, PAGES, 43)


def _recorded_volumes(ctx: ProjectContext) -> set[int]:
    with ctx.transaction() as s:
        return set(s.scalars(select(StageEvent.volume_id).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD)))


def _volume_of(ctx: ProjectContext) -> dict[str, int]:
    """master path -> volume id"""
    with ctx.transaction() as s:
        rows = s.execute(select(StoredFile.path, StoredFile.volume_id).where(
            StoredFile.area == "scanned", StoredFile.kind == "page")).all()
        return {path: int(vid or 0) for path, vid in rows}


@contextmanager
def _executor(kind: str) -> Iterator[Executor]:
    if kind == "dask":
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          host="127.0.0.1", protocol="tcp", dashboard_address=None) as cluster:
            ex: Executor = DaskExecutor(cluster.scheduler_address)
            try:
                yield ex
            finally:
                ex.close()
        return
    ex = InProcessExecutor() if kind == "inprocess" else PoolExecutor(2)
    try:
        yield ex
    finally:
        ex.close()


@pytest.mark.parametrize("kind", ["inprocess", "pool", pytest.param("dask",
                                                                    marks=pytest.mark.slow)])
def test_each_volume_recorded_when_its_last_page_is_done(
        claimed: tuple[ProjectContext, Actor], kind: str) -> None:
    ctx, retoucher = claimed
    volume_of = _volume_of(ctx)
    per_volume = Counter(volume_of.values())
    back: Counter[int] = Counter()
    seen_early: list[int] = []

    def progress(report: PageReport) -> None:
        vid = volume_of[report.source]
        back[vid] += 1
        finished = {v for v, n in back.items() if n == per_volume[v]}
        recorded = _recorded_volumes(ctx)
        assert recorded == finished, (report.source, recorded, finished)
        if recorded and sum(back.values()) < len(volume_of):
            seen_early.append(vid)  # a volume recorded while pages are still to come

    with _executor(kind) as ex:
        summary = retouch_project.run(ctx, ex, actor=retoucher, progress=progress)
    assert len(summary.pages) == VOLUMES * PAGES and not summary.kept and summary.redone == 0
    assert seen_early
    assert len(summary.signed) == VOLUMES  # one sign-off at the end, through the engine


def test_stopped_midway_keeps_finished_volumes_and_rerun_does_the_rest(
        claimed: tuple[ProjectContext, Actor]) -> None:
    ctx, retoucher = claimed
    volume_of = _volume_of(ctx)
    first = min(volume_of.values())

    def stop_in_second_volume(report: PageReport) -> None:
        if volume_of[report.source] != first:
            raise KeyboardInterrupt  # Ctrl-C (or any fault) in the middle of the run

    with pytest.raises(KeyboardInterrupt):
        retouch_project.run(ctx, InProcessExecutor(), actor=retoucher,
                            progress=stop_in_second_volume)
    assert _recorded_volumes(ctx) == {first}

    again = retouch_project.run(ctx, InProcessExecutor(), actor=retoucher)
    skipped = {r.source for r in again.pages if r.status == "skipped"}
    assert skipped == {rel for rel, vid in volume_of.items() if vid == first}
    assert again.redone == 1  # the page written before the stop, never recorded
    assert len(again.kept) == 1 and len(again.signed) == VOLUMES
    with ctx.transaction() as s:
        records = Counter(s.scalars(select(StageEvent.volume_id).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD)))
        rows = s.scalars(select(StoredFile).where(StoredFile.area == "retouched")).all()
    assert records == dict.fromkeys(set(volume_of.values()), 1)
    assert len(rows) == VOLUMES * PAGES
    assert all(ctx.storage.sha256(f.path) == f.sha256 for f in rows)


def test_the_summary_says_what_a_rerun_kept_for_the_cli_and_the_web() -> None:
    """``RetouchSummary.resumed``: the one sentence the CLI prints and the web desk's run
    message ends with — empty for a first run and for the same request repeated."""
    from dangan.i18n import t
    from dangan.imaging.context import PageReport
    from dangan.services.retouch import RetouchSummary

    pages = [PageReport(f"p{i}", status="skipped") for i in range(3)]
    pages += [PageReport(f"q{i}") for i in range(2)]
    rerun = RetouchSummary(pages=pages, kept=["V1"], redone=1)
    assert rerun.resumed() == t("retouch.resumed", kept=3, volumes=1, done=2, redone=1)
    assert RetouchSummary(pages=pages[3:]).resumed() == ""  # a first run
    repeat = RetouchSummary(pages=pages[:3], kept=["V1"], already=["V1"])
    assert repeat.resumed() == ""  # the same request again: nothing was resumed
