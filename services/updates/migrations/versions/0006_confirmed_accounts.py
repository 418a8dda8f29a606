"""Proven addresses: only accounts whose owner followed the link (or an operator vouched for)
get update mail.

No row is made for addresses heard of before: nothing here says which were proven, and mailing
an unproven one is the hole this closes. They get mail again once the pledges service says so.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_confirmed_accounts",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mail_confirmed_accounts")
