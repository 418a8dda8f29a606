"""The updates service's own database tables (SQLAlchemy Core); migrations create them."""

import sqlalchemy as sa

from services.updates.adapters.mail_tables import mail_tables
from shared.db import UtcDateTime, add_plumbing_tables

metadata = sa.MetaData()

#: What the updates service knows of a campaign: enough to title feeds, check its creator and
#: tell when its pledges reach the goal (goal and currency are null until the next campaign
#: event for campaigns heard of before they were kept).
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("goal_amount", sa.BigInteger, nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    #: No money moves for it (the pledges service's record-only gateway): its mail says so.
    sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
    #: What its automatic updates are written in (migration 0009).
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
)

#: Updates as they stand now; each one's every version is in `update_revisions`. Never deleted.
updates = sa.Table(
    "updates",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    #: Automatic updates only: what they announce ("launched", "report:<id>"), once per campaign.
    sa.Column("automatic_key", sa.String(100), nullable=True),
    #: The creator who wrote it; null for automatic ones.
    sa.Column("author_id", sa.Uuid, nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    #: Markdown, stored exactly as written.
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("pinned", sa.Boolean, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    sa.Column("revised_at", UtcDateTime(), nullable=True),
    sa.Column("revision_count", sa.Integer, nullable=False),
    sa.Column("retracted_at", UtcDateTime(), nullable=True),
    sa.Column("retraction_reason", sa.String(1000), nullable=True),
    sa.UniqueConstraint("campaign_id", "automatic_key", name="uq_update_automatic_key"),
    sa.CheckConstraint("kind IN ('manual', 'automatic')", name="ck_update_kind"),
    sa.CheckConstraint("visibility IN ('public', 'backers')", name="ck_update_visibility"),
)

#: Every version of every update, the first one included; append-only in the database.
update_revisions = sa.Table(
    "update_revisions",
    metadata,
    sa.Column("update_id", sa.Uuid, sa.ForeignKey("updates.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: Questions and answers under updates. Hidden ones keep their row (and text, for the record).
comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("update_id", sa.Uuid, sa.ForeignKey("updates.id"), nullable=False, index=True),
    sa.Column("campaign_id", sa.Uuid, nullable=False),
    sa.Column("author_id", sa.Uuid, nullable=False),
    sa.Column("in_reply_to", sa.Uuid, sa.ForeignKey("comments.id"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("posted_at", UtcDateTime(), nullable=False),
    sa.Column("hidden_at", UtcDateTime(), nullable=True),
    sa.Column("hidden_reason", sa.String(1000), nullable=True),
    sa.Column("hidden_by", sa.Uuid, nullable=True),
    # The rate limit counts an account's recent comments.
    sa.Index("ix_comments_author_posted", "author_id", "posted_at"),
)

#: The backer roster: each pledge of each campaign and where it stands, from pledge events.
backer_pledges = sa.Table(
    "backer_pledges",
    metadata,
    sa.Column("pledge_id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, nullable=False, index=True),
    sa.Column("backer_id", sa.Uuid, nullable=False),
    #: pledged, payment_failed, dropped, cancelled, collected, released or refunded (wholly).
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

#: E-mail notifications (adapters/mail_tables.py): addresses, unsubscriptions, mail outbox.
MAIL_TABLES = mail_tables(metadata)

TABLES: dict[str, sa.Table] = {
    **add_plumbing_tables(metadata),
    "campaigns": campaigns,
    "updates": updates,
    "update_revisions": update_revisions,
    "comments": comments,
    "backer_pledges": backer_pledges,
    **MAIL_TABLES,
}
