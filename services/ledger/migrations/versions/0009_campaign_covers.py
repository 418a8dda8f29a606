"""Campaigns' cover pictures (the report's rendition), from `campaign.cover_changed` events.

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


def upgrade() -> None:
    op.create_table(
        "campaign_covers",
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("jpeg", sa.LargeBinary, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_covers")
