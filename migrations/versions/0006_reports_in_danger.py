"""Reports say, in clear, whether the reporter said someone was in immediate danger

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reports sent before the question could be answered "yes" and carried on: all "no".
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(
            sa.Column("in_danger", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("in_danger")
