"""Report strands carry their report's status and district, for the strand-filtered list

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_strands") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("district", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE report_strands SET"
        " status = (SELECT status FROM reports WHERE reports.id = report_strands.report_id),"
        " district = (SELECT district FROM reports WHERE reports.id = report_strands.report_id)"
    )
    with op.batch_alter_table("report_strands") as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_index("ix_report_strands_strand_report_id")
        batch_op.create_index(
            "ix_report_strands_strand_status_district",
            ["strand", "status", "district", "report_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("report_strands") as batch_op:
        batch_op.drop_index("ix_report_strands_strand_status_district")
        batch_op.create_index("ix_report_strands_strand_report_id", ["strand", "report_id"])
        batch_op.drop_column("district")
        batch_op.drop_column("status")
