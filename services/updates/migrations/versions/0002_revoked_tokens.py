"""The revoked-tokens plumbing table: single tokens refused by id, from `token.revoked`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

from shared.migrations import create_revoked_tokens_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_revoked_tokens_table()


def downgrade() -> None:
    op.drop_table("revoked_tokens")
