"""The pledges service's first tables: plumbing, accounts, campaigns, tiers and budgets.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_plumbing_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_plumbing_tables_v1()
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("creator_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column(
            "goal_amount", sa.BigInteger, sa.CheckConstraint("goal_amount > 0"), nullable=False
        ),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("deadline", Timestamp, nullable=False),
        sa.Column("funding_model", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("pledged_amount", sa.BigInteger, nullable=False),
        sa.Column("backers_count", sa.Integer, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("launched_at", Timestamp, nullable=True),
        sa.Column("ended_at", Timestamp, nullable=True),
    )
    op.create_table(
        "tiers",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False, index=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column(
            "min_amount", sa.BigInteger, sa.CheckConstraint("min_amount >= 0"), nullable=False
        ),
        sa.Column("limit", sa.Integer, nullable=True),
        sa.Column("taken", sa.Integer, nullable=False),
        sa.CheckConstraint('"limit" IS NULL OR taken <= "limit"', name="ck_tiers_not_oversold"),
    )
    op.create_table(
        "budget_lines",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
    )


def downgrade() -> None:
    for name in ("budget_lines", "tiers", "campaigns", "accounts"):
        op.drop_table(name)
    for name in ("revoked_accounts", "processed_events", "outbox"):
        op.drop_table(name)
