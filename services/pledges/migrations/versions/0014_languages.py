"""Accounts and campaigns have a language (`en` or `id`): English for everything before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch, so SQLite keeps the tables' unnamed CHECK constraints.
    for table in ("accounts", "campaigns"):
        op.add_column(
            table, sa.Column("language", sa.String(8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    for table in ("campaigns", "accounts"):
        op.drop_column(table, "language")
