"""Saved cards: each backer's customer at the payment provider, and on each pledge the saved
payment method, the latest hosted checkout page and how many were opened.

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

Timestamp = sa.DateTime(timezone=True)


# Plain ALTER TABLE, not a batch, as in 0007: a batch would lose SQLite's unnamed CHECKs.


def upgrade() -> None:
    op.add_column("pledges", sa.Column("payment_method_id", sa.String(255), nullable=True))
    op.add_column("pledges", sa.Column("checkout_session_id", sa.String(255), nullable=True))
    op.add_column(
        "pledges",
        sa.Column("card_setup_attempt", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "payment_customers",
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("customer_id", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", Timestamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payment_customers")
    op.drop_column("pledges", "card_setup_attempt")
    op.drop_column("pledges", "checkout_session_id")
    op.drop_column("pledges", "payment_method_id")
