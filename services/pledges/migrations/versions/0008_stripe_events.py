"""The inbox of Stripe's webhook events: each Stripe event id takes effect once.

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

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("created", Timestamp, nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.Column("took_effect", sa.Boolean, nullable=False),
    )
    op.create_index("ix_stripe_events_created", "stripe_events", ["created"])


def downgrade() -> None:
    op.drop_index("ix_stripe_events_created", "stripe_events")
    op.drop_table("stripe_events")
