"""A volume's first sign-off of a stage carries ``first_signoff`` (migration 0018): the engine
marks it when signing — the first only, never a re-sign of a volume borrowed again for a
rework — the migration marks the sign-offs recorded before by the rule the reports used (no
earlier sign-off of the volume at the stage), the same ids as the engine's, and the database
refuses a second first of a volume's stage; the trail stays append-only, on both backends."""

from __future__ import annotations

from collections import defaultdict

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from dangan.db import migrate
from dangan.db.session import make_engine
from dangan.domain import workflow as wf
from dangan.services import borrow, claims, qc, rebind, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.rework import complete_rework
from workflow.helpers import (
    WITHOUT_WORK,
    add_people,
    add_volumes,
    borrow_and_split,
    take_to_return,
)

SIGNOFFS = ("SELECT id, volume_id, stage, first_signoff FROM stage_event "
            "WHERE kind = 'signoff' AND volume_id IS NOT NULL ORDER BY id")


def _signoffs(engine: Engine) -> list[tuple[int, int, str, bool]]:
    with engine.connect() as conn:
        return [(int(i), int(v), str(s), bool(f)) for i, v, s, f in conn.execute(text(SIGNOFFS))]


def _by_the_rule(rows: list[tuple[int, int, str, bool]]) -> list[int]:
    """The ids the reports took as first: no sign-off of the volume's stage with a lower id."""
    seen: set[tuple[int, str]] = set()
    first = []
    for i, v, s, _f in rows:
        if (v, s) not in seen:
            seen.add((v, s))
            first.append(i)
    return first


def _flagged(rows: list[tuple[int, int, str, bool]]) -> list[int]:
    return [i for i, _v, _s, f in rows if f]


def _refused_as_second_first(exc: BaseException) -> bool:
    text_ = str(exc)
    return isinstance(exc, IntegrityError) and (
        "ix_stage_event_first_signoff" in text_  # PostgreSQL names the index
        or "stage_event.volume_id, stage_event.stage" in text_)  # SQLite its columns


def test_the_engine_marks_first_signoffs_only_and_the_migration_agrees(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, _other = add_volumes(ctx, 2)
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    take_to_return(ctx, batch)
    clerk, inspector = resolve_actor(ctx, "王借"), resolve_actor(ctx, "孙检")
    returns.return_batch(ctx, clerk, no, "档案室刘老师", shelving_rule="从左至右")
    # 再借: a defect found after the return whose rework needs the paper; the volume is
    # borrowed, rebound and returned again — each of those stages signed a second time
    blurred = qc.record_defect(ctx, inspector, code, "blurred", page_no=4)
    assert blurred.rework_id is not None
    again = borrow.create_borrow_batch(ctx, clerk, [code], remarks="验收返工")
    borrow.confirm_borrow(ctx, clerk, again.no, "档案室陈老师")
    complete_rework(ctx, resolve_actor(ctx, "张扫"), blurred.rework_id, remarks="重扫第4页")
    qc.verify_rework(ctx, resolve_actor(ctx, "周检"), blurred.rework_id)
    binder = resolve_actor(ctx, "吴装")
    claims.claim(ctx, binder, batch)
    rebind.rebind(ctx, binder, batch, accept_missing=WITHOUT_WORK)
    returns.return_batch(ctx, clerk, again.no, "档案室陈老师", handed=[code], counted=1)

    engine = make_engine(ctx.database_url)
    rows = _signoffs(engine)
    per_stage: dict[tuple[int, str], int] = defaultdict(int)
    for _i, v, s, _f in rows:
        per_stage[(v, s)] += 1
    resigned = {s for (_v, s), n in per_stage.items() if n > 1}
    assert {wf.BORROW, wf.REBIND, wf.RETURN} <= resigned  # the second loan's sign-offs
    assert _flagged(rows) == _by_the_rule(rows)
    assert len(_flagged(rows)) == len(per_stage) < len(rows)

    # a project signed before 0018: the migration marks the same sign-offs
    command.downgrade(migrate.alembic_config(engine), "0017")
    migrate.upgrade(engine)
    assert _signoffs(engine) == rows
    engine.dispose()


def _old_database(url: str) -> tuple[Engine, dict[str, int]]:
    """A database at 0017 with sign-offs of two volumes: a re-sign, another stage, a batch's
    sign-off (no volume), a waiver and a claim."""
    engine = make_engine(url, create=True)
    migrate.upgrade(engine, "0017")
    with engine.begin() as conn:
        pid = conn.execute(text(
            "INSERT INTO project (name, client, template, created_at) "
            "VALUES ('旧项目', '', 'court', CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        vids = [conn.execute(text(
            "INSERT INTO volume (project_id, archive_code, title, location, extra, stage, "
            "status, created_at, updated_at, expected_pages, list_row) VALUES "
            "(:p, :c, '', '', '{}', 'done', 'finished', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
            "10, :r) RETURNING id"), {"p": pid, "c": f"1997-民-0001-{r:04d}", "r": r}
        ).scalar_one() for r in (1, 2)]
        ids: dict[str, int] = {}
        for name, kind, stage, vid in (
                ("claim", "claim", "scan", None),
                ("v2 scan", "signoff", "scan", vids[1]),
                ("v1 scan", "signoff", "scan", vids[0]),
                ("batch scan", "signoff", "scan", None),
                ("v1 waived", "work_waived", "upload", vids[0]),
                ("v1 upload", "signoff", "upload", vids[0]),
                ("v1 scan again", "signoff", "scan", vids[0]),
                ("v2 scan again", "signoff", "scan", vids[1]),
                ("v2 retouch", "signoff", "retouch", vids[1])):
            ids[name] = conn.execute(text(
                "INSERT INTO stage_event (project_id, kind, stage, volume_id, person, at, "
                "remarks, data) VALUES (:p, :k, :s, :v, '张扫', CURRENT_TIMESTAMP, '', '{}') "
                "RETURNING id"), {"p": pid, "k": kind, "s": stage, "v": vid}).scalar_one()
    return engine, ids


