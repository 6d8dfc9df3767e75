"""teams (班组), and the indexes of the manager's dashboard and the first-sign-off rule

A team has a name and a leader; a worker belongs to at most one team (``team_member`` is
keyed by the worker). Two indexes on ``stage_event``: (project, kind, stage, volume, at) lets
the dashboard read each volume's first sign-off at a stage from the index alone; (volume,
stage, kind, id) answers "was there an earlier sign-off of this volume at this stage" from
the index, the check every unit count of the reports makes per event.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_team_project_id_project")),
        sa.ForeignKeyConstraint(["leader_id"], ["worker.id"],
                                name=op.f("fk_team_leader_id_worker")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_team_project_id_name")),
    )
    op.create_index(op.f("ix_team_project_id"), "team", ["project_id"])
    op.create_table(
        "team_member",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_team_member_worker_id_worker")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"],
                                name=op.f("fk_team_member_team_id_team")),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_team_member")),
    )
    op.create_index(op.f("ix_team_member_team_id"), "team_member", ["team_id"])
    op.create_index("ix_stage_event_first", "stage_event",
                    ["project_id", "kind", "stage", "volume_id", "at"])
    op.create_index("ix_stage_event_signoff_volume", "stage_event",
                    ["volume_id", "stage", "kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_stage_event_signoff_volume", table_name="stage_event")
    op.drop_index("ix_stage_event_first", table_name="stage_event")
    op.drop_index(op.f("ix_team_member_team_id"), table_name="team_member")
    op.drop_table("team_member")
    op.drop_index(op.f("ix_team_project_id"), table_name="team")
    op.drop_table("team")
