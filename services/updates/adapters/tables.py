"""The updates service's own database tables (SQLAlchemy Core); migrations create them."""

import sqlalchemy as sa

from shared.db import UtcDateTime, add_plumbing_tables

metadata = sa.MetaData()

#: What the updates service knows of a campaign: enough to title feeds and check its creator.
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

TABLES: dict[str, sa.Table] = {**add_plumbing_tables(metadata), "campaigns": campaigns}
