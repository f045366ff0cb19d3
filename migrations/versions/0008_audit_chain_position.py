"""The audit log: each entry's position in the chain, unique, so a fork can never be committed

Two writers that both chained onto the same last entry would write the same position; the
unique constraint refuses the second, whatever the database's locking did. Existing entries
are numbered in the order they were written (by id).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE audit_log SET seq = numbered.n FROM "
        "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_log) AS numbered "
        "WHERE numbered.id = audit_log.id"
    )
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_log_seq", ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_constraint("uq_audit_log_seq", type_="unique")
        batch_op.drop_column("seq")
