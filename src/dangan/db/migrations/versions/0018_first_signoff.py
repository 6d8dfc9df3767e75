"""a volume's first sign-off of a stage is marked on the event itself

Every unit count of the reports (pay, productivity, weekly, quality, estimate, the manager's
dashboard) takes a volume's *first* sign-off of a stage and checked it per sign-off against
the volume's earlier ones (an index probe each: ≈ 60,000 a month on a large project). The
engine now writes ``stage_event.first_signoff`` (true on the first, null otherwise) with the
sign-off; a unique index on (volume_id, stage) over the true ones lets the database refuse a
second first. The sign-offs already recorded get it here by the same rule the reports used:
no sign-off of the volume at the stage with a smaller id. The append-only triggers (0002) are
lifted for that one UPDATE and put back as they were, in the migration's transaction.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = (
    "UPDATE stage_event SET first_signoff = TRUE "
    "WHERE kind = 'signoff' AND volume_id IS NOT NULL AND NOT EXISTS ("
    "SELECT 1 FROM stage_event AS earlier WHERE earlier.volume_id = stage_event.volume_id "
    "AND earlier.stage = stage_event.stage AND earlier.kind = 'signoff' "
    "AND earlier.id < stage_event.id)"
)


def upgrade() -> None:
    op.add_column("stage_event", sa.Column("first_signoff", sa.Boolean(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stage_event_no_update")
        op.execute(BACKFILL)
        # as 0002 made it
        op.execute("CREATE TRIGGER stage_event_no_update BEFORE UPDATE ON stage_event "
                   "BEGIN SELECT RAISE(ABORT, 'stage_event is append-only'); END")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE stage_event DISABLE TRIGGER stage_event_append_only")
        op.execute(BACKFILL)
        op.execute("ALTER TABLE stage_event ENABLE TRIGGER stage_event_append_only")
    else:  # pragma: no cover - the two backends the line runs on
        op.execute(BACKFILL)
    op.create_index("ix_stage_event_first_signoff", "stage_event", ["volume_id", "stage"],
                    unique=True, sqlite_where=sa.text("first_signoff"),
                    postgresql_where=sa.text("first_signoff"))


def downgrade() -> None:
    op.drop_index("ix_stage_event_first_signoff", table_name="stage_event")
    op.drop_column("stage_event", "first_signoff")
