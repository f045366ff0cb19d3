"""Team keys carry a MAC: a key row written straight into the database is never sealed to

Each team key row gets an HMAC-SHA256 under a key derived from the instance's SECRET_KEY,
over its id, team, key id, public key, status and creation date. A migration cannot know the
secret, so existing rows are left without one: until an operator runs
``flask --app reporting keys authenticate`` (which lists them and asks for confirmation),
reports cannot be sent, rather than be sealed to a key nobody vouched for.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team_keys") as batch_op:
        batch_op.add_column(sa.Column("mac", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team_keys") as batch_op:
        batch_op.drop_column("mac")
