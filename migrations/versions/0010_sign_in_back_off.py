"""Sign-in back-off: a growing wait per email address instead of a lock anyone could set off

``sign_in_throttles`` counts failed sign-ins per email address (an HMAC of it, known account
or not) and holds when the next attempt may be made. ``users.wrong_code_sign_ins`` counts
sign-ins with the right password and a wrong code: only those lock an account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "wrong_code_sign_ins", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "wrong_code_sign_ins", existing_type=sa.Integer(), server_default=None
        )
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("wait_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_throttles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(op.f("ix_sign_in_throttles_user_id"), "sign_in_throttles", ["user_id"])
    op.create_index(
        op.f("ix_sign_in_throttles_last_failed_at"), "sign_in_throttles", ["last_failed_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_throttles_last_failed_at"), table_name="sign_in_throttles")
    op.drop_index(op.f("ix_sign_in_throttles_user_id"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("wrong_code_sign_ins")
