"""Drafts keep a short-lived "sent" state: a flag, and the reference and receipt encrypted

Sending no longer deletes the draft: it turns it, in one conditional UPDATE, into a sent row
that holds the reference and receipt (encrypted under a key derived from the reporter's
cookie) for a few minutes, so a refresh, Back or a second click on "Send report" shows the
same receipt again instead of an error, and never sends twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch_op:
        batch_op.add_column(
            sa.Column("sent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("receipt", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # A sent row has no answers left to keep: without the flag it would look like an empty
    # draft, so it goes (it would have expired within minutes anyway).
    op.execute("DELETE FROM drafts WHERE sent")
    with op.batch_alter_table("drafts") as batch_op:
        batch_op.drop_column("receipt")
        batch_op.drop_column("sent")
