"""Who backed each pledge, from `pledge.collected`: for auditors' exports, never in leaf data.

The journal's entries (and so the public log) carry only opaque pledge ids. Auditors' exports
add the backer account behind each pledge; the ledger learns it from the `pledge.collected`
event and keeps it here, apart from the append-only tables, so the log stays the same for
everyone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pledge_backers",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("pledge_id", sa.Uuid, primary_key=True),
        sa.Column("backer_id", sa.Uuid, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pledge_backers")
