"""The database keeps stored files per (project, area, kind) itself (migration 0013): the
tally always equals a fresh count — after the line's ingest, retouch and packaging, after
deletes and changes by raw SQL, and after ``alembic upgrade`` of a project made before it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dangan.db import migrate
from dangan.db.session import make_engine
from dangan.demo.catalogue import write_demo_catalogue
from dangan.demo.line import run_line
from dangan.domain import workflow as wf
from dangan.samples import generate_set, make_archive_codes, write_volume_list
from dangan.services.delivery import packaging
from dangan.services.progress import files_by_area, stored_files
from dangan.services.volumes import import_volumes, project_status

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import add_volume, write_catalogue

from workflow.helpers import actor

WORKERS = {
    "borrow_clerk": "王借还", "archive_staff": "李档案", "sorter": "赵整理",
    "scan_operator": "张扫描", "retoucher": "陈修图", "indexer": "刘标引",
    "uploader": "刘标引", "qc_inspector": "孙质检", "binder": "周装订",
    "project_manager": "吴经理",
}

FOLD_AT = 64  # migration 0013 folds a project's tally rows on PostgreSQL at this many

FRESH = ("SELECT project_id, area, kind, count(*), coalesce(sum(size), 0) FROM stored_file "
         "GROUP BY project_id, area, kind")
TALLY = ("SELECT project_id, area, kind, sum(files), sum(bytes) FROM stored_file_tally "
         "GROUP BY project_id, area, kind HAVING sum(files) <> 0 OR sum(bytes) <> 0")


FRESH_VOLUMES = ("SELECT project_id, stage, status, count(*), coalesce(sum(expected_pages), 0) "
                 "FROM volume GROUP BY project_id, stage, status")
TALLY_VOLUMES = ("SELECT project_id, stage, status, sum(volumes), sum(pages) FROM volume_tally "
                 "GROUP BY project_id, stage, status HAVING sum(volumes) <> 0 OR sum(pages) <> 0")


def _counts(engine: Engine, sql: str) -> dict[tuple[int, str, str], tuple[int, int]]:
    with engine.connect() as conn:
        return {(int(p), a, k): (int(n), int(b)) for p, a, k, n, b in conn.execute(text(sql))}


def _assert_tally_is_fresh(engine: Engine) -> dict[tuple[int, str, str], tuple[int, int]]:
    fresh = _counts(engine, FRESH)
    assert _counts(engine, TALLY) == fresh
    assert _counts(engine, TALLY_VOLUMES) == _counts(engine, FRESH_VOLUMES)
    return fresh


def _insert_files(engine: Engine, project_id: int, area: str, n: int, start: int = 0,
                  kind: str = "page", size: int = 100) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO stored_file (project_id, area, path, kind, sha256, size, recorded_at) "
            "VALUES (:p, :a, :path, :k, :s, :size, CURRENT_TIMESTAMP)"),
            [{"p": project_id, "a": area, "path": f"{area}/{i:06d}.jpg", "k": kind,
              "s": f"{i:064x}", "size": size + i} for i in range(start, start + n)])


def _project(engine: Engine, name: str) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text(
            "INSERT INTO project (name, client, template, created_at) "
            "VALUES (:n, '', 'court', CURRENT_TIMESTAMP) RETURNING id"), {"n": name}).scalar_one())


def test_tally_follows_the_line_and_raw_sql(any_project, tmp_path: Path) -> None:
    ctx = any_project
    codes = make_archive_codes(2, 21)
    scan_root = tmp_path / "扫描工作站"
    truth = generate_set(scan_root, 2, 21, pages=(3, 4), archive_codes=codes,
                         truth_path=tmp_path / "truth.json")
    import_volumes(ctx, write_volume_list(tmp_path / "案卷清单.xlsx", truth))
    # 标引 is signed only with the volumes' catalogue: the indexers' workbook is imported
    catalogue = write_demo_catalogue(ctx, truth, scan_root, tmp_path / "卷内目录.xlsx", 21)
    summary = run_line(ctx, scan_root, WORKERS, say=lambda _m: None, catalogue=catalogue)
    assert summary["returned"] == 2
    engine = make_engine(ctx.database_url)
    fresh = _assert_tally_is_fresh(engine)
    areas = {a for _p, a, _k in fresh}
    assert {"scanned", "retouched"} <= areas, areas  # ingest and retouch recorded files
    # what status and the summary report read is the tally
    status = project_status(ctx)
    assert status.volumes == 2 and status.by_stage == {wf.DONE: 2}
    assert status.pages_expected == sum(v.image_count for v in truth.volumes)
    assert status.files_by_area == {a: sum(n for (_p, a2, _k), (n, _b) in fresh.items()
                                           if a2 == a) for a in areas}
    with ctx.transaction() as session:
        assert stored_files(session, ctx.project_id) == sorted(
            (a, k, n, b) for (_p, a, k), (n, b) in fresh.items())
    # a delete of one volume's scans, a move to another area, a change of size
    with engine.begin() as conn:
        vid = conn.execute(text("SELECT min(volume_id) FROM stored_file "
                                "WHERE area = 'scanned'")).scalar_one()
        gone = conn.execute(text("DELETE FROM stored_file WHERE volume_id = :v AND "
                                 "area = 'scanned'"), {"v": vid}).rowcount
        assert gone > 0
        conn.execute(text("UPDATE stored_file SET area = 'catalogue', size = size + 7 "
                          "WHERE id = (SELECT max(id) FROM stored_file WHERE area = 'retouched')"))
        conn.execute(text("UPDATE stored_file SET verified_at = CURRENT_TIMESTAMP"))
        conn.execute(text("UPDATE volume SET stage = 'qc', expected_pages = 9 WHERE id = :v"),
                     {"v": vid})
        conn.execute(text("UPDATE volume SET title = '改名'"))
    after = _assert_tally_is_fresh(engine)
    assert after != fresh
    with ctx.transaction() as session:
        by_area = files_by_area(session, ctx.project_id)
    assert by_area == project_status(ctx).files_by_area
    assert by_area == {a: sum(n for (_p, a2, _k), (n, _b) in after.items() if a2 == a)
                       for a in {a for _p, a, _k in after}}
    engine.dispose()


def test_tally_follows_packaging_and_repackaging(any_project, tmp_path: Path) -> None:
    code = "1997-民-0014-0025"
    add_volume(any_project, code, 6)
    path = write_catalogue(
        tmp_path / "目录.xlsx", [[code, "张三诉李四", "1997", "永久", 2, 6]],
        [[code, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [code, 2, "", "李四", "答辩状", "19970301", "3", ""]])
    packer = actor(any_project, "钱标", "indexer", "uploader")
    from dangan.services import indexing

    indexing.import_catalogue(any_project, packer, [path])
    engine = make_engine(any_project.database_url)
    assert packaging.package(any_project, packer, "pdf").files == 2
    first = _assert_tally_is_fresh(engine)
    assert first[(any_project.project_id, "uploaded", "pdf")][0] == 2
    packaging.package(any_project, packer, "pdf", code)  # replaces: deletes, then records
    assert _assert_tally_is_fresh(engine)[(any_project.project_id, "uploaded", "pdf")][0] == 2
    packaging.package(any_project, packer, "zip", code)
    assert (any_project.project_id, "uploaded", "zip") in _assert_tally_is_fresh(engine)
    engine.dispose()


def test_tally_folds_and_keeps_projects_apart(any_db_url: str) -> None:
    """Many small statements (more than the 64 rows PostgreSQL folds at), two projects, a
    delete of everything of one area."""
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine)
    a, b = _project(engine, "甲"), _project(engine, "乙")
    for i in range(80):
        _insert_files(engine, a, "scanned", 3, start=3 * i)
        if i % 10 == 0:
            _insert_files(engine, b, "uploaded", 2, start=2 * i, kind="pdf")
    fresh = _assert_tally_is_fresh(engine)
    assert fresh[(a, "scanned", "page")][0] == 240
    assert fresh[(b, "uploaded", "pdf")][0] == 16
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM stored_file_tally WHERE project_id = :p"),
                            {"p": a}).scalar_one()
    assert rows < 80  # folded (PostgreSQL) or one row per key (SQLite)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stored_file WHERE project_id = :p AND id % 2 = 0"),
                     {"p": a})
    _assert_tally_is_fresh(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stored_file WHERE project_id = :p"), {"p": a})
    assert (a, "scanned", "page") not in _assert_tally_is_fresh(engine)
    engine.dispose()


def test_rolled_back_writes_leave_no_count(any_db_url: str) -> None:
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine)
    p = _project(engine, "甲")
    _insert_files(engine, p, "scanned", 5)
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("DELETE FROM stored_file"))
        conn.execute(text(
            "INSERT INTO stored_file (project_id, area, path, kind, sha256, size, recorded_at) "
            "VALUES (:p, 'retouched', 'x.jpg', 'page', 'x', 1, CURRENT_TIMESTAMP)"), {"p": p})
        trans.rollback()
    assert _assert_tally_is_fresh(engine) == {(p, "scanned", "page"): (5, 5 * 100 + 10)}
    engine.dispose()


def test_upgrade_of_an_existing_project_fills_the_tally(any_db_url: str) -> None:
    engine = make_engine(any_db_url, create=True)
    migrate.upgrade(engine, "0012")
    a, b = _project(engine, "旧项目"), _project(engine, "另一个")
    _insert_files(engine, a, "scanned", 30)
    _insert_files(engine, a, "retouched", 12, start=100)
    _insert_files(engine, b, "uploaded", 4, kind="pdf", size=5000)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO volume (project_id, archive_code, title, location, extra, stage, "
            "status, created_at, updated_at, expected_pages, list_row) VALUES "
            "(:p, :c, '', '', '{}', :s, 'waiting', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
            ":n, :r)"),
            [{"p": a, "c": f"1997-民-0001-{i:04d}", "s": "scan" if i % 3 else "retouch",
              "n": i if i % 4 else None, "r": i} for i in range(1, 11)])
    before = _counts(engine, FRESH)
    before_volumes = _counts(engine, FRESH_VOLUMES)
    migrate.upgrade(engine, "0013")
    assert _assert_tally_is_fresh(engine) == before
    assert _counts(engine, TALLY_VOLUMES) == before_volumes
    assert sum(n for n, _p in before_volumes.values()) == 10
    assert before[(a, "scanned", "page")] == (30, 30 * 100 + sum(range(30)))
    # and the triggers run from then on
    _insert_files(engine, b, "uploaded", 3, start=50, kind="pdf")
    assert _assert_tally_is_fresh(engine)[(b, "uploaded", "pdf")][0] == 7
    migrate.upgrade(engine)
    engine.dispose()


def test_status_reads_an_empty_project(any_project) -> None:
    assert project_status(any_project).files_by_area == {}


@pytest.mark.postgres
def test_folding_beside_an_open_transaction_loses_nothing(postgres_url: str) -> None:
    """PostgreSQL: a writer's deltas not yet committed are invisible to the writer that folds;
    they stay as a row of their own and count once the transaction commits."""
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    p = _project(engine, "甲")
    with engine.connect() as open_conn:
        trans = open_conn.begin()
        open_conn.execute(text(
            "INSERT INTO stored_file (project_id, area, path, kind, sha256, size, recorded_at) "
            "VALUES (:p, 'scanned', 'open/1.jpg', 'page', 'x', 10, CURRENT_TIMESTAMP)"), {"p": p})
        for i in range(FOLD_AT + 6):  # enough single statements to fold, committed each
            _insert_files(engine, p, "scanned", 1, start=i)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM stored_file_tally")).scalar_one()
        assert rows < FOLD_AT  # folded meanwhile
        trans.commit()
    fresh = _assert_tally_is_fresh(engine)
    assert fresh[(p, "scanned", "page")][0] == FOLD_AT + 7
    engine.dispose()
