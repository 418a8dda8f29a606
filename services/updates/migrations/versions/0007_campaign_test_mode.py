"""Campaigns and announced updates say whether money moved: `test_mode`, so mail says so.

Rows from before are true: their campaigns' events predate payments, when no money moved.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("campaigns", "mail_updates")


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: the tables keep their constraints on SQLite.
    for table in TABLES:
        op.add_column(
            table, sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "test_mode")
