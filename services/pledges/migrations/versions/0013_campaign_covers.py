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


# Plain ALTER TABLE, not a batch: SQLite's batch mode recreates the table and would drop its
# unnamed CHECK constraints (a campaign's status, funding model...).
def upgrade() -> None:
    op.add_column("campaigns", sa.Column("cover_sha256", sa.String(64), nullable=True))
    op.create_index("ix_campaigns_cover_sha256", "campaigns", ["cover_sha256"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_cover_sha256", table_name="campaigns")
    op.drop_column("campaigns", "cover_sha256")
