"""A report closed as a duplicate names the report it duplicates

``reports.duplicate_of_id``: the other report (clear, like the close reason), set when an
officer closes a report with the reason "duplicate", cleared when it is reopened; SET NULL if
the other report is ever deleted. Reports closed as duplicates before this revision did not
record which report they duplicate: they keep the reason and get no link (NULL).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("duplicate_of_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_reports_duplicate_of_id", ["duplicate_of_id"])
        batch_op.create_foreign_key(
            "fk_reports_duplicate_of_id_reports",
            "reports",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_constraint("fk_reports_duplicate_of_id_reports", type_="foreignkey")
        batch_op.drop_index("ix_reports_duplicate_of_id")
        batch_op.drop_column("duplicate_of_id")
