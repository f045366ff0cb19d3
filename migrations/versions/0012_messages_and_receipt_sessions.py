"""Messages between the team and the reporter; the reporter's copy of the data key; receipt
sessions

``reports.reporter_data_key``: the report's data key sealed to the reporter's public key, so a
receipt holder can open the report's messages. Reports sent before this revision have none
until an officer first opens them (``messages.ensure_reporter_data_key``).

``messages``: one row per message, the text encrypted under a key of its own, that key under
the report's data key; in clear only the report, the place in the thread, the author, the day
and who has read it.

``receipt_sessions``: a reporter checking for replies; everything but the purge day encrypted
under a key only their cookie holds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("reporter_data_key", sa.LargeBinary(), nullable=True))
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=10), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("key_for_report", sa.LargeBinary(), nullable=False),
        sa.Column("read_by_team", sa.Boolean(), nullable=False),
        sa.Column("read_by_reporter", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_messages_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("report_id", "position", name=op.f("uq_messages_report_id")),
    )
    op.create_index(op.f("ix_messages_report_id"), "messages", ["report_id"])
    op.create_table(
        "receipt_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("purge_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_sessions")),
    )
    op.create_index(op.f("ix_receipt_sessions_purge_on"), "receipt_sessions", ["purge_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_receipt_sessions_purge_on"), table_name="receipt_sessions")
    op.drop_table("receipt_sessions")
    op.drop_index(op.f("ix_messages_report_id"), table_name="messages")
    op.drop_table("messages")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("reporter_data_key")
