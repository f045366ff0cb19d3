"""Triage: markers copied out of the answers at send, arrival order, officers' seen marks

* ``reports.ongoing``, ``reports.wants_contact``, ``reports.support_requested``: what the
  reporter said, copied in clear at send for the review list's markers. Reports already
  there get NULL ("not recorded"): their answers are encrypted and a migration cannot open
  them, so the list shows no such marker for them (an officer reads the report itself).
* ``reports.arrival``: the order reports arrived in (1, 2, 3...), unique, never a time of
  day. Reports already there are numbered in the order the list showed them until now:
  received_on, then reference. The list's order indexes take arrival where they had the
  reference; and ``reports (status, arrival)`` counts, per status, the reports new to an
  officer.
* ``seen_marks``: each officer's "seen up to" arrival, for "new since you last looked".

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

reports = sa.table(
    "reports",
    sa.column("id", sa.String),
    sa.column("reference", sa.String),
    sa.column("received_on", sa.Date),
    sa.column("arrival", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("arrival", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ongoing", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("wants_contact", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("support_requested", sa.Boolean(), nullable=True))
    connection = op.get_bind()
    ids = connection.scalars(
        sa.select(reports.c.id).order_by(reports.c.received_on, reports.c.reference)
    ).all()
    if ids:
        connection.execute(
            reports.update()
            .where(reports.c.id == sa.bindparam("report_id"))
            .values(arrival=sa.bindparam("number")),
            [{"report_id": report_id, "number": n} for n, report_id in enumerate(ids, 1)],
        )
    with op.batch_alter_table("reports") as batch_op:
        batch_op.alter_column("arrival", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_reports_arrival", ["arrival"])
        batch_op.drop_index("ix_reports_status_received_on_reference")
        batch_op.drop_index("ix_reports_received_on_reference")
        batch_op.create_index("ix_reports_received_on_arrival", ["received_on", "arrival", "id"])
        batch_op.create_index(
            "ix_reports_status_received_on_arrival", ["status", "received_on", "arrival", "id"]
        )
        batch_op.create_index("ix_reports_status_arrival", ["status", "arrival"])
    op.create_table(
        "seen_marks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_to", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_seen_marks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_seen_marks")),
    )


def downgrade() -> None:
    op.drop_table("seen_marks")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_status_arrival")
        batch_op.drop_index("ix_reports_status_received_on_arrival")
        batch_op.drop_index("ix_reports_received_on_arrival")
        batch_op.create_index(
            "ix_reports_received_on_reference", ["received_on", "reference", "id"]
        )
        batch_op.create_index(
            "ix_reports_status_received_on_reference",
            ["status", "received_on", "reference", "id"],
        )
        batch_op.drop_constraint("uq_reports_arrival", type_="unique")
        batch_op.drop_column("support_requested")
        batch_op.drop_column("wants_contact")
        batch_op.drop_column("ongoing")
        batch_op.drop_column("arrival")
