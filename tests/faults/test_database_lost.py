"""PostgreSQL connections lost during a run (their backends terminated while they wait
inside a transaction; the server itself is never stopped — other tests share it): a clear
storage error (exit 11 / key ``project.db_error``), nothing half-written, no partial file,
and a rerun completes once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.db.models import Page, StageEvent, StoredFile
from dangan.db.session import safe_url
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.i18n import set_language, t
from dangan.samples import SetTruth, generate_set
from dangan.services import engine
from dangan.services.project import ProjectContext, init_project
from faults.support import (
    assert_replays,
    env_for,
    pg_admin,
    pg_table_lock,
    schema_of,
    terminate,
    wait_for_lock_waiter,
)
from workflow.helpers import WITHOUT_WORK, actor, add_volumes, line_to

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_project(tmp_path: Path, postgres_url: str,
               monkeypatch: pytest.MonkeyPatch) -> ProjectContext:
    monkeypatch.setenv("DANGAN_DATABASE_URL", postgres_url)
    return init_project(tmp_path / "proj", "court", name="断线测试")


@pytest.fixture(scope="module")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 1, seed=5, pages=(5, 5), p_blank=0.0, p_duplicate=0.0)


def _count(ctx: ProjectContext, stmt: Any) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(stmt) or 0)


def _db_error_text() -> str:
    set_language("en")
    try:
        return t("project.db_error", detail="").strip()
    finally:
        set_language(None)


def test_service_call_loses_its_connection(pg_project: ProjectContext) -> None:
    ctx = pg_project
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SCAN)
    scanner = actor(ctx, "张扫")
    caught: list[BaseException] = []

    def sign() -> None:
        try:
            engine.sign(ctx, scanner, code, waive_reason=WITHOUT_WORK)
        except BaseException as exc:
            caught.append(exc)

    with pg_admin(ctx) as admin, pg_table_lock(ctx, "stage_event"):
        worker = threading.Thread(target=sign)
        worker.start()
        terminate(admin, wait_for_lock_waiter(admin, schema_of(ctx)))
        worker.join(timeout=120)
    assert len(caught) == 1 and isinstance(caught[0], StorageError), caught
    assert caught[0].key == "project.db_error" and caught[0].exit_code == 11
    # which database (its URL, no password), then what the server said, not SQLAlchemy's
    # wrapping: "(psycopg.OperationalError) …"
    detail = str(caught[0].params["detail"])
    assert detail.startswith(safe_url(ctx.database_url) + ": "), detail
    assert "(psycopg" not in detail and "OperationalError" not in detail, detail
    assert "sqlalche.me" not in str(caught[0]), caught[0]
    signoffs = select(func.count(StageEvent.id)).where(StageEvent.kind == wf.EVENT_SIGNOFF,
                                                       StageEvent.stage == wf.SCAN)
    assert _count(ctx, signoffs) == 0
    assert_replays(ctx)
    engine.sign(ctx, scanner, code, waive_reason=WITHOUT_WORK)  # the pool replaces the dead
    # connection: the rerun works
    assert _count(ctx, signoffs) == 3  # two volumes and the batch, once
    assert_replays(ctx)


def _run(ctx: ProjectContext, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "dangan", "--lang", "en", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_for(ctx))


def _cut_off(ctx: ProjectContext, table: str, *args: str) -> tuple[int, str]:
    """Run the command, hold ``table`` until it waits inside its transaction, terminate its
    backend; the exit code and the error output."""
    with pg_admin(ctx) as admin, pg_table_lock(ctx, table):
        proc = _run(ctx, *args)
        terminate(admin, wait_for_lock_waiter(admin, schema_of(ctx), busy=proc))
        _out, err = proc.communicate(timeout=300)
    return proc.returncode, err


def test_cli_signoff_loses_its_connection(pg_project: ProjectContext) -> None:
    ctx = pg_project
    add_volumes(ctx, 2)
    code = line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    home = str(ctx.home)
    rc, err = _cut_off(ctx, "stage_event", "signoff", code, "-w", "张扫", "-p", home,
                       "--without-work", WITHOUT_WORK)
    assert rc == 11, err
    assert _db_error_text() in err and "Traceback" not in err
    signoffs = select(func.count(StageEvent.id)).where(StageEvent.kind == wf.EVENT_SIGNOFF,
                                                       StageEvent.stage == wf.SCAN)
    assert _count(ctx, signoffs) == 0
    assert_replays(ctx)
    again = subprocess.run([sys.executable, "-m", "dangan", "signoff", code, "-w", "张扫",
                            "-p", home, "--without-work", WITHOUT_WORK], capture_output=True, text=True, env=env_for(ctx),
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert _count(ctx, signoffs) == 3
    assert_replays(ctx)


def test_cli_ingest_loses_its_connection(pg_project: ProjectContext, tmp_path: Path,
                                         clean_set: tuple[Path, SetTruth]) -> None:
    ctx = pg_project
    src, truth = clean_set
    vol = truth.volumes[0]
    root = tmp_path / "scan"
    shutil.copytree(src / vol.folder, root / vol.folder)
    from dangan.db.models import Volume

    with ctx.transaction() as session:
        session.add(Volume(project_id=ctx.project_id, archive_code=vol.archive_code,
                           expected_pages=vol.image_count))
    line_to(ctx, wf.SCAN)
    actor(ctx, "张扫")
    home = str(ctx.home)
    rc, err = _cut_off(ctx, "page", "ingest", str(root), "-w", "张扫", "-p", home,
                       "--workers", "1")
    assert rc == 11, err
    assert _db_error_text() in err and "Traceback" not in err
    assert _count(ctx, select(func.count(Page.id))) == 0
    assert _count(ctx, select(func.count(StoredFile.id))) == 0
    scanned = Path(ctx.storage.root, "已扫描", vol.folder)
    left = sorted(p.relative_to(scanned).as_posix() for p in scanned.rglob("*")) \
        if scanned.exists() else []
    for name in left:  # whatever is there is whole: no partial file under a page's name
        if (root / vol.folder / name).is_file():
            assert (scanned / name).read_bytes() == (root / vol.folder / name).read_bytes()
    assert_replays(ctx)
    again = subprocess.run([sys.executable, "-m", "dangan", "ingest", str(root), "-w", "张扫",
                            "-p", home, "--workers", "1"], capture_output=True, text=True,
                           env=env_for(ctx), timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _count(ctx, select(func.count(Page.id))) == vol.image_count
    pages = sorted(p.name for p in (root / vol.folder).iterdir() if p.suffix == ".jpg")
    assert len(pages) == vol.image_count
    assert sorted(p.name for p in scanned.iterdir() if p.suffix == ".jpg") == pages
    assert not [p for p in scanned.rglob("*") if ".tmp" in p.name or p.name.startswith(".")]
    assert_replays(ctx)


def test_web_request_loses_its_connection(pg_project: ProjectContext) -> None:
    from fastapi.testclient import TestClient

    from dangan.services.engine import resolve_actor
    from dangan.services.sorting import record_sorting
    from dangan.web.accounts import new_token
    from dangan.web.app import create_app
    from dangan.web.settings import WebSettings
    from web.support import build_line

    ctx = pg_project
    line = build_line(ctx, volumes=2)
    code = line.batches[0]
    sorter = resolve_actor(ctx, "李整")
    engine.claim(ctx, sorter, code)
    for archive_code in line.volume_codes(code):
        record_sorting(ctx, sorter, archive_code, 40, unbind_notes="拆除订书钉")
    headers = {"Authorization": f"Bearer {new_token(ctx, 'sorter', 'fault-test')}",
               "Accept": "application/json"}
    answers: list[Any] = []
    app = create_app(WebSettings(project=ctx.home))
    with TestClient(app, base_url="http://testserver") as client:
        def post() -> None:
            answers.append(client.post(f"/api/v1/batches/{code}/sign", json={}, headers=headers))

        with pg_admin(ctx) as admin, pg_table_lock(ctx, "stage_event"):
            worker = threading.Thread(target=post)
            worker.start()
            terminate(admin, wait_for_lock_waiter(admin, schema_of(ctx)))
        worker.join(timeout=120)  # after the lock: the refusal is written to the audit trail
        assert len(answers) == 1
        assert answers[0].status_code == 503, answers[0].text
        # the person is told it failed and nothing was written; the server's words and the
        # database's address go to the server's log
        assert answers[0].json()["key"] == "web.db_error"
        assert "127.0.0.1" not in answers[0].text
        assert line.batch(code) == (wf.SORT, wf.CLAIMED)
        assert_replays(ctx)
        retry = client.post(f"/api/v1/batches/{code}/sign", json={}, headers=headers)
        assert retry.status_code == 200, retry.text
    assert line.batch(code)[0] == wf.SCAN
    assert_replays(ctx)
