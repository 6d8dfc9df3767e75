"""stage_event is append-only: database triggers refuse UPDATE and DELETE

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stage_event_no_{verb.lower()} BEFORE {verb} ON stage_event "
                "BEGIN SELECT RAISE(ABORT, 'stage_event is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION stage_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'stage_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER stage_event_append_only BEFORE UPDATE OR DELETE ON stage_event "
            "FOR EACH ROW EXECUTE FUNCTION stage_event_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stage_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS stage_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stage_event_append_only ON stage_event")
        op.execute("DROP FUNCTION IF EXISTS stage_event_append_only()")
