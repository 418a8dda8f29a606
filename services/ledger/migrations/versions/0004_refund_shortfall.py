"""Refunds may take the funds below zero; nothing else may: the check moves to entry inserts.

A `pledge.refunded` event reports money already given back, so the ledger records it even when
the money was spent, and `assets:funds` then stands below zero by the campaign's shortfall. The
row CHECK `ck_funds_not_negative` on `account_balances` cannot tell a refund from an expense, so
it goes; in its place a trigger on `journal_entries` refuses any entry other than a refund whose
`assets:funds` posting would take the funds below zero (an expense, or a reversal re-instating
one), keeping the no-overspending rule in the database as well as in the domain.

The trigger reads the funds before the entry as the ledger writes an append: postings first,
then entries, then running balances, and the journal's new size last. So the funds before entry
N are the `account_balances` row (entries below the journal's size) plus the funds postings of
the entries of the same write that come before N.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE = "only a refund may take assets:funds below zero"

#: The funds posting of the entry being inserted (negative: money out).
CHANGE = """(
    SELECT coalesce(sum(p.amount), 0) FROM journal_postings p
    WHERE p.campaign_id = NEW.campaign_id AND p.seq = NEW.seq AND p.account = 'assets:funds'
)"""
#: The funds just before the entry being inserted.
BEFORE = """(
    coalesce((
        SELECT b.balance FROM account_balances b
        WHERE b.campaign_id = NEW.campaign_id AND b.account = 'assets:funds'
    ), 0)
    + (
        SELECT coalesce(sum(p.amount), 0) FROM journal_postings p
        WHERE p.campaign_id = NEW.campaign_id AND p.account = 'assets:funds' AND p.seq < NEW.seq
          AND p.seq >= (SELECT j.size FROM journals j WHERE j.campaign_id = NEW.campaign_id)
    )
)"""


def upgrade() -> None:
    with op.batch_alter_table("account_balances") as batch:
        batch.drop_constraint("ck_funds_not_negative", type_="check")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION ledger_check_spending() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                change bigint := {CHANGE};
                before bigint := {BEFORE};
            BEGIN
                IF change < 0 AND before + change < 0 THEN
                    RAISE EXCEPTION '{MESSAGE}: entry % of campaign % (a %) needs % with % there',
                        NEW.seq, NEW.campaign_id, NEW.kind, -change, before
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$
        """)
        op.execute("""
            CREATE TRIGGER journal_entries_no_overspend BEFORE INSERT ON journal_entries
            FOR EACH ROW WHEN (NEW.kind <> 'refund') EXECUTE FUNCTION ledger_check_spending()
        """)
    else:
        op.execute(f"""
            CREATE TRIGGER journal_entries_no_overspend BEFORE INSERT ON journal_entries
            WHEN NEW.kind <> 'refund' AND {CHANGE} < 0 AND {BEFORE} + {CHANGE} < 0
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}');
            END
        """)


def downgrade() -> None:
    # Refused by the database if some campaign is short: its books could not go back.
    op.execute("DROP TRIGGER journal_entries_no_overspend" + _on_entries())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ledger_check_spending()")
    with op.batch_alter_table("account_balances") as batch:
        batch.create_check_constraint(
            "ck_funds_not_negative", "account <> 'assets:funds' OR balance >= 0"
        )


def _on_entries() -> str:
    return " ON journal_entries" if op.get_bind().dialect.name == "postgresql" else ""
