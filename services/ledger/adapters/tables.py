"""The ledger's own database tables (SQLAlchemy Core); migrations create and change them."""

import sqlalchemy as sa

from shared.db import UtcDateTime, add_plumbing_tables

metadata = sa.MetaData()

#: The ledger's read model of a campaign, kept from pledge-service events; never asked back.
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("goal_amount", sa.BigInteger, nullable=False),
    sa.Column("funding_model", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("deadline", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

#: The creator's planned budget by category, for the budget-against-actual report.
budget_lines = sa.Table(
    "budget_lines",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
)

TABLES: dict[str, sa.Table] = {
    **add_plumbing_tables(metadata),
    "campaigns": campaigns,
    "budget_lines": budget_lines,
}
