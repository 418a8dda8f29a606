"""Sign-up attempts per client, and when an owner was last told of activity on their address.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_up_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("attempted_at", Timestamp, nullable=False),
    )
    op.create_index(
        "ix_sign_up_attempts_client", "sign_up_attempts", ["client_address", "attempted_at"]
    )
    op.create_table(
        "account_notices",
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("sent_at", Timestamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_notices")
    op.drop_table("sign_up_attempts")
