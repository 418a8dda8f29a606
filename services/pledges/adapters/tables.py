"""The pledges service's own database tables (SQLAlchemy Core); migrations create them.

Rules that must hold whatever the code does are also constraints here: a limited tier's `taken`
never exceeds its `limit`, amounts are positive.
"""

import sqlalchemy as sa

from shared.db import UtcDateTime, add_plumbing_tables

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("goal_amount", sa.BigInteger, sa.CheckConstraint("goal_amount > 0"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("deadline", UtcDateTime(), nullable=False),
    sa.Column("funding_model", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("pledged_amount", sa.BigInteger, nullable=False),
    sa.Column("backers_count", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("launched_at", UtcDateTime(), nullable=True),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
)

tiers = sa.Table(
    "tiers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("min_amount", sa.BigInteger, sa.CheckConstraint("min_amount >= 0"), nullable=False),
    sa.Column("limit", sa.Integer, nullable=True),
    sa.Column("taken", sa.Integer, nullable=False),
    sa.CheckConstraint('"limit" IS NULL OR taken <= "limit"', name="ck_tiers_not_oversold"),
)

budget_lines = sa.Table(
    "budget_lines",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
)

TABLES: dict[str, sa.Table] = {
    **add_plumbing_tables(metadata),
    "accounts": accounts,
    "campaigns": campaigns,
    "tiers": tiers,
    "budget_lines": budget_lines,
}