def test_0018_marks_the_first_signoffs_recorded_before(any_db_url: str) -> None:
    engine, ids = _old_database(any_db_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0018"
    with engine.connect() as conn:
        flagged = set(conn.execute(text(
            "SELECT id FROM stage_event WHERE first_signoff")).scalars())
        unmarked = conn.execute(text(
            "SELECT count(*) FROM stage_event WHERE first_signoff IS NULL")).scalar_one()
    assert flagged == {ids["v2 scan"], ids["v1 scan"], ids["v1 upload"], ids["v2 retouch"]}
    assert unmarked == len(ids) - 4
    # still append-only: the triggers lifted for the backfill are back
    for statement in (f"UPDATE stage_event SET first_signoff = NULL WHERE id = {ids['v1 scan']}",
                      f"DELETE FROM stage_event WHERE id = {ids['v1 scan']}"):
        with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
            conn.exec_driver_sql(statement)
        assert "append-only" in str(refused.value)
    engine.dispose()


def test_a_second_first_signoff_of_a_volume_stage_is_refused(any_db_url: str) -> None:
    engine, ids = _old_database(any_db_url)
    migrate.upgrade(engine)
    insert = ("INSERT INTO stage_event (project_id, kind, stage, volume_id, person, at, remarks, "
              "data, first_signoff) SELECT project_id, 'signoff', :s, volume_id, '李扫', "
              "CURRENT_TIMESTAMP, '', '{}', :f FROM stage_event WHERE id = :id")
    with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
        conn.execute(text(insert), {"s": "scan", "f": True, "id": ids["v1 scan"]})
    assert _refused_as_second_first(refused.value), refused.value
    with engine.begin() as conn:  # a re-sign, and the first of another stage, go in
        conn.execute(text(insert), {"s": "scan", "f": None, "id": ids["v1 scan"]})
        conn.execute(text(insert), {"s": "retouch", "f": True, "id": ids["v1 scan"]})
    # down to 0017: the column and its index go, the trail stays append-only
    command.downgrade(migrate.alembic_config(engine), "0017")
    with engine.connect() as conn:
        columns = {c[1] for c in conn.exec_driver_sql(
            "SELECT 0, column_name FROM information_schema.columns "
            "WHERE table_name = 'stage_event' AND table_schema = current_schema()"
            if engine.dialect.name == "postgresql" else "PRAGMA table_info(stage_event)")}
    assert "first_signoff" not in columns and "volume_id" in columns
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE stage_event SET person = '改' WHERE id = {ids['v1 scan']}")
    migrate.upgrade(engine)  # and back up: the rows added since are marked by the same rule
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM stage_event WHERE first_signoff")).scalar_one() == 5
    engine.dispose()
