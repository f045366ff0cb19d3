"""Review list order indexes that cover the page: (received_on, reference, id)

Any page of the list, however deep, becomes a walk of one index with no sort and no table
read (in SQLite a table read is a page per report). The status-led one also serves every
lookup by status, so the single-column status and date indexes go.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_received_on")
        batch_op.drop_index("ix_reports_status")
        batch_op.drop_index("ix_reports_status_received_on")
        batch_op.create_index(
            "ix_reports_received_on_reference", ["received_on", "reference", "id"]
        )
        batch_op.create_index(
            "ix_reports_status_received_on_reference",
            ["status", "received_on", "reference", "id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_status_received_on_reference")
        batch_op.drop_index("ix_reports_received_on_reference")
        batch_op.create_index("ix_reports_status_received_on", ["status", "received_on"])
        batch_op.create_index("ix_reports_status", ["status"])
        batch_op.create_index("ix_reports_received_on", ["received_on"])
