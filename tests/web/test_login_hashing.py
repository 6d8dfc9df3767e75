"""Sign-in hashing: a password hashed with other Argon2id parameters still signs in and is
replaced by a hash with the current ones; a wrong password replaces nothing."""

from __future__ import annotations

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Worker
from dangan.web import security as sec
from web.support import PASSWORD, Line, csrf_of, login


def _hash_of(line: Line, login_name: str) -> str:
    with line.ctx.transaction() as session:
        value = session.scalar(select(Worker.password_hash).where(Worker.login == login_name))
        assert value is not None
        return value


def test_an_old_hash_signs_in_and_is_replaced(app_client: TestClient, line: Line) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2).hash(PASSWORD)
    with line.ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.login == "scanner"))
        assert worker is not None
        worker.password_hash = old
    assert sec.needs_rehash(old)
    page = app_client.get("/login")
    wrong = app_client.post("/login", data={"login": "scanner", "password": "not it 123",
                                            "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401 and _hash_of(line, "scanner") == old
    login(app_client, "scanner")
    new = _hash_of(line, "scanner")
    assert new != old and not sec.needs_rehash(new)
    assert sec.verify_password(new, PASSWORD)
