"""Migration 0017 adds the defects a close settled (``pay_settled_defect``) and the rules it
used (``pay_period.defect_rules``), keeping the periods already closed (without rules: their
next report recomputes every defect), and goes back down to 0016, on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from dangan.db import migrate
from dangan.db.session import make_engine


def test_0017_upgrades_keeping_closed_periods_and_downgrades(any_db_url: str) -> None:
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine, "0016")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO project (name, client, template, created_at) "
                             "VALUES ('旧项目', '', 'court', CURRENT_TIMESTAMP)")
        conn.exec_driver_sql(
            "INSERT INTO pay_period (project_id, period, starts_at, ends_at, closed_by, "
            "closed_at, total, last_event_id) SELECT id, '2026-11', CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP, '郑经理', CURRENT_TIMESTAMP, 88.3, 7 FROM project")
    migrate.upgrade(engine, "0017")
    assert migrate.current_revision(engine) == "0017"
    schema = inspect(engine)
    assert "pay_settled_defect" in schema.get_table_names()
    assert "ix_pay_line_defect_id" in {i["name"] for i in schema.get_indexes("pay_line")}
    with engine.begin() as conn:
        rows = conn.exec_driver_sql(
            "SELECT period, total, last_event_id, defect_rules FROM pay_period").all()
    assert [tuple(r) for r in rows] == [("2026-11", 88.3, 7, None)]
    command.downgrade(migrate.alembic_config(engine), "0016")
    assert migrate.current_revision(engine) == "0016"
    schema = inspect(engine)
    assert "pay_settled_defect" not in schema.get_table_names()
    assert "defect_rules" not in {c["name"] for c in schema.get_columns("pay_period")}
    assert "ix_pay_line_defect_id" not in {i["name"] for i in schema.get_indexes("pay_line")}
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT period FROM pay_period").scalar_one() == "2026-11"
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()
