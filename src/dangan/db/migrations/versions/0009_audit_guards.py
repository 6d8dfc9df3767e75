"""the audit trail holds against REPLACE (SQLite) and TRUNCATE (PostgreSQL)

0002 refuses UPDATE and DELETE on stage_event. Two statements got around it: on SQLite
``INSERT OR REPLACE`` / ``REPLACE INTO`` deletes the conflicting row without firing DELETE
triggers (unless ``recursive_triggers`` is on), so an event could be rewritten; on PostgreSQL
``TRUNCATE`` (also ``TRUNCATE … CASCADE`` of a table it references) fires no row trigger.
Now a BEFORE INSERT trigger refuses an insert whose id already exists (SQLite) and a BEFORE
TRUNCATE trigger refuses truncation (PostgreSQL).

Revision ID: 0009
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER stage_event_no_replace BEFORE INSERT ON stage_event "
            "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM stage_event WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'stage_event is append-only'); END"
        )
    elif dialect == "postgresql":
        # stage_event_append_only() (0002) raises; as a statement trigger it refuses TRUNCATE.
        op.execute(
            "CREATE TRIGGER stage_event_no_truncate BEFORE TRUNCATE ON stage_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION stage_event_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stage_event_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stage_event_no_truncate ON stage_event")
