"""web application: the long runs started from the browser, kept in the database

A batch's retouch or an ingest started at a desk runs in a thread of the server; its progress
and outcome (``web_run``) are kept in the database so that a restarted server still shows
them, and a run whose server stopped is shown as failed.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_run",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_web_run_project_id_project")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_web_run_worker_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_run")),
    )
    op.create_index("ix_web_run_subject", "web_run", ["project_id", "kind", "subject"])


def downgrade() -> None:
    op.drop_index("ix_web_run_subject", table_name="web_run")
    op.drop_table("web_run")
