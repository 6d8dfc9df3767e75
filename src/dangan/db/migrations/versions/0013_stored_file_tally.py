"""counts kept by the database itself: stored files per area, volumes per stage

``dangan status`` counted a project's stored files per area on every call: an index-only
count, yet about 1 s at 6.6 million stored files on PostgreSQL; status and ``dangan progress``
also grouped every volume by stage. Now triggers keep

- ``stored_file_tally``: files and bytes per (project, area, kind), from stored_file;
- ``volume_tally``: volumes and expected pages per (project, stage, status), from volume;

and status, progress and the summary report read SUM per key.

- SQLite (one writer at a time): row triggers keep exactly one row per key.
- PostgreSQL: statement triggers with transition tables append one row of deltas per
  statement and key — inserts only, so concurrent writers never wait on a counter row nor
  deadlock on one. When a project has 64 or more rows in a tally, the writer that gets a
  transaction-scoped advisory lock folds them into one row per key (DELETE … RETURNING, then
  INSERT of the sums, in the writer's transaction: readers see either the deltas or the sum).
  TRUNCATE of the source table empties its tally.

The upgrade creates the triggers, then fills the tallies from the rows already there (on
PostgreSQL CREATE TRIGGER holds a lock that keeps writers out until the migration commits).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLD_AT = 64


@dataclass(frozen=True)
class Tally:
    name: str
    source: str
    keys: tuple[str, str, str]  # project_id first
    values: tuple[tuple[str, str], tuple[str, str]]  # (column, expression of a row "{r}")

    def cols(self) -> str:
        return ", ".join((*self.keys, *(c for c, _ in self.values)))

    def key_match(self, r: str) -> str:
        return " AND ".join(f"{k} = {r}.{k}" for k in self.keys)

    def value(self, i: int, r: str) -> str:
        return self.values[i][1].format(r=f"{r}." if r else "")


TALLIES = (
    Tally("stored_file_tally", "stored_file", ("project_id", "area", "kind"),
          (("files", "1"), ("bytes", "{r}size"))),
    Tally("volume_tally", "volume", ("project_id", "stage", "status"),
          (("volumes", "1"), ("pages", "coalesce({r}expected_pages, 0)"))),
)
WATCHED = {"stored_file": "project_id, area, kind, size",
           "volume": "project_id, stage, status, expected_pages"}


def _sqlite_triggers(t: Tally) -> dict[str, str]:
    a, b = (c for c, _ in t.values)

    def add(r: str, sign: str) -> str:
        ensure = (f"INSERT INTO {t.name} ({t.cols()}) SELECT "
                  + ", ".join(f"{r}.{k}" for k in t.keys) + ", 0, 0 WHERE NOT EXISTS "
                  f"(SELECT 1 FROM {t.name} WHERE {t.key_match(r)}); ")
        update = (f"UPDATE {t.name} SET {a} = {a} {sign} {t.value(0, r)}, "
                  f"{b} = {b} {sign} {t.value(1, r)} WHERE {t.key_match(r)}; ")
        return (ensure if sign == "+" else "") + update

    return {
        f"{t.name}_insert": f"AFTER INSERT ON {t.source} BEGIN " + add("NEW", "+") + "END",
        f"{t.name}_delete": f"AFTER DELETE ON {t.source} BEGIN " + add("OLD", "-") + "END",
        f"{t.name}_update": f"AFTER UPDATE OF {WATCHED[t.source]} ON {t.source} BEGIN "
        + add("OLD", "-") + add("NEW", "+") + "END",
    }


def _pg_functions(t: Tally) -> tuple[str, ...]:
    a, b = (c for c, _ in t.values)
    keys = ", ".join(t.keys)
    rest = ", ".join(t.keys[1:])
    fold = f"""
    CREATE FUNCTION {t.name}_fold(pid integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT count(*) FROM (SELECT 1 FROM {t.name} WHERE project_id = pid
                                LIMIT {FOLD_AT}) AS s) < {FOLD_AT} THEN
        RETURN;
      END IF;
      IF NOT pg_try_advisory_xact_lock(hashtext('{t.name}'), pid) THEN
        RETURN;
      END IF;
      WITH gone AS (DELETE FROM {t.name} WHERE project_id = pid RETURNING {rest}, {a}, {b})
      INSERT INTO {t.name} ({t.cols()})
      SELECT pid, {rest}, sum({a}), sum({b}) FROM gone GROUP BY {rest}
      HAVING sum({a}) <> 0 OR sum({b}) <> 0;
    END $$
    """
    apply = f"""
    CREATE FUNCTION {t.name}_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      pid integer;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO {t.name} ({t.cols()})
        SELECT {keys}, sum({t.value(0, '')}), sum({t.value(1, '')})
        FROM new_rows GROUP BY {keys};
        FOR pid IN SELECT DISTINCT project_id FROM new_rows LOOP
          PERFORM {t.name}_fold(pid);
        END LOOP;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {t.name} ({t.cols()})
        SELECT {keys}, -sum({t.value(0, '')}), -sum({t.value(1, '')})
        FROM old_rows GROUP BY {keys};
        FOR pid IN SELECT DISTINCT project_id FROM old_rows LOOP
          PERFORM {t.name}_fold(pid);
        END LOOP;
      ELSE
        WITH d AS (
          INSERT INTO {t.name} ({t.cols()})
          SELECT {keys}, sum(x), sum(y) FROM (
            SELECT {keys}, -{t.value(0, '')} AS x, -{t.value(1, '')} AS y FROM old_rows
            UNION ALL
            SELECT {keys}, {t.value(0, '')}, {t.value(1, '')} FROM new_rows) AS c
          GROUP BY {keys} HAVING sum(x) <> 0 OR sum(y) <> 0
          RETURNING project_id)
        SELECT min(project_id) INTO pid FROM d;
        IF pid IS NOT NULL THEN
          FOR pid IN SELECT DISTINCT project_id FROM new_rows LOOP
            PERFORM {t.name}_fold(pid);
          END LOOP;
        END IF;
      END IF;
      RETURN NULL;
    END $$
    """
    truncate = f"""
    CREATE FUNCTION {t.name}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM {t.name};
      RETURN NULL;
    END $$
    """
    return fold, apply, truncate


def _pg_triggers(t: Tally) -> dict[str, str]:
    each = f"FOR EACH STATEMENT EXECUTE FUNCTION {t.name}_apply()"
    return {
        f"{t.name}_insert": f"AFTER INSERT ON {t.source} REFERENCING NEW TABLE AS new_rows {each}",
        f"{t.name}_delete": f"AFTER DELETE ON {t.source} REFERENCING OLD TABLE AS old_rows {each}",
        f"{t.name}_update": f"AFTER UPDATE ON {t.source} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {each}",
        f"{t.name}_truncate": f"AFTER TRUNCATE ON {t.source} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {t.name}_truncate()",
    }


def _fill(t: Tally) -> str:
    keys = ", ".join(t.keys)
    return (f"INSERT INTO {t.name} ({t.cols()}) SELECT {keys}, sum({t.value(0, '')}), "
            f"sum({t.value(1, '')}) FROM {t.source} GROUP BY {keys}")


def upgrade() -> None:
    for t in TALLIES:
        op.create_table(
            t.name,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("project_id", sa.Integer(), nullable=False),
            *(sa.Column(k, sa.String(length=20), nullable=False) for k in t.keys[1:]),
            *(sa.Column(c, sa.BigInteger(), nullable=False) for c, _ in t.values),
            sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(f"ix_{t.name}_key", t.name, list(t.keys))
    dialect = op.get_bind().dialect.name
    for t in TALLIES:
        if dialect == "sqlite":
            for name, body in _sqlite_triggers(t).items():
                op.execute(f"CREATE TRIGGER {name} {body}")
        elif dialect == "postgresql":
            for fn in _pg_functions(t):
                op.execute(fn)
            for name, body in _pg_triggers(t).items():
                op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute(_fill(t))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for t in TALLIES:
        if dialect == "sqlite":
            for name in _sqlite_triggers(t):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif dialect == "postgresql":
            for name in _pg_triggers(t):
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {t.source}")
            for fn in ("truncate()", "apply()", "fold(integer)"):
                op.execute(f"DROP FUNCTION IF EXISTS {t.name}_{fn}")
        op.drop_index(f"ix_{t.name}_key", table_name=t.name)
        op.drop_table(t.name)
