"""Covering indexes for the review list's filtered counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_district")
        batch_op.drop_index("ix_reports_reporter_type")
        batch_op.create_index("ix_reports_district_status", ["district", "status"])
        batch_op.create_index("ix_reports_reporter_type_status", ["reporter_type", "status"])
    with op.batch_alter_table("report_strands") as batch_op:
        batch_op.drop_index("ix_report_strands_strand")
        batch_op.create_index("ix_report_strands_strand_report_id", ["strand", "report_id"])


def downgrade() -> None:
    with op.batch_alter_table("report_strands") as batch_op:
        batch_op.drop_index("ix_report_strands_strand_report_id")
        batch_op.create_index("ix_report_strands_strand", ["strand"])
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_reporter_type_status")
        batch_op.drop_index("ix_reports_district_status")
        batch_op.create_index("ix_reports_reporter_type", ["reporter_type"])
        batch_op.create_index("ix_reports_district", ["district"])
