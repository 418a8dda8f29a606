"""Published spending reports, kept immutable by the database, and the reports the worker owes.

`reports` holds each published report (its PDF and HTML, their SHA-256, the checkpoint it was
built from), one per campaign and tree size; like the journal, triggers refuse UPDATE and DELETE
(and on PostgreSQL TRUNCATE) on it. `report_schedule` is the worker's to-do list: one row per
campaign at settlement and per month with activity, marked with the report that met it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), nullable=False),
        sa.Column("tree_size", sa.BigInteger, sa.CheckConstraint("tree_size >= 0"), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.UniqueConstraint("campaign_id", "tree_size", name="uq_report_tree_size"),
    )
    op.create_table(
        "report_schedule",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("occasion", sa.String(20), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("expected_contributions", sa.Integer, nullable=True),
        sa.Column("report_id", sa.Uuid, sa.ForeignKey("reports.id"), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ledger_refuse_change() is migration 0002's: the journal's own refusal.
        op.execute("""
            CREATE TRIGGER reports_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON reports
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            message = f"a published report is immutable: {operation} on reports is refused"
            op.execute(f"""
                CREATE TRIGGER reports_no_{operation.lower()} BEFORE {operation} ON reports
                BEGIN
                    SELECT RAISE(ABORT, '{message}');
                END
            """)


def downgrade() -> None:
    # Dropping the table drops its triggers (and fires none of them).
    op.drop_table("report_schedule")
    op.drop_table("reports")
