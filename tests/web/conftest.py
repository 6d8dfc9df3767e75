"""Fixtures of the web tests: a project on the line with web accounts, a test clock and an
HTTP client — on SQLite and, when reachable, PostgreSQL (through ``any_project``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dangan.services.project import ProjectContext
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import Clock, Line, build_line


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
