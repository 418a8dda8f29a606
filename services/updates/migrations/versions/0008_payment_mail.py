"""Payment notices (a failed payment, a dropped pledge, a dispute) join the account mail queue,
with their subject and text written when queued.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: links and account notices are written when sent, as before.
    op.add_column("account_mail", sa.Column("subject", sa.String(300), nullable=True))
    op.add_column("account_mail", sa.Column("body", sa.Text, nullable=True))


def downgrade() -> None:
    for column in ("body", "subject"):
        op.drop_column("account_mail", column)
