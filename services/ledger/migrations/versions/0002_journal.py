"""The journal: entries, postings, running balances, the Merkle log and its checkpoints.

The database itself keeps the journal append-only: triggers refuse UPDATE and DELETE (and on
PostgreSQL TRUNCATE) on entries, postings, tree nodes and checkpoints, and an entry is only
accepted when its postings are already there, at least two, summing to zero, and when it
follows the previous entry without a gap; once it is, no posting can be added to it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("journal_entries", "journal_postings", "merkle_nodes", "checkpoints")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "budget_lines", sa.Column("position", sa.Integer, nullable=False, server_default="0")
    )
    op.create_table(
        "journals",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("size", sa.BigInteger, sa.CheckConstraint("size >= 0"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    # Campaigns the ledger already heard of get their (empty) journal now; later ones get it
    # from their first campaign event.
    op.execute(
        "INSERT INTO journals (campaign_id, size, created_at)"
        " SELECT id, 0, CURRENT_TIMESTAMP FROM campaigns"
    )
    op.create_table(
        "journal_entries",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.CheckConstraint("seq >= 0"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("memo", sa.Text, nullable=True),
        sa.Column("vendor", sa.String(200), nullable=True),
        sa.Column("incurred_on", sa.Date, nullable=True),
        sa.Column("receipt_sha256", sa.String(64), nullable=True),
        sa.Column("pledge_id", sa.Uuid, nullable=True),
        sa.Column("reverses_seq", sa.BigInteger, nullable=True),
        sa.Column("event_id", sa.Uuid, nullable=True),
        sa.Column("recorded_by", sa.Uuid, nullable=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("leaf_data", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.CheckConstraint(
            "kind IN ('contribution', 'refund', 'expense', 'reversal')", name="ck_entry_kind"
        ),
        sa.CheckConstraint(
            "reverses_seq IS NULL OR reverses_seq < seq", name="ck_reverses_earlier"
        ),
    )
    for name, columns, unique in (
        ("uq_entry_event", ["event_id"], True),
        ("uq_entry_reversal", ["campaign_id", "reverses_seq"], True),
        ("ix_entry_receipt", ["campaign_id", "receipt_sha256"], False),
    ):
        present = sa.text(f"{columns[-1]} IS NOT NULL")
        op.create_index(
            name,
            "journal_entries",
            columns,
            unique=unique,
            postgresql_where=present,
            sqlite_where=present,
        )
    op.create_table(
        "journal_postings",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("position", sa.SmallInteger, primary_key=True),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount <> 0"), nullable=False),
    )
    op.create_table(
        "account_balances",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("account", sa.String(100), primary_key=True),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.CheckConstraint(
            "account <> 'assets:funds' OR balance >= 0", name="ck_funds_not_negative"
        ),
    )
    op.create_table(
        "pledge_balances",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("pledge_id", sa.Uuid, primary_key=True),
        sa.Column("balance", sa.BigInteger, sa.CheckConstraint("balance >= 0"), nullable=False),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("level", sa.SmallInteger, primary_key=True),
        sa.Column("idx", sa.BigInteger, primary_key=True),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column(
            "tree_size", sa.BigInteger, sa.CheckConstraint("tree_size >= 0"), primary_key=True
        ),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("published_at", TS, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    # Statement-level, so that even an UPDATE or DELETE matching no row is refused.
    op.execute("""
        CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation',
                      HINT = 'correct a mistake with a reversal entry';
        END $$
    """)
    for table in APPEND_ONLY:
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
        """)
    op.execute("""
        CREATE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            legs integer;
            total numeric;
        BEGIN
            IF NEW.seq > 0 AND NOT EXISTS (
                SELECT 1 FROM journal_entries
                WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq - 1
            ) THEN
                RAISE EXCEPTION 'entry % of campaign % would leave a gap', NEW.seq, NEW.campaign_id
                    USING ERRCODE = 'check_violation';
            END IF;
            SELECT count(*), coalesce(sum(amount), 0) INTO legs, total FROM journal_postings
            WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq;
            IF legs < 2 OR total <> 0 THEN
                RAISE EXCEPTION 'entry % of campaign % has % postings summing to %, not >= 2 '
                    'summing to 0', NEW.seq, NEW.campaign_id, legs, total
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER journal_entries_double_entry BEFORE INSERT ON journal_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_check_entry()
    """)
    op.execute("""
        CREATE FUNCTION ledger_check_posting() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM journal_entries WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq
            ) THEN
                RAISE EXCEPTION 'entry % of campaign % is recorded; its postings are final',
                    NEW.seq, NEW.campaign_id USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER journal_postings_final BEFORE INSERT ON journal_postings
        FOR EACH ROW EXECUTE FUNCTION ledger_check_posting()
    """)


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            message = f"the ledger is append-only: {operation} on {table} is refused"
            op.execute(f"""
                CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}
                BEGIN
                    SELECT RAISE(ABORT, '{message}');
                END
            """)
    op.execute("""
        CREATE TRIGGER journal_entries_no_gap BEFORE INSERT ON journal_entries
        WHEN NEW.seq > 0 AND NOT EXISTS (
            SELECT 1 FROM journal_entries WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq - 1
        )
        BEGIN
            SELECT RAISE(ABORT, 'a journal entry would leave a gap in seq');
        END
    """)
    op.execute("""
        CREATE TRIGGER journal_entries_double_entry BEFORE INSERT ON journal_entries
        WHEN (SELECT count(*) FROM journal_postings
              WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq) < 2
          OR (SELECT coalesce(sum(amount), 0) FROM journal_postings
              WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq) <> 0
        BEGIN
            SELECT RAISE(ABORT, 'postings of a journal entry must be at least two, summing to 0');
        END
    """)
    op.execute("""
        CREATE TRIGGER journal_postings_final BEFORE INSERT ON journal_postings
        WHEN EXISTS (
            SELECT 1 FROM journal_entries WHERE campaign_id = NEW.campaign_id AND seq = NEW.seq
        )
        BEGIN
            SELECT RAISE(ABORT, 'the entry is recorded; its postings are final');
        END
    """)


def downgrade() -> None:
    # Dropping a table fires none of its row or TRUNCATE triggers, and drops them with it.
    for table in (
        "checkpoints",
        "merkle_nodes",
        "pledge_balances",
        "account_balances",
        "journal_postings",
        "journal_entries",
        "journals",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_check_posting()")
        op.execute("DROP FUNCTION ledger_check_entry()")
        op.execute("DROP FUNCTION ledger_refuse_change()")
    # A plain ALTER TABLE (SQLite ≥ 3.35 has DROP COLUMN); a batch copy would drop the
    # table's unnamed CHECK constraint.
    op.drop_column("budget_lines", "position")
