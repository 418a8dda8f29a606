"""Campaigns say whether their money was real: `test_mode`, from the campaign's events.

Campaigns heard of before carry true: their events predate payments, when no money moved.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: the table keeps its constraints on SQLite.
    op.add_column(
        "campaigns",
        sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("campaigns", "test_mode")
