"""Self sign-up: credentials (password hash, verified address), one-time links, failed sign-ins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_credentials",
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("password_changed_at", Timestamp, nullable=False),
        sa.Column("email_verified_at", Timestamp, nullable=True),
    )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("used_at", Timestamp, nullable=True),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("failed_at", Timestamp, nullable=False),
    )
    op.create_index("ix_sign_in_failures_email", "sign_in_failures", ["email_key", "failed_at"])
    op.create_index(
        "ix_sign_in_failures_client", "sign_in_failures", ["client_address", "failed_at"]
    )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("account_links")
    op.drop_table("account_credentials")
