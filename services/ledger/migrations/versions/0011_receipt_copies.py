"""Public copies of receipts: each publication by a campaign's creator, kept as made and never
changed (the newest of a receipt is the one shown); the entry keeps the original's hash.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_copies",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("receipt_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("thumbnail", sa.LargeBinary, nullable=False),
        sa.Column("published_by", sa.Uuid, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_receipt_copies_receipt",
        "receipt_copies",
        ["campaign_id", "receipt_sha256", "published_at"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # ledger_refuse_change() is migration 0002's: the journal's own refusal.
        op.execute("""
            CREATE TRIGGER receipt_copies_immutable
            BEFORE UPDATE OR DELETE OR TRUNCATE ON receipt_copies
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            message = f"a published copy is kept as made: {operation} on receipt_copies is refused"
            op.execute(f"""
                CREATE TRIGGER receipt_copies_no_{operation.lower()}
                BEFORE {operation} ON receipt_copies
                BEGIN
                    SELECT RAISE(ABORT, '{message}');
                END
            """)


def downgrade() -> None:
    op.drop_table("receipt_copies")
