"""Campaigns say whether their money is real: `test_mode`, true for every campaign before it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Campaigns drafted before payments only ever met the record-only gateway: no money moved.
    # Plain ALTER TABLE, not a batch, so SQLite keeps the table's unnamed CHECK constraints.
    op.add_column(
        "campaigns",
        sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_column("campaigns", "test_mode")
