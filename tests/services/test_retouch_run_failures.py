"""A project ``retouch`` whose pages fail for the run's fault (a lost worker, the storage gone):
the audit event and the run's summary say failed, not defects; ``history`` says the record is
of a run with failed pages; the storage root gone is named as such (exit 11), with what the
run retouched and what of it is recorded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dangan.db.models import Defect, StageEvent
from dangan.domain import workflow as wf
from dangan.errors import InputError, StorageError
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import project as retouch_project
from workflow.helpers import claimed_for_retouch

VOLUMES, PAGES = 2, 2


@pytest.fixture
def claimed(project: ProjectContext, tmp_path: Path) -> tuple[ProjectContext, Actor]:
    return claimed_for_retouch(project, tmp_path, VOLUMES, PAGES, 47)


class _LosingExecutor:
    """Every task's worker is lost (as Dask reports pages after its no-workers timeout)."""

    workers = 2

    def map_unordered(self, fn, items, on_lost=None):  # type: ignore[no-untyped-def]
        for item in items:
            yield on_lost(item, OSError("no workers"))

    def close(self) -> None:
        return None


def _records(ctx: ProjectContext) -> list[StageEvent]:
    with ctx.transaction() as s:
        return list(s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD)).all())


def test_lost_workers_are_failed_pages_in_the_event_summary_and_history(
        claimed: tuple[ProjectContext, Actor], monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.cli.main import app
    from dangan.compute import executors

    ctx, _retoucher = claimed
    monkeypatch.setattr(executors, "make_executor", lambda *a, **k: _LosingExecutor())
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图"])
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.key == "retouch.pages_failed" and result.exception.exit_code == 4
    assert "unreadable（" not in result.output  # not filed among the pages' findings
    assert f"未能修图（存储或处理进程故障，不是页面的缺陷，不记为缺陷）：{VOLUMES * PAGES} 页" \
        in result.output
    events = _records(ctx)
    assert len(events) == VOLUMES
    for e in events:
        assert e.data["failed"] == PAGES and e.data["run_failed"] == PAGES
        assert e.data["defects"] == 0
        assert "未能修图" in e.remarks
    with ctx.transaction() as s:
        assert not s.scalars(select(Defect)).all()
    code = events[0].volume_id
    with ctx.transaction() as s:
        from dangan.db.models import Volume
        volume = s.get(Volume, code)
        assert volume is not None
        archive_code = volume.archive_code
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    history = CliRunner().invoke(app, ["history", archive_code, "-p", str(ctx.home), "--json"],
                                 env=env)
    assert history.exit_code == 0, history.output
    assert '"what": "retouch_record_failed"' in history.output
    from dangan.services.history import volume_history
    lines = [ln for ln in volume_history(ctx, archive_code) if ln.kind == wf.EVENT_RETOUCH_RECORD]
    assert [ln.what for ln in lines] == ["retouch_record_failed"]


def test_the_storage_root_gone_before_a_volume_is_recorded_is_named_exit_11(
        claimed: tuple[ProjectContext, Actor], monkeypatch: pytest.MonkeyPatch) -> None:
    """The NAS drops once a volume's pages are retouched, before they are recorded: the run
    names the storage root (``storage.root_missing``, as ingest and backup do), not one output
    file, and says it retouched pages of which none is recorded."""
    from dangan.cli.main import app

    ctx, _retoucher = claimed
    root = Path(ctx.storage.root)
    real = retouch_project.crash_point

    def unmount(name: str) -> None:
        if name == "retouch.pages_done" and root.exists():
            root.rename(root.with_name(root.name + "-away"))
        real(name)

    monkeypatch.setattr(retouch_project, "crash_point", unmount)
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                      "--workers", "1"])
    assert isinstance(result.exception, StorageError), result.output
    assert result.exception.key == "storage.root_missing"
    assert result.exception.exit_code == 11
    assert result.exception.params["path"] == str(root)
    assert result.exception.details == [
        f"本次修好 {PAGES} 页，其中已记录 0 页（0 卷：-）；未记录的页在存储恢复后重新运行 dangan retouch 时再做"]
    assert not root.exists() and not _records(ctx)


def test_pages_failed_by_the_storage_root_gone_name_the_root(
        claimed: tuple[ProjectContext, Actor], monkeypatch: pytest.MonkeyPatch) -> None:
    """The root goes away while pages are retouched: exit 11 naming the root, not a page."""
    from dangan.cli.main import app
    from dangan.imaging import files

    ctx, _retoucher = claimed
    root = Path(ctx.storage.root)
    real = files.retouch_bytes
    calls: list[int] = []

    def unmount_on_second_page(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            root.rename(root.with_name(root.name + "-away"))
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "retouch_bytes", unmount_on_second_page)
    result = CliRunner().invoke(app, ["retouch", "-p", str(ctx.home), "-w", "陈修图",
                                      "--workers", "1"])
    assert isinstance(result.exception, StorageError), result.output
    assert result.exception.key == "storage.root_missing"
    assert result.exception.params["path"] == str(root)
    assert not root.exists()
