"""Readers' addresses and campaigns have a language (`en` or `id`): mail and automatic updates
are written in it. Rows from before are English, as everything then was.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("campaigns", "mail_addresses")


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: the tables keep their constraints on SQLite.
    for table in TABLES:
        op.add_column(
            table, sa.Column("language", sa.String(8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "language")
