"""The audit log: each entry's position in the chain, unique, and the version of its hash

Two writers that both chained onto the same last entry would write the same position; the
unique constraint refuses the second, whatever the database's locking did. Existing entries
are numbered in the order they were written (by id).

From now on entries are keyed (version 2: HMAC-SHA256 under a key derived from SECRET_KEY,
which a migration does not have). Existing entries are marked version 1 (unkeyed SHA-256):
`flask --app reporting audit rekey`, run once after this upgrade, verifies them and re-chains
them under the key. Downgrading leaves keyed entries the old code's `audit verify` rejects.

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
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.execute(
        "UPDATE audit_log SET seq = numbered.n FROM "
        "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM audit_log) AS numbered "
        "WHERE numbered.id = audit_log.id"
    )
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_log_seq", ["seq"])
        batch_op.alter_column("version", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_constraint("uq_audit_log_seq", type_="unique")
        batch_op.drop_column("version")
        batch_op.drop_column("seq")
