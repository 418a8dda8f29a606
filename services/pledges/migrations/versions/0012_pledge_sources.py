"""Pledges remember where their backers came from: `source`, a share tag or referring host.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: pledges made before sources were kept count as direct visits.
    # Plain ALTER TABLE, not a batch, so SQLite keeps the table's unnamed CHECK constraints.
    op.add_column("pledges", sa.Column("source", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("pledges", "source")
