"""stored files per area counted by the database itself (stored_file_tally)

``dangan status`` counted a project's stored files per area on every call: an index-only
count, yet about 1 s at 6.6 million stored files on PostgreSQL. Now triggers on stored_file
keep files and bytes per (project, area, kind) in ``stored_file_tally``; status and the
summary report read SUM per key.

- SQLite (one writer at a time): row triggers keep exactly one row per key.
- PostgreSQL: statement triggers with transition tables append one row of deltas per
  statement and key — inserts only, so concurrent writers never wait on a counter row nor
  deadlock on one. When a project has 64 or more rows, the writer that holds a
  transaction-scoped advisory lock folds them into one row per key (DELETE … RETURNING, then
  INSERT of the sums, in the writer's transaction: readers see either the deltas or the sum).
  TRUNCATE of stored_file empties the tally.

The upgrade creates the triggers, then fills the tally from the rows already there (on
PostgreSQL CREATE TRIGGER holds a lock that keeps writers out until the migration commits).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLD_AT = 64

_KEY = "project_id = {r}.project_id AND area = {r}.area AND kind = {r}.kind"


def _sqlite_add(r: str, sign: str) -> str:
    """Statements adding row ``r`` (NEW/OLD) with ``sign`` (+/-) to its key's one row."""
    ensure = (
        "INSERT INTO stored_file_tally (project_id, area, kind, files, bytes) "
        f"SELECT {r}.project_id, {r}.area, {r}.kind, 0, 0 WHERE NOT EXISTS "
        f"(SELECT 1 FROM stored_file_tally WHERE {_KEY.format(r=r)}); "
    )
    update = (
        f"UPDATE stored_file_tally SET files = files {sign} 1, bytes = bytes {sign} {r}.size "
        f"WHERE {_KEY.format(r=r)}; "
    )
    return (ensure if sign == "+" else "") + update


SQLITE_TRIGGERS = {
    "stored_file_tally_insert": "AFTER INSERT ON stored_file BEGIN "
    + _sqlite_add("NEW", "+") + "END",
    "stored_file_tally_delete": "AFTER DELETE ON stored_file BEGIN "
    + _sqlite_add("OLD", "-") + "END",
    "stored_file_tally_update": "AFTER UPDATE OF project_id, area, kind, size ON stored_file "
    "BEGIN " + _sqlite_add("OLD", "-") + _sqlite_add("NEW", "+") + "END",
}

PG_FUNCTIONS = (
    f"""
    CREATE FUNCTION stored_file_tally_fold(pid integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT count(*) FROM (SELECT 1 FROM stored_file_tally WHERE project_id = pid
                                LIMIT {FOLD_AT}) AS s) < {FOLD_AT} THEN
        RETURN;
      END IF;
      IF NOT pg_try_advisory_xact_lock(hashtext('stored_file_tally'), pid) THEN
        RETURN;
      END IF;
      WITH gone AS (DELETE FROM stored_file_tally WHERE project_id = pid
                    RETURNING area, kind, files, bytes)
      INSERT INTO stored_file_tally (project_id, area, kind, files, bytes)
      SELECT pid, area, kind, sum(files), sum(bytes) FROM gone GROUP BY area, kind
      HAVING sum(files) <> 0 OR sum(bytes) <> 0;
    END $$
    """,
    """
    CREATE FUNCTION stored_file_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      pid integer;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO stored_file_tally (project_id, area, kind, files, bytes)
        SELECT project_id, area, kind, count(*), coalesce(sum(size), 0)
        FROM new_rows GROUP BY project_id, area, kind;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stored_file_tally (project_id, area, kind, files, bytes)
        SELECT project_id, area, kind, -count(*), -coalesce(sum(size), 0)
        FROM old_rows GROUP BY project_id, area, kind;
      ELSE
        INSERT INTO stored_file_tally (project_id, area, kind, files, bytes)
        SELECT project_id, area, kind, sum(n), sum(b) FROM (
          SELECT project_id, area, kind, -1 AS n, -size AS b FROM old_rows
          UNION ALL
          SELECT project_id, area, kind, 1, size FROM new_rows) AS c
        GROUP BY project_id, area, kind HAVING sum(n) <> 0 OR sum(b) <> 0;
      END IF;
      IF TG_OP = 'DELETE' THEN
        FOR pid IN SELECT DISTINCT project_id FROM old_rows LOOP
          PERFORM stored_file_tally_fold(pid);
        END LOOP;
      ELSE
        FOR pid IN SELECT DISTINCT project_id FROM new_rows LOOP
          PERFORM stored_file_tally_fold(pid);
        END LOOP;
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION stored_file_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM stored_file_tally;
      RETURN NULL;
    END $$
    """,
)

PG_TRIGGERS = {
    "stored_file_tally_insert": "AFTER INSERT ON stored_file REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stored_file_tally_apply()",
    "stored_file_tally_delete": "AFTER DELETE ON stored_file REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stored_file_tally_apply()",
    "stored_file_tally_update": "AFTER UPDATE ON stored_file "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stored_file_tally_apply()",
    "stored_file_tally_truncate": "AFTER TRUNCATE ON stored_file "
    "FOR EACH STATEMENT EXECUTE FUNCTION stored_file_tally_truncate()",
}

FILL = (
    "INSERT INTO stored_file_tally (project_id, area, kind, files, bytes) "
    "SELECT project_id, area, kind, count(*), coalesce(sum(size), 0) FROM stored_file "
    "GROUP BY project_id, area, kind"
)


def upgrade() -> None:
    op.create_table(
        "stored_file_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("files", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stored_file_tally_key", "stored_file_tally",
                    ["project_id", "area", "kind"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif dialect == "postgresql":
        for fn in PG_FUNCTIONS:
            op.execute(fn)
        for name, body in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(FILL)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON stored_file")
        op.execute("DROP FUNCTION IF EXISTS stored_file_tally_truncate()")
        op.execute("DROP FUNCTION IF EXISTS stored_file_tally_apply()")
        op.execute("DROP FUNCTION IF EXISTS stored_file_tally_fold(integer)")
    op.drop_index("ix_stored_file_tally_key", table_name="stored_file_tally")
    op.drop_table("stored_file_tally")
