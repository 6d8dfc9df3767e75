"""The restore procedure of deploy/README.md §6 on the sample PostgreSQL setup, with the
site's environment (dangan.env) naming the live project all along: the superuser makes an
empty schema, the owner restores into it, 02-grants.sql opens it to the application role,
which then works the restored project; the live project is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_helpers import FILES, returned_and_open
from site_postgres import DEPLOY, psql
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from dangan.db.models import StageEvent, StoredFile, Worker
from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext, init_project, open_project
from dangan.services.site import backup


def _counts(ctx: ProjectContext) -> tuple[int, ...]:
    with ctx.transaction() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)
                     for m in (Worker.__table__, StoredFile.__table__, StageEvent.__table__))


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


@pytest.mark.postgres
def test_the_deploy_restore_procedure_leaves_the_live_project_alone(
        postgres_base_url: str, site_roles: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = make_url(postgres_base_url)
    owner_url = base.set(username=site_roles["owner"]).render_as_string(hide_password=False)
    app_url = base.set(username=site_roles["app"]).render_as_string(hide_password=False)
    monkeypatch.setenv("DANGAN_DATABASE_URL", owner_url)
    home = init_project(tmp_path / "site", "court", name="现场").home
    psql(postgres_base_url, DEPLOY / "postgresql" / "02-grants.sql",
          app=site_roles["app"], schema=site_roles["schema"])
    # dangan.env on every PC: the live project's database (application role) and storage
    live_storage = tmp_path / "nas"
    (home / "storage").rename(live_storage)
    monkeypatch.setenv("DANGAN_DATABASE_URL", app_url)
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(live_storage))
    monkeypatch.setenv("DANGAN_PROJECT", str(home))
    live = open_project(home)
    returned_and_open(live)
    out = tmp_path / "备份"
    assert backup.backup(live, out).files == FILES  # nightly, as the application role
    workers.add_worker(live, "后来者", [wf.SCAN_OPERATOR])  # the line goes on after it
    before = _counts(live)
    files_before = _files(live_storage)

    restored = site_roles["schema"] + "_r"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # 1. the superuser: an empty schema for the owner
        conn.execute(text(f'CREATE SCHEMA "{restored}" AUTHORIZATION "{site_roles["owner"]}"'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{restored}" TO "{site_roles["app"]}"'))
    admin.dispose()
    target = make_url(owner_url).update_query_dict({"options": f"-csearch_path={restored}"})
    done = backup.restore(out, tmp_path / "restored",  # 2. as the owner, env still set
                          database_url=target.render_as_string(hide_password=False))
    psql(postgres_base_url, DEPLOY / "postgresql" / "02-grants.sql",  # 3. grants
          app=site_roles["app"], schema=restored)
    assert _counts(live) == before
    assert _files(live_storage) == files_before
    # 4. the application role, naming the restored project explicitly
    monkeypatch.delenv("DANGAN_PROJECT")
    monkeypatch.delenv("DANGAN_STORAGE_URL")
    app_restored = make_url(app_url).update_query_dict({"options": f"-csearch_path={restored}"})
    monkeypatch.setenv("DANGAN_DATABASE_URL", app_restored.render_as_string(hide_password=False))
    again = open_project(done.home)
    assert Path(again.storage.root) == (done.home / "storage").resolve()
    assert fixity(again).checked == FILES
    workers.add_worker(again, "恢复后", [wf.SCAN_OPERATOR])  # the application works it
    assert _counts(again)[0] == before[0]  # the snapshot lacks 后来者, has 恢复后
    with again.transaction() as s:
        assert "后来者" not in s.scalars(select(Worker.name)).all()
    monkeypatch.setenv("DANGAN_DATABASE_URL", app_url)
    monkeypatch.setenv("DANGAN_STORAGE_URL", str(live_storage))
    assert _counts(open_project(home)) == before
