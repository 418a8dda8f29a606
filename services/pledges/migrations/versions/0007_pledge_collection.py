"""Asynchronous collection: a pledge's attempts, its grace period and the last failure's code.

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

Timestamp = sa.DateTime(timezone=True)


# Plain ALTER TABLE, not a batch: recreating the table on SQLite would lose its unnamed CHECK
# constraints (SQLite has added and dropped columns in place since 3.35).


def upgrade() -> None:
    # Pledges collected before this had one attempt, the one that collected them.
    op.add_column(
        "pledges",
        sa.Column("collection_attempt", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column("pledges", sa.Column("grace_ends_at", Timestamp, nullable=True))
    op.add_column("pledges", sa.Column("payment_failure_code", sa.String(64), nullable=True))
    op.create_index("ix_pledges_grace_ends_at", "pledges", ["grace_ends_at"])
    op.execute(
        "UPDATE pledges SET collection_attempt = 1 WHERE status IN ('collected', 'refunded')"
    )


def downgrade() -> None:
    op.drop_index("ix_pledges_grace_ends_at", "pledges")
    op.drop_column("pledges", "payment_failure_code")
    op.drop_column("pledges", "grace_ends_at")
    op.drop_column("pledges", "collection_attempt")
