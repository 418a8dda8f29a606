"""Account mail: one-time links (verify an address, reset a password) waiting to be sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_mail",
        sa.Column("token_id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("link_token", sa.String(200), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped')", name="ck_account_mail_status"
        ),
    )


def downgrade() -> None:
    op.drop_table("account_mail")
