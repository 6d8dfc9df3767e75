"""A database error during a request: the person is told it failed and nothing was written;
the database's address and the server's own words go to the log, not to the browser."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from dangan.db.session import db_error
from dangan.i18n import t

URL = "postgresql+psycopg://dangan_app:s3cret@db.internal:5432/court"


def _fail() -> None:
    raise db_error(OperationalError("SELECT 1", {}, Exception("terminating connection")), URL)


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_a_database_error_names_no_server(app_client: TestClient, path: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
    app_client.app.add_api_route(path, _fail)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="dangan.web.errors"):
        answer = app_client.get(path, headers={"accept": "text/html"})
    assert answer.status_code == 503
    for secret in ("db.internal", "dangan_app", "court", "terminating", "s3cret"):
        assert secret not in answer.text
    if path.startswith("/api/"):
        assert answer.json()["key"] == "web.db_error"
    else:
        assert t("web.db_error") in answer.text
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "db.internal" in logged and "terminating connection" in logged
    assert "s3cret" not in logged
