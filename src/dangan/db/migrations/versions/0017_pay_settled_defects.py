"""closed pay periods keep the defects they settled, so an open period recomputes only changes

What the closed periods owe an open pay period (late work, corrections) recomputed every
charged defect of every closed period on each look (the manager's dashboard: 0.7–0.8 s after
eleven closed months). Closing a period now keeps each charged defect of the closed periods
with the inputs of its pay lines (``pay_settled_defect``: the defect and its worker's mentor
and probation end) and, on ``pay_period.defect_rules``, the deductions, mentor share and UTC
offset used; an open period recomputes only the defects that differ from that. A period
closed before has no rules: the next report recomputes every defect, as before, until the
next close. ``pay_line.defect_id`` gets an index (the paid lines of the changed defects).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pay_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("defect_rules", sa.JSON(), nullable=True))
    op.create_index(op.f("ix_pay_line_defect_id"), "pay_line", ["defect_id"])
    op.create_table(
        "pay_settled_defect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pay_period_id", sa.Integer(), nullable=False),
        sa.Column("defect_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("work_batch_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("probation_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["pay_period_id"], ["pay_period.id"],
                                name=op.f("fk_pay_settled_defect_pay_period_id_pay_period")),
        sa.ForeignKeyConstraint(["defect_id"], ["defect.id"],
                                name=op.f("fk_pay_settled_defect_defect_id_defect")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_settled_defect")),
        sa.UniqueConstraint("pay_period_id", "defect_id",
                            name=op.f("uq_pay_settled_defect_pay_period_id_defect_id")),
    )


def downgrade() -> None:
    op.drop_table("pay_settled_defect")
    op.drop_index(op.f("ix_pay_line_defect_id"), table_name="pay_line")
    with op.batch_alter_table("pay_period", schema=None) as batch_op:
        batch_op.drop_column("defect_rules")
