"""Creators' payout accounts at the payment provider (Stripe Connect Express) and their state.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payout_accounts",
        sa.Column("creator_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("account_id", sa.String(255), nullable=False, unique=True),
        sa.Column("details_submitted", sa.Boolean, nullable=False),
        sa.Column("charges_enabled", sa.Boolean, nullable=False),
        sa.Column("payouts_enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payout_accounts")
