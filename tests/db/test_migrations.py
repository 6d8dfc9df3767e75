"""The migrations build exactly the schema of the models, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from dangan.db import migrate
from dangan.db.models import Base, Project, StageEvent
from dangan.db.session import make_engine, session_factory


def test_upgrade_matches_models(any_db_url: str) -> None:
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_stage_events_cannot_be_changed_even_with_raw_sql(any_db_url: str) -> None:
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    with factory() as session:
        project = Project(name="p")
        session.add(project)
        session.flush()
        session.add(StageEvent(project_id=project.id, kind="signoff", stage="scan", person="张三"))
        session.commit()
        event_id = session.scalar(select(StageEvent.id))
    for statement in (
        f"UPDATE stage_event SET person = '李四' WHERE id = {event_id}",
        f"DELETE FROM stage_event WHERE id = {event_id}",
    ):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with factory() as session:
        assert session.scalar(select(StageEvent.person)) == "张三"
    engine.dispose()


def test_0003_adds_project_uuid_and_keeps_rows(any_db_url: str) -> None:
    """A project made before 0003 keeps its row; the id column arrives empty, unique."""
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO project (name, client, template, created_at) "
                             "VALUES ('旧项目', '', 'court', CURRENT_TIMESTAMP)")
    migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT name, uuid FROM project").all()
    assert [tuple(r) for r in rows] == [("旧项目", None)]
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE project SET uuid = 'a' WHERE name = '旧项目'")
        conn.exec_driver_sql("INSERT INTO project (name, client, template, created_at) "
                             "VALUES ('另一个', '', 'court', CURRENT_TIMESTAMP)")
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE project SET uuid = 'a' WHERE name = '另一个'")
    engine.dispose()
