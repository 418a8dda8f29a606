"""Pledges, and the first answers to idempotency keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False, index=True
        ),
        sa.Column("backer_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tier_id", sa.Uuid, sa.ForeignKey("tiers.id"), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger, nullable=False),
        sa.Column("payment_reference", sa.String(200), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="ck_pledges_refund_within"
        ),
    )
    op.create_index(
        "uq_pledges_one_active_per_backer",
        "pledges",
        ["campaign_id", "backer_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pledged'"),
        sqlite_where=sa.text("status = 'pledged'"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_index("uq_pledges_one_active_per_backer", table_name="pledges")
    op.drop_table("pledges")
