"""web application: accounts' settings, server-side sessions, API tokens

A web account is a worker with a login; ``web_account`` adds the administrator flag and the
language of the pages. ``web_session`` holds signed-in browsers (the SHA-256 of the cookie,
the CSRF token, last use, revocation); ``web_token`` holds per-account API tokens (hashed).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_account",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_web_account_worker_id_worker")),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_web_account")),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoke_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_web_session_worker_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_worker_id"), "web_session", ["worker_id"])
    op.create_table(
        "web_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_web_token_worker_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_token")),
    )
    op.create_index(op.f("ix_web_token_worker_id"), "web_token", ["worker_id"])
    op.create_index("uq_web_token_hash", "web_token", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_web_token_hash", table_name="web_token")
    op.drop_index(op.f("ix_web_token_worker_id"), table_name="web_token")
    op.drop_table("web_token")
    op.drop_index(op.f("ix_web_session_worker_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_table("web_account")
