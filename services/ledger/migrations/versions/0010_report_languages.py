"""A published report in each other language (Bahasa Indonesia): its own PDF, HTML and SHA-256,
made from the same checkpoint with the same attachments, as immutable as the report itself.

The English rendering stays in `reports` (its `sha256` is still the one the list, the ETag
and `report.published` announce); reports published before this revision exist in English only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_languages",
        sa.Column("report_id", sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ledger_refuse_change() is migration 0002's: the journal's own refusal.
        op.execute("""
            CREATE TRIGGER report_languages_immutable
            BEFORE UPDATE OR DELETE OR TRUNCATE ON report_languages
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            message = f"a published report is immutable: {operation} on report_languages is refused"
            op.execute(f"""
                CREATE TRIGGER report_languages_no_{operation.lower()}
                BEFORE {operation} ON report_languages
                BEGIN
                    SELECT RAISE(ABORT, '{message}');
                END
            """)


def downgrade() -> None:
    op.drop_table("report_languages")
