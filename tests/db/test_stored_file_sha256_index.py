"""The check's lookup of ingested pages by SHA-256 (``services.scan_lookup.stored_pages``) probes an
index (migration 0016): it read every stored file of the project's area, once per 500 pages
checked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from dangan.services.scan_lookup import stored_pages


def test_the_lookup_of_ingested_pages_by_checksum_uses_the_index(project: Any) -> None:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "sha256 IN" in statement:
            seen.append((statement, params))

    with project.transaction() as session:
        engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert stored_pages(project, ["a" * 64, "b" * 64, "c" * 64]) == {}
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 1
    statement, params = seen[0]
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, params))
    assert "ix_stored_file_project_area_sha256" in plan, plan
