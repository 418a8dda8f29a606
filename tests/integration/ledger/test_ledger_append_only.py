"""The database itself keeps the journal append-only and double-entry: tried with raw SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from services.ledger.adapters.tables import APPEND_ONLY
from tests.integration.ledger.ledger_support import Ledger, post_expense

pytestmark = pytest.mark.both_databases

REFUSALS = (sa.exc.IntegrityError, sa.exc.InternalError, sa.exc.OperationalError)


@pytest.fixture
def books(ledger: Ledger) -> uuid.UUID:
    """A campaign with contributions, an expense and a published checkpoint."""
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    ledger.collect(campaign_id, 7_000)
    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    assert ledger.client.get(f"/api/v1/campaigns/{campaign_id}/checkpoint").status_code == 200
    return campaign_id


def attempt(ledger: Ledger, sql: str, **params: object) -> Exception:
    """Run `sql` in its own transaction; it must be refused. Returns the error."""
    with pytest.raises(REFUSALS) as refused, ledger.engine.begin() as connection:
        connection.execute(sa.text(sql), params)
    return refused.value


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_update_and_delete_are_refused_on_every_append_only_table(
    ledger: Ledger, books: uuid.UUID, table: str
) -> None:
    before = ledger.counts()
    column = {
        "journal_entries": "memo",
        "journal_postings": "account",
        "merkle_nodes": "hash",
        "checkpoints": "note",
    }[table]
    value: object = b"\x00" * 32 if column == "hash" else "tampered"
    error = attempt(ledger, f"UPDATE {table} SET {column} = :value", value=value)
    assert "append-only" in str(error)
    assert "append-only" in str(attempt(ledger, f"DELETE FROM {table}"))
    assert "append-only" in str(
        attempt(ledger, f"DELETE FROM {table} WHERE campaign_id = :id", id=_db_id(ledger, books))
    )
    assert ledger.counts() == before


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_truncate_is_refused_on_postgresql(
    make_ledger: object, postgres_url: str, table: str
) -> None:
    ledger = make_ledger(postgres_url)  # type: ignore[operator]
    campaign_id, _, _ = ledger.open_campaign()
    ledger.collect(campaign_id, 1_000)
    ledger.client.get(f"/api/v1/campaigns/{campaign_id}/checkpoint")
    before = ledger.counts()
    assert "append-only" in str(attempt(ledger, f"TRUNCATE {table} CASCADE"))
    # Statement-level: even a change that matches no row is refused.
    assert "append-only" in str(attempt(ledger, f"DELETE FROM {table} WHERE false"))
    assert ledger.counts() == before


def test_an_entry_needs_balanced_postings_and_no_gap(ledger: Ledger, books: uuid.UUID) -> None:
    before = ledger.counts()
    entry = _entry_row(ledger, books, seq=3)
    insert_entry = (
        "INSERT INTO journal_entries (campaign_id, seq, kind, amount, currency, occurred_at,"
        " recorded_at, leaf_data, leaf_hash) VALUES (:campaign_id, :seq, 'expense', 10, 'EUR',"
        " :at, :at, :leaf, :leaf)"
    )
    posting = (
        "INSERT INTO journal_postings (campaign_id, seq, position, account, amount)"
        " VALUES (:campaign_id, :seq, :position, :account, :amount)"
    )
    # No postings at all.
    assert "postings" in str(attempt(ledger, insert_entry, **entry))
    # Postings that don't net out, written first as the ledger does.
    with pytest.raises(REFUSALS), ledger.engine.begin() as connection:
        for position, amount in enumerate((10, -9)):
            connection.execute(
                sa.text(posting),
                {**entry, "position": position, "account": f"a{position}", "amount": amount},
            )
        connection.execute(sa.text(insert_entry), entry)
    # A gap in seq, even with balanced postings.
    gap = {**entry, "seq": 7}
    with pytest.raises(REFUSALS) as refused, ledger.engine.begin() as connection:
        for position, amount in enumerate((10, -10)):
            connection.execute(
                sa.text(posting),
                {**gap, "position": position, "account": f"a{position}", "amount": amount},
            )
        connection.execute(sa.text(insert_entry), gap)
    assert "gap" in str(refused.value)
    # A leg added to an entry already recorded.
    assert "final" in str(
        attempt(
            ledger,
            posting,
            **{**entry, "seq": 0, "position": 9, "account": "assets:funds", "amount": 1},
        )
    )
    assert ledger.counts() == before


def test_only_a_refund_can_take_the_funds_below_zero_in_the_database(
    ledger: Ledger, books: uuid.UUID
) -> None:
    # The books hold 5,000 + 7,000 - 2,000 = 10,000 in three entries.
    before = ledger.counts()

    def append(connection: sa.Connection, kind: str, account: str, amount: int) -> None:
        """Entry 3 with the postings of `kind`, written in the ledger's order."""
        row = {**_entry_row(ledger, books, seq=3), "kind": kind, "amount": amount}
        legs = [(account, amount), ("assets:funds", -amount)]
        for position, (name, leg) in enumerate(legs):
            connection.execute(
                sa.text(
                    "INSERT INTO journal_postings (campaign_id, seq, position, account, amount)"
                    " VALUES (:campaign_id, :seq, :position, :account, :amount)"
                ),
                {**row, "position": position, "account": name, "amount": leg},
            )
        connection.execute(
            sa.text(
                "INSERT INTO journal_entries (campaign_id, seq, kind, amount, currency,"
                " occurred_at, recorded_at, leaf_data, leaf_hash) VALUES (:campaign_id, :seq,"
                " :kind, :amount, 'EUR', :at, :at, :leaf, :leaf)"
            ),
            row,
        )

    with pytest.raises(REFUSALS) as refused, ledger.engine.begin() as connection:
        append(connection, "expense", "expenses:printing", 10_001)
    assert "below zero" in str(refused.value)
    # A refund that really happened is written even when the money was spent.
    with ledger.engine.connect() as connection:
        transaction = connection.begin()
        append(connection, "refund", "income:refunds", 10_001)
        transaction.rollback()
    assert ledger.counts() == before
    balance = ledger.client.get(f"/api/v1/campaigns/{books}/balance").json
    assert (balance["available"], balance["shortfall"]) == (10_000, 0)


def _db_id(ledger: Ledger, campaign_id: uuid.UUID) -> object:
    """The campaign id as this database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return str(campaign_id) if ledger.engine.dialect.name == "postgresql" else campaign_id.hex


def _entry_row(ledger: Ledger, campaign_id: uuid.UUID, seq: int) -> dict[str, object]:
    return {
        "campaign_id": _db_id(ledger, campaign_id),
        "seq": seq,
        "at": datetime.now(UTC),
        "leaf": b"x" * 32,
    }
