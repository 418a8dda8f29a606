"""Updates, their revisions, comments and the backer roster; campaigns gain goal and currency.

Nothing is ever hard-deleted: triggers refuse DELETE on updates and comments, and any change
to a revision once written, so an edit or a retraction can only add to the record.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: (trigger name, table, refused operations)
GUARDS = (
    ("updates_never_deleted", "updates", ("DELETE",)),
    ("comments_never_deleted", "comments", ("DELETE",)),
    ("update_revisions_append_only", "update_revisions", ("UPDATE", "DELETE")),
)
MESSAGE = "updates, revisions and comments are never deleted or rewritten"


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("goal_amount", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("currency", sa.String(3), nullable=True))
    op.create_table(
        "updates",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("automatic_key", sa.String(100), nullable=True),
        sa.Column("author_id", sa.Uuid, nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("revised_at", TS, nullable=True),
        sa.Column("revision_count", sa.Integer, nullable=False),
        sa.Column("retracted_at", TS, nullable=True),
        sa.Column("retraction_reason", sa.String(1000), nullable=True),
        sa.UniqueConstraint("campaign_id", "automatic_key", name="uq_update_automatic_key"),
        sa.CheckConstraint("kind IN ('manual', 'automatic')", name="ck_update_kind"),
        sa.CheckConstraint("visibility IN ('public', 'backers')", name="ck_update_visibility"),
    )
    op.create_index("ix_updates_campaign_id", "updates", ["campaign_id"])
    op.create_table(
        "update_revisions",
        sa.Column("update_id", sa.Uuid, sa.ForeignKey("updates.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("update_id", sa.Uuid, sa.ForeignKey("updates.id"), nullable=False),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("author_id", sa.Uuid, nullable=False),
        sa.Column("in_reply_to", sa.Uuid, sa.ForeignKey("comments.id"), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("posted_at", TS, nullable=False),
        sa.Column("hidden_at", TS, nullable=True),
        sa.Column("hidden_reason", sa.String(1000), nullable=True),
        sa.Column("hidden_by", sa.Uuid, nullable=True),
    )
    op.create_index("ix_comments_update_id", "comments", ["update_id"])
    op.create_index("ix_comments_author_posted", "comments", ["author_id", "posted_at"])
    op.create_table(
        "backer_pledges",
        sa.Column("pledge_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("backer_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_backer_pledges_campaign_id", "backer_pledges", ["campaign_id"])
    _create_guards()


def downgrade() -> None:
    # SQLite drops a table's triggers with the table; PostgreSQL keeps the function.
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _ in GUARDS:
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute("DROP FUNCTION updates_refuse_change()")
    op.drop_table("backer_pledges")
    op.drop_table("comments")
    op.drop_table("update_revisions")
    op.drop_table("updates")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("currency")
        batch.drop_column("goal_amount")


def _create_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION updates_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END $$
        """)
        for name, table, operations in GUARDS:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {' OR '.join(operations)} ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION updates_refuse_change()"
            )
        return
    for name, table, operations in GUARDS:
        # SQLite triggers take one operation each.
        for operation in operations:
            op.execute(
                f"CREATE TRIGGER {name}_{operation.lower()}"
                f" BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
