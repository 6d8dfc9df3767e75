"""worker mentor and probation, defect cause, closed pay periods and their lines

老带新: a worker may have a mentor until a probation end date; a probationer's deductions also
charge the mentor. ``defect.cause`` tells the worker's errors from the paper's own (原卷错误,
``original``), which are recorded but never charged. A closed pay period keeps its lines; a
later correction becomes an adjustment in the next period.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("probation_until", sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_worker_mentor_id_worker"), "worker",
                                    ["mentor_id"], ["id"])
    with op.batch_alter_table("defect", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(length=20), nullable=False,
                                      server_default="worker"))
    op.create_table(
        "pay_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"],
                                name=op.f("fk_pay_period_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_period")),
        sa.UniqueConstraint("project_id", "period", name=op.f("uq_pay_period_project_id_period")),
    )
    op.create_index(op.f("ix_pay_period_project_id"), "pay_period", ["project_id"])
    op.create_table(
        "pay_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pay_period_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("work_batch_id", sa.Integer(), nullable=True),
        sa.Column("defect_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["pay_period_id"], ["pay_period.id"],
                                name=op.f("fk_pay_line_pay_period_id_pay_period")),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"],
                                name=op.f("fk_pay_line_worker_id_worker")),
        sa.ForeignKeyConstraint(["work_batch_id"], ["work_batch.id"],
                                name=op.f("fk_pay_line_work_batch_id_work_batch")),
        sa.ForeignKeyConstraint(["defect_id"], ["defect.id"],
                                name=op.f("fk_pay_line_defect_id_defect")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_line")),
    )
    op.create_index(op.f("ix_pay_line_pay_period_id"), "pay_line", ["pay_period_id"])
    op.create_index(op.f("ix_pay_line_worker_id"), "pay_line", ["worker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pay_line_worker_id"), table_name="pay_line")
    op.drop_index(op.f("ix_pay_line_pay_period_id"), table_name="pay_line")
    op.drop_table("pay_line")
    op.drop_index(op.f("ix_pay_period_project_id"), table_name="pay_period")
    op.drop_table("pay_period")
    with op.batch_alter_table("defect", schema=None) as batch_op:
        batch_op.drop_column("cause")
    with op.batch_alter_table("worker", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_worker_mentor_id_worker"), type_="foreignkey")
        batch_op.drop_column("probation_until")
        batch_op.drop_column("mentor_id")
