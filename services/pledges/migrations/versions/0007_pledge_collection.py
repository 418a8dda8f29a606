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


def upgrade() -> None:
    with op.batch_alter_table("pledges") as batch:
        # Pledges collected before this had one attempt, the one that collected them.
        batch.add_column(
            sa.Column("collection_attempt", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("grace_ends_at", Timestamp, nullable=True))
        batch.add_column(sa.Column("payment_failure_code", sa.String(64), nullable=True))
        batch.create_index("ix_pledges_grace_ends_at", ["grace_ends_at"])
    op.execute(
        "UPDATE pledges SET collection_attempt = 1 WHERE status IN ('collected', 'refunded')"
    )


def downgrade() -> None:
    with op.batch_alter_table("pledges") as batch:
        batch.drop_index("ix_pledges_grace_ends_at")
        batch.drop_column("payment_failure_code")
        batch.drop_column("grace_ends_at")
        batch.drop_column("collection_attempt")
