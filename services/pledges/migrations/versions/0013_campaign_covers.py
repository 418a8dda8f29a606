"""A campaign's cover picture, named by its SHA-256 (the files live in the picture store).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("cover_sha256", sa.String(64), nullable=True))
        batch.create_index("ix_campaigns_cover_sha256", ["cover_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_index("ix_campaigns_cover_sha256")
        batch.drop_column("cover_sha256")
