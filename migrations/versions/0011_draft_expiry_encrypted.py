"""Drafts keep their idle expiry encrypted; in clear only the day they may be purged

A copy of the database showed, to the microsecond, when each draft's reporter last continued
(its idle expiry) and when each report was sent (the sent state's end). The expiry now lives
encrypted under the key in the reporter's cookie (``drafts.expiry``, empty once sent: the sent
state's end is in its encrypted receipt); in clear a row holds only ``purge_on``, the UTC day
from which it may be deleted.

The key is only in reporters' browsers, so existing rows cannot be converted: they are
deleted. A reporter in the middle of the form at the upgrade sees "Your answers have been
deleted", and one who has just sent sees that their receipt can no longer be shown again (the
reports themselves are untouched).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM drafts")
    with op.batch_alter_table("drafts") as batch_op:
        batch_op.drop_index("ix_drafts_expires_at")
        batch_op.drop_column("expires_at")
        batch_op.add_column(sa.Column("expiry", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("purge_on", sa.Date(), nullable=False))
        batch_op.create_index("ix_drafts_purge_on", ["purge_on"])


def downgrade() -> None:
    # The expiry cannot be decrypted here: the drafts go, as they came in.
    op.execute("DELETE FROM drafts")
    with op.batch_alter_table("drafts") as batch_op:
        batch_op.drop_index("ix_drafts_purge_on")
        batch_op.drop_column("purge_on")
        batch_op.drop_column("expiry")
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=False))
        batch_op.create_index("ix_drafts_expires_at", ["expires_at"])
