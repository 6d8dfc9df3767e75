"""The audit trail holds: SQLite ``INSERT OR REPLACE`` / ``REPLACE INTO`` and PostgreSQL
``TRUNCATE`` (also cascaded from a referenced table) are refused; the events stay intact."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from dangan.db.models import StageEvent


def _events(engine) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            text("SELECT id, kind, person FROM stage_event ORDER BY id"))]


def _refused(engine, sql: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError) as info, engine.begin() as conn:
        conn.execute(text(sql), params)
    assert "append-only" in str(info.value)


def test_audit_trail_survives_replace_and_truncate(any_project) -> None:  # type: ignore[no-untyped-def]
    with any_project.transaction() as session:
        for person in ("张三", "李四"):
            session.add(StageEvent(project_id=any_project.project_id, kind="signoff",
                                   stage="scan", person=person))
    engine = create_engine(any_project.database_url)
    try:
        before = _events(engine)
        assert len(before) >= 2
        first = before[0][0]
        if engine.dialect.name == "sqlite":
            for verb in ("INSERT OR REPLACE", "REPLACE"):
                _refused(engine, f"{verb} INTO stage_event (id, project_id, kind, person, at, "
                                 "remarks, data) VALUES (:id, :p, 'signoff', '伪造', "
                                 "CURRENT_TIMESTAMP, '', '{}')", id=first,
                         p=any_project.project_id)
            _refused(engine, "UPDATE OR REPLACE stage_event SET person = '伪造' WHERE id = :id",
                     id=first)
        else:
            _refused(engine, "TRUNCATE stage_event")
            _refused(engine, "TRUNCATE project CASCADE")
        _refused(engine, "DELETE FROM stage_event")
        assert _events(engine) == before
        with engine.begin() as conn:  # appending still works
            conn.execute(text("INSERT INTO stage_event (project_id, kind, person, at, remarks, "
                              "data) VALUES (:p, 'note', '王五', CURRENT_TIMESTAMP, '', '{}')"),
                         {"p": any_project.project_id})
        assert len(_events(engine)) == len(before) + 1
    finally:
        engine.dispose()
