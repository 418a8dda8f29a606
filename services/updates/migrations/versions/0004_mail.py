"""E-mail notifications: readers' addresses, unsubscriptions, and the mail outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_addresses",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "mail_unsubscriptions",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("unsubscribed_at", TS, nullable=False),
    )
    op.create_table(
        "mail_updates",
        sa.Column("update_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("campaign_title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("published_at", TS, nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("update_id", sa.Uuid, sa.ForeignKey("mail_updates.update_id"), nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.UniqueConstraint("update_id", "account_id", name="uq_mail_outbox_update_account"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped')", name="ck_mail_outbox_status"
        ),
    )
    op.create_index(
        "ix_mail_outbox_due",
        "mail_outbox",
        ["next_try_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    for name in ("mail_outbox", "mail_updates", "mail_unsubscriptions", "mail_addresses"):
        op.drop_table(name)
