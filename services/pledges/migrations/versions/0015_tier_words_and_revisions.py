"""Tiers say what backers get and when; a launched campaign's revisions are kept (issue 18).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch, so SQLite keeps the tables' unnamed CHECK constraints.
    op.add_column("tiers", sa.Column("description", sa.Text, nullable=False, server_default=""))
    op.add_column("tiers", sa.Column("delivery_month", sa.String(7), nullable=True))
    op.add_column("campaigns", sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "campaign_revisions",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("tiers", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_revisions")
    op.drop_column("campaigns", "revised_at")
    op.drop_column("tiers", "delivery_month")
    op.drop_column("tiers", "description")
