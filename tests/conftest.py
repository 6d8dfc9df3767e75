"""Shared fixtures: project homes on SQLite and, when reachable, PostgreSQL.

Tests that take ``any_db_url`` or ``any_project`` run once per database backend. Each
PostgreSQL test gets its own schema (dropped afterwards), so parallel workers never meet.
PostgreSQL comes from DANGAN_TEST_POSTGRES_URL (scripts/test.sh sets it); when it is set but
unreachable the tests fail under CI=true and are skipped otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dangan.i18n import set_language

PG_URL = os.environ.get("DANGAN_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def _chinese_and_clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts in the default language with no stray DANGAN_* settings."""
    for key in list(os.environ):
        if key.startswith("DANGAN_") and key != "DANGAN_TEST_POSTGRES_URL":
            monkeypatch.delenv(key, raising=False)
    set_language(None)
    yield
    set_language(None)


def _pg_available() -> str | None:
    if not PG_URL:
        return "DANGAN_TEST_POSTGRES_URL not set"
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true" and PG_URL:
            pytest.fail(problem)
        pytest.skip(problem)
    return PG_URL


@pytest.fixture
def postgres_url(postgres_base_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A court project home on SQLite (the embedded default)."""
    from dangan.services.project import init_project

    return init_project(tmp_path / "proj", "court", name="测试项目")


@pytest.fixture
def any_project(tmp_path: Path, any_db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A court project home on each database backend (DANGAN_DATABASE_URL selects it)."""
    from dangan.services.project import init_project

    monkeypatch.setenv("DANGAN_DATABASE_URL", any_db_url)
    return init_project(tmp_path / "proj", "court", name="测试项目")
