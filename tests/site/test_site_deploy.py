"""The sample PostgreSQL setup of deploy/: the schema owner migrates, the application role
works the line but cannot change the schema or the audit trail; the sample units and the
proxy configuration name what the README says."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from site_postgres import DEPLOY, psql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from dangan.domain import workflow as wf
from dangan.reports import pay
from dangan.services import workers
from dangan.services.engine import resolve_actor
from dangan.services.project import init_project, open_project
from dangan.services.site import backup


@pytest.mark.postgres
def test_the_application_role_works_the_line_but_cannot_change_schema_or_audit_trail(
        postgres_base_url: str, site_roles: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = make_url(postgres_base_url)
    owner_url = base.set(username=site_roles["owner"]).render_as_string(hide_password=False)
    app_url = base.set(username=site_roles["app"]).render_as_string(hide_password=False)
    monkeypatch.setenv("DANGAN_DATABASE_URL", owner_url)
    home = init_project(tmp_path / "site", "court", name="现场").home  # migrations: the owner
    psql(postgres_base_url, DEPLOY / "postgresql" / "02-grants.sql",
          app=site_roles["app"], schema=site_roles["schema"])
    monkeypatch.setenv("DANGAN_DATABASE_URL", app_url)
    ctx = open_project(home)
    workers.add_worker(ctx, "张扫", [wf.SCAN_OPERATOR])  # rows and events: the application
    # a pay period's close reads its boundary under locks the application may take (it may
    # not UPDATE stage_event, which LOCK TABLE … IN SHARE MODE would need)
    _last, when = pay.event_boundary(ctx)
    assert when.tzinfo is not None
    engine = create_engine(app_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_schema()")).scalar() == site_roles["schema"]
            assert conn.execute(text("SELECT count(*) FROM worker")).scalar() == 1
        for statement in ("CREATE TABLE x (i int)", "CREATE TABLE public.x (i int)",
                          "ALTER TABLE worker ADD COLUMN x int", "DROP TABLE stage_event",
                          "UPDATE stage_event SET remarks = 'x'", "DELETE FROM stage_event"):
            with engine.connect() as conn, pytest.raises(ProgrammingError) as err:
                conn.execute(text(statement))
            assert "permission denied" in str(err.value) or "must be owner" in str(err.value)
    finally:
        engine.dispose()
    # the nightly backup runs as the application; a restore goes to a schema the superuser
    # made for the owner (who has no right to create schemas)
    out = tmp_path / "备份"
    assert backup.backup(ctx, out).files == 0
    restored = f"{site_roles['schema']}_r"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{restored}" AUTHORIZATION "{site_roles["owner"]}"'))
    admin.dispose()
    target = make_url(owner_url).update_query_dict({"options": f"-csearch_path={restored}"})
    monkeypatch.delenv("DANGAN_DATABASE_URL")
    again = open_project(backup.restore(out, tmp_path / "恢复", database_url=target.render_as_string(
        hide_password=False)).home)
    assert resolve_actor(again, "张扫").roles == {wf.SCAN_OPERATOR}


def test_sample_units_and_proxy_agree_with_each_other() -> None:
    units = {}
    for path in (DEPLOY / "systemd").glob("*.service"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(path, encoding="utf-8")
        units[path.stem] = parser
    assert set(units) == {"dangan-web", "dask-scheduler", "dask-worker"}
    web = units["dangan-web"]["Service"]["ExecStart"]
    assert "dangan serve" in web and "--host 127.0.0.1 --port 8000" in web
    assert "server 127.0.0.1:8000;" in (DEPLOY / "nginx" / "dangan.conf").read_text("utf-8")
    assert "--port 8786" in units["dask-scheduler"]["Service"]["ExecStart"]
    assert "dask worker" in units["dask-worker"]["Service"]["ExecStart"]
    for unit in units.values():
        assert unit["Service"]["EnvironmentFile"] and unit["Service"]["User"] == "dangan"
    env = (DEPLOY / "systemd" / "dangan.env").read_text("utf-8")
    for name in ("DANGAN_PROJECT", "DANGAN_DATABASE_URL", "DANGAN_STORAGE_URL",
                 "DANGAN_WEB_SECURE_COOKIES"):
        assert f"\n{name}=" in env
    readme = (DEPLOY / "README.md").read_text("utf-8")
    for name in ("01-roles.sql", "02-grants.sql", "dangan-web.service", "dask-worker.service",
                 "dangan.conf", "--scheduler", "dangan backup", "dangan cleanup"):
        assert name in readme
