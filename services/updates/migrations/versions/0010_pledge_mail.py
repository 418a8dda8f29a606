"""Pledge and question mail: notices that are not transactional (a creator's new pledges and
questions, a retracted update's notice) carry the campaign and the kind of mail they belong to,
so each kind can be stopped by itself; the pledges a creator's new-pledge mail gathers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Nullable: links, account notices and the backer's own pledge mail belong to no list.
    op.add_column("account_mail", sa.Column("campaign_id", sa.Uuid, nullable=True))
    op.add_column("account_mail", sa.Column("list_kind", sa.String(20), nullable=True))
    op.create_table(
        "mail_list_unsubscriptions",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("list_kind", sa.String(20), primary_key=True),
        sa.Column("unsubscribed_at", TS, nullable=False),
    )
    op.create_table(
        "pledge_notices",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("mail_id", sa.Uuid, nullable=False),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tier_name", sa.String(200), nullable=True),
        sa.Column("pledged_at", TS, nullable=False),
    )
    op.create_index("ix_pledge_notices_mail_id", "pledge_notices", ["mail_id"])


def downgrade() -> None:
    op.drop_index("ix_pledge_notices_mail_id", table_name="pledge_notices")
    op.drop_table("pledge_notices")
    op.drop_table("mail_list_unsubscriptions")
    for column in ("list_kind", "campaign_id"):
        op.drop_column("account_mail", column)
