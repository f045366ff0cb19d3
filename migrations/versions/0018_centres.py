"""Third-party reporting centres as organisations, and their staff

* ``centres``: each organisation, its kind, its public listing (address, opening times,
  phone, email, website, languages, accessibility, help offered), whether it is listed, the
  day the listing was last checked and the day of its training or accreditation.
* ``centre_districts``: the districts (codes of the DISTRICTS setting) each centre serves.
* ``users.centre_id`` and ``users.centre_lead``: the centre a ``centre`` account belongs to,
  and whether it is the centre's lead. Centre accounts made before this revision belong to
  no centre (NULL) until an admin invites them again with one.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("opening_times", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("languages", sa.String(length=300), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("help_offered", sa.Text(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("listing_checked_on", sa.Date(), nullable=True),
        sa.Column("accredited_on", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centres")),
        sa.UniqueConstraint("name", name=op.f("uq_centres_name")),
    )
    op.create_table(
        "centre_districts",
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.id"],
            name=op.f("fk_centre_districts_centre_id_centres"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("centre_id", "district", name=op.f("pk_centre_districts")),
    )
    op.create_index(
        op.f("ix_centre_districts_district"), "centre_districts", ["district"], unique=False
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("centre_lead", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_users_centre_id", ["centre_id"])
        batch_op.create_foreign_key("fk_users_centre_id_centres", "centres", ["centre_id"], ["id"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("centre_lead", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("fk_users_centre_id_centres", type_="foreignkey")
        batch_op.drop_index("ix_users_centre_id")
        batch_op.drop_column("centre_lead")
        batch_op.drop_column("centre_id")
    op.drop_index(op.f("ix_centre_districts_district"), table_name="centre_districts")
    op.drop_table("centre_districts")
    op.drop_table("centres")
