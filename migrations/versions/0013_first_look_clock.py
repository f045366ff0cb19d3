"""The first-look clock: when a report's first look is due, and the day it happened

``reports.due_on``: received_on + FIRST_LOOK_WORKING_DAYS working days (England and Wales),
set at send. ``reports.first_looked_on``: the day an officer first opened the report or changed
its status. Days only, in clear (triage and statistics).

Reports already there get both from what is known, so the oldest reports nobody has looked at
are the first to show as overdue rather than never:

* ``first_looked_on``: the day of the report's earliest "report-read" or "status-changed"
  entry in the audit log (its UTC day);
* ``due_on``: received_on + 2 working days (the default: a migration cannot read the
  instance's setting), computed here with the same library as reporting/clocks.py but not by
  importing it, so this revision means the same whatever clocks.py becomes; except for a report
  that has left "new" with no recorded look (no audit entry): when it was first looked at is
  unknown, so it has no clock (NULL: never overdue, left out of the statistics).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from __future__ import annotations

import datetime as dt

import holidays
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WORKING_DAYS = 2

reports = sa.table(
    "reports",
    sa.column("reference", sa.String),
    sa.column("received_on", sa.Date),
    sa.column("status", sa.String),
    sa.column("due_on", sa.Date),
    sa.column("first_looked_on", sa.Date),
)
audit_log = sa.table(
    "audit_log",
    sa.column("occurred_at", sa.DateTime),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
)


def _due(received_on: dt.date) -> dt.date:
    day, left = received_on, WORKING_DAYS
    while left:
        day += dt.timedelta(days=1)
        bank = holidays.country_holidays("GB", subdiv="ENG", years=day.year)
        if day.weekday() < 5 and day not in bank:
            left -= 1
    return day


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("first_looked_on", sa.Date(), nullable=True))
        batch_op.create_index(
            "ix_reports_status_first_looked_on_due_on", ["status", "first_looked_on", "due_on"]
        )
    connection = op.get_bind()
    first_looks = connection.execute(
        sa.select(audit_log.c.subject, sa.func.min(audit_log.c.occurred_at))
        .where(
            audit_log.c.action.in_(["report-read", "status-changed"]),
            audit_log.c.subject.like("report:%"),
        )
        .group_by(audit_log.c.subject)
    ).all()
    if first_looks:
        connection.execute(
            reports.update()
            .where(reports.c.reference == sa.bindparam("looked_reference"))
            .values(first_looked_on=sa.bindparam("looked_on")),
            [
                {"looked_reference": subject.removeprefix("report:"), "looked_on": at.date()}
                for subject, at in first_looks
            ],
        )
    days = connection.scalars(sa.select(reports.c.received_on).distinct()).all()
    if days:
        connection.execute(
            reports.update()
            .where(
                reports.c.received_on == sa.bindparam("day"),
                (reports.c.status == "new") | reports.c.first_looked_on.is_not(None),
            )
            .values(due_on=sa.bindparam("due")),
            [{"day": day, "due": _due(day)} for day in days],
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_status_first_looked_on_due_on")
        batch_op.drop_column("first_looked_on")
        batch_op.drop_column("due_on")
