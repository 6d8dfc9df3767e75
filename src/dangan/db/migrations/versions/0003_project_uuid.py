"""project.uuid: a stable project identity, independent of the project's name

The id is also written to dangan.toml (``project.id``); the project is found by it, so
renaming ``project.name`` no longer starts a second, empty project. Existing rows keep NULL
until the project is next opened, which generates the id and writes it to both places.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_project_uuid"), ["uuid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_uuid"))
        batch_op.drop_column("uuid")
