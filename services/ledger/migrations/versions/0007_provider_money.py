"""Fees and disputes from the payment provider: three entry kinds, the provider's ids, disputes.

Entries gain the kinds `fee`, `dispute` and `dispute_reversal` and two columns, the provider's
reference and event id, copied from the leaf (a unique index lets the provider's reference make
at most one entry of a kind, per fee kind). Fees and disputes, like refunds, report money that
already moved, so the overspending trigger of migration 0004 lets them take the funds below
zero too. `disputes` keeps where each dispute stands: a lost one moves no money and has no entry.

On SQLite the kind CHECK is changed in the stored schema (see `_widen_sqlite_kinds`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('contribution', 'refund', 'expense', 'reversal')"
NEW_KINDS = (
    "kind IN ('contribution', 'refund', 'expense', 'reversal', 'fee', 'dispute',"
    " 'dispute_reversal')"
)
#: The kinds that report money already gone, so may take the funds below zero.
OVERDRAWING = "('refund', 'fee', 'dispute')"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.add_column("journal_entries", sa.Column("provider_reference", sa.String(200)))
        op.add_column("journal_entries", sa.Column("provider_event_id", sa.String(200)))
        op.drop_constraint("ck_entry_kind", "journal_entries", type_="check")
        op.create_check_constraint("ck_entry_kind", "journal_entries", NEW_KINDS)
        _spending_trigger(postgresql, OVERDRAWING)
    else:
        op.add_column("journal_entries", sa.Column("provider_reference", sa.String(200)))
        op.add_column("journal_entries", sa.Column("provider_event_id", sa.String(200)))
        _widen_sqlite_kinds(OLD_KINDS, NEW_KINDS, OVERDRAWING)
    op.create_index(
        "uq_entry_provider_reference",
        "journal_entries",
        ["campaign_id", "kind", "provider_reference", sa.text("coalesce(category, '')")],
        unique=True,
        postgresql_where=sa.text("provider_reference IS NOT NULL"),
        sqlite_where=sa.text("provider_reference IS NOT NULL"),
    )
    op.create_table(
        "disputes",
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
        sa.Column("reference", sa.String(200), primary_key=True),
        sa.Column("pledge_id", sa.Uuid, nullable=False),
        sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_seq", sa.BigInteger, nullable=False),
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="ck_dispute_status"),
    )


def downgrade() -> None:
    # Refused by the database while any provider entry exists: the old books could not hold it.
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_table("disputes")
    op.drop_index("uq_entry_provider_reference", "journal_entries")
    if postgresql:
        op.drop_constraint("ck_entry_kind", "journal_entries", type_="check")
        op.create_check_constraint("ck_entry_kind", "journal_entries", OLD_KINDS)
        _spending_trigger(postgresql, "('refund')")
        op.drop_column("journal_entries", "provider_event_id")
        op.drop_column("journal_entries", "provider_reference")
    else:
        _widen_sqlite_kinds(NEW_KINDS, OLD_KINDS, "('refund')")
        op.drop_column("journal_entries", "provider_event_id")
        op.drop_column("journal_entries", "provider_reference")


def _spending_trigger(postgresql: bool, overdrawing: str) -> None:
    """Migration 0004's trigger again, letting `overdrawing` kinds take the funds below zero."""
    m0004 = _sibling("0004_refund_shortfall.py")
    if postgresql:
        op.execute("DROP TRIGGER journal_entries_no_overspend ON journal_entries")
        op.execute(f"""
            CREATE TRIGGER journal_entries_no_overspend BEFORE INSERT ON journal_entries
            FOR EACH ROW WHEN (NEW.kind NOT IN {overdrawing})
            EXECUTE FUNCTION ledger_check_spending()
        """)
        return
    op.execute(f"""
        CREATE TRIGGER journal_entries_no_overspend BEFORE INSERT ON journal_entries
        WHEN NEW.kind NOT IN {overdrawing} AND {m0004.CHANGE} < 0
            AND {m0004.BEFORE} + {m0004.CHANGE} < 0
        BEGIN
            SELECT RAISE(ABORT, '{m0004.MESSAGE}');
        END
    """)


def _widen_sqlite_kinds(old: str, new: str, overdrawing: str) -> None:
    """Change the kind CHECK in SQLite's stored schema, as SQLite's documentation allows for a
    change that leaves every stored row valid (ALTER TABLE, "other kinds of schema changes"):
    a rebuilt table would lose the unnamed CHECKs and trip the triggers naming it."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new)"
            " WHERE type = 'table' AND name = 'journal_entries'"
        ),
        {"old": old, "new": new},
    )
    stored = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'journal_entries'"
    ).scalar_one()
    if new not in stored:
        raise RuntimeError("journal_entries has a kind CHECK this migration does not know")
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    op.execute("DROP TRIGGER journal_entries_no_overspend")
    _spending_trigger(False, overdrawing)


def _sibling(name: str) -> ModuleType:
    """An earlier migration of this directory, for the SQL it wrote (not a package: by path)."""
    spec = importlib.util.spec_from_file_location(
        f"ledger_migration_{name[:4]}", Path(__file__).with_name(name)
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
