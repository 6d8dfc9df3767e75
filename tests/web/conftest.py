"""Fixtures of the web tests: a project on the line with web accounts, a test clock and an
HTTP client — on SQLite and, when reachable, PostgreSQL (through ``any_project``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from dangan.services.project import ProjectContext
from dangan.web import security
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import Clock, Line, build_line

# Argon2id as in production, with the cheapest parameters: the tests check behaviour, and
# hashing at full cost for every account of every test would take most of the suite's time.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def line(any_project: ProjectContext) -> Line:
    return build_line(any_project)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_client(line: Line, clock: Clock) -> Iterator[TestClient]:
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client
