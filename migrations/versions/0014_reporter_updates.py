"""What a reporter adds through the receipt: more information, and consent changes

``report_additions``: the text encrypted under the report's data key; in clear only the report,
the position and the day. ``consent_changes``: the day, the sharing choices before and after,
and whether an officer has seen it since.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_additions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_additions_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_additions")),
        sa.UniqueConstraint("report_id", "position", name=op.f("uq_report_additions_report_id")),
    )
    op.create_index(op.f("ix_report_additions_report_id"), "report_additions", ["report_id"])
    op.create_table(
        "consent_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("police_before", sa.String(length=20), nullable=True),
        sa.Column("police_after", sa.String(length=20), nullable=False),
        sa.Column("support_before", sa.String(length=20), nullable=True),
        sa.Column("support_after", sa.String(length=20), nullable=False),
        sa.Column("seen_by_team", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_consent_changes_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_changes")),
        sa.UniqueConstraint("report_id", "position", name=op.f("uq_consent_changes_report_id")),
    )
    op.create_index(op.f("ix_consent_changes_report_id"), "consent_changes", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_consent_changes_report_id"), table_name="consent_changes")
    op.drop_table("consent_changes")
    op.drop_index(op.f("ix_report_additions_report_id"), table_name="report_additions")
    op.drop_table("report_additions")
