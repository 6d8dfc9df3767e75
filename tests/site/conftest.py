"""Fixtures of the site tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from site_postgres import DEPLOY, psql
from sqlalchemy import create_engine, text

from dangan.services.project import dispose_engines


@pytest.fixture
def site_roles(postgres_base_url: str) -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:8]
    names = {"owner": f"own_{tag}", "app": f"app_{tag}", "schema": f"site_{tag}"}
    try:
        psql(postgres_base_url, DEPLOY / "postgresql" / "01-roles.sql", **names)
        yield names
    finally:
        dispose_engines()
        admin = create_engine(postgres_base_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for schema in (names["schema"], names["schema"] + "_r"):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            for role in (names["app"], names["owner"]):
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                {"r": role}).first():
                    conn.execute(text(f'DROP OWNED BY "{role}" CASCADE'))
                    conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
