"""A reporter's optional address for alerts of a new message

``alert_addresses``: one row per report whose reporter asked to be emailed when there is a new
message. The address is encrypted under the report's data key (never a server key); in clear
only the report and whether an alert is waiting to be sent, with no time.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_addresses",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_address", sa.LargeBinary(), nullable=False),
        sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_alert_addresses_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_alert_addresses")),
    )


def downgrade() -> None:
    op.drop_table("alert_addresses")
