"""A poll batch of pledge events: handled in one transaction, with the log exactly as if each
event had been appended alone, and a failing event sending the batch the careful way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from services.ledger.adapters.merkle_nodes import SqlNodeStore
from services.ledger.adapters.tables import (
    account_balances,
    journal_entries,
    merkle_nodes,
    pledge_backers,
    pledge_balances,
)
from services.ledger.domain import Entry, merkle
from shared.consumer import EventConsumer, Outcome
from shared.events import Envelope, decode, encode
from tests.integration.ledger.ledger_support import Ledger, pledge_event

pytestmark = pytest.mark.both_databases


def records(envelopes: list[Envelope]) -> list[Any]:
    return [
        SimpleNamespace(
            value=encode(envelope), topic="pledges.events", partition=0, offset=n, key=None
        )
        for n, envelope in enumerate(envelopes)
    ]


def handle_batch(ledger: Ledger, envelopes: list[Envelope]) -> list[Outcome]:
    """Hand the envelopes to the ledger's consumer as one poll batch (no Kafka)."""
    dependencies = ledger.app.extensions["fundtrail"]
    consumer = EventConsumer(
        None,  # type: ignore[arg-type]  (no Kafka: the batch is handed in)
        ledger.dead_letters,  # type: ignore[arg-type]
        dependencies.uow_factory,
        dependencies.event_handlers(),
        max_attempts=1,
    )
    return consumer.handle_batch(records(envelopes))


def entries(ledger: Ledger, campaign_id: uuid.UUID) -> list[Entry]:
    with ledger.engine.connect() as connection:
        leaves = connection.execute(
            sa.select(journal_entries.c.leaf_data)
            .where(journal_entries.c.campaign_id == campaign_id)
            .order_by(journal_entries.c.seq)
        ).scalars()
        return [Entry.from_leaf(leaf) for leaf in leaves]


def assert_log_is_whole(ledger: Ledger, campaign_id: uuid.UUID) -> None:
    """Every stored tree node is the one RFC 6962 makes from the leaves, appended one by one."""
    with ledger.engine.connect() as connection:
        leaves = connection.execute(
            sa.select(journal_entries.c.leaf_data)
            .where(journal_entries.c.campaign_id == campaign_id)
            .order_by(journal_entries.c.seq)
        ).all()
        size = len(leaves)
        expected = merkle.MemoryNodeStore()
        for index, (leaf,) in enumerate(leaves):
            expected.append(index, merkle.leaf_hash(leaf))
        stored = {
            (row.level, row.idx): row.hash
            for row in connection.execute(
                sa.select(merkle_nodes).where(merkle_nodes.c.campaign_id == campaign_id)
            )
        }
        root = merkle.root_hash(SqlNodeStore(connection, campaign_id), size)
    assert stored == expected.nodes
    assert root == merkle.root_hash(expected, size)


def rows(ledger: Ledger, table: sa.Table, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    with ledger.engine.connect() as connection:
        query = sa.select(table).where(table.c.campaign_id == campaign_id)
        return [dict(row) for row in connection.execute(query).mappings()]


def announced_seqs(ledger: Ledger, campaign_id: uuid.UUID) -> list[int]:
    return [
        envelope.payload["seq"]
        for _, envelope in ledger.outbox()
        if envelope.type == "ledger.entry_appended"
        and str(envelope.payload["campaign_id"]) == str(campaign_id)
    ]


@contextmanager
def statements(ledger: Ledger) -> Iterator[list[str]]:
    """The SQL statements sent while inside (COPY on PostgreSQL is not one of them)."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    sa.event.listen(ledger.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        sa.event.remove(ledger.engine, "before_cursor_execute", note)


def test_a_batch_of_two_campaigns_collections_makes_each_log_as_if_appended_alone(
    ledger: Ledger,
) -> None:
    first, _, _ = ledger.open_campaign()
    second, _, _ = ledger.open_campaign()
    earlier = ledger.collect(first, 500)  # handled before: its redelivery is a duplicate
    collections = [
        pledge_event("pledge.collected", campaign, 1_000 + n)
        for n in range(12)
        for campaign in (first, second)
    ]
    batch = [earlier, *collections[:5], collections[2], *collections[5:]]

    outcomes = handle_batch(ledger, batch)

    assert [o.status for o in outcomes] == ["duplicate"] + ["handled"] * 5 + ["duplicate"] + [
        "handled"
    ] * 19
    for campaign, amounts in (
        (first, [500] + [1_000 + n for n in range(12)]),
        (second, [1_000 + n for n in range(12)]),
    ):
        stored = entries(ledger, campaign)
        assert [(e.seq, e.amount) for e in stored] == list(enumerate(amounts))
        assert_log_is_whole(ledger, campaign)
        assert announced_seqs(ledger, campaign) == list(range(len(amounts)))
        balances = {
            row["account"]: row["balance"] for row in rows(ledger, account_balances, campaign)
        }
        assert sum(balances.values()) == 0 and max(balances.values()) == sum(amounts)
        assert sorted(row["balance"] for row in rows(ledger, pledge_balances, campaign)) == amounts
        assert len(rows(ledger, pledge_backers, campaign)) == len(amounts)
    assert ledger.counts()["processed_events"] >= 2 + 1 + 24


def refunded(campaign: uuid.UUID, pledge: uuid.UUID, amount: int) -> Envelope:
    return pledge_event(
        "pledge.refunded", campaign, amount, pledge_id=pledge, collected_amount=1_000,
        refunded_total=amount, reason="Out of stock",
    )  # fmt: skip


def test_a_failing_event_sends_the_batch_the_careful_way_and_only_it_is_parked(
    ledger: Ledger,
) -> None:
    campaign, _, _ = ledger.open_campaign()
    pledge, other = uuid.uuid4(), uuid.uuid4()
    collected = pledge_event("pledge.collected", campaign, 1_000, pledge_id=pledge)
    # More than was collected: the journal refuses it (the pledges service never sends one).
    too_much = refunded(campaign, pledge, 5_000)
    refund = refunded(campaign, pledge, 300)
    later = pledge_event("pledge.collected", campaign, 2_000, pledge_id=other)

    outcomes = handle_batch(ledger, [collected, too_much, refund, later])

    assert [o.status for o in outcomes] == ["handled", "dead-lettered", "handled", "handled"]
    assert [(e.seq, e.kind.value, e.amount) for e in entries(ledger, campaign)] == [
        (0, "contribution", 1_000),
        (1, "refund", 300),
        (2, "contribution", 2_000),
    ]
    assert_log_is_whole(ledger, campaign)
    assert announced_seqs(ledger, campaign) == [0, 1, 2]
    balances = {row["pledge_id"]: row["balance"] for row in rows(ledger, pledge_balances, campaign)}
    assert balances == {pledge: 700, other: 2_000}
    assert [decode(value).event_id for _, value in ledger.dead_letters.parked] == [
        too_much.event_id
    ]


def test_a_batch_costs_statements_per_batch_not_per_event(ledger: Ledger) -> None:
    campaign, _, _ = ledger.open_campaign()
    ledger.collect(campaign, 100)  # the tree has nodes to read siblings from
    with statements(ledger) as few:
        handle_batch(ledger, [pledge_event("pledge.collected", campaign, 10) for _ in range(10)])
    with statements(ledger) as many:
        handle_batch(ledger, [pledge_event("pledge.collected", campaign, 10) for _ in range(50)])

    assert len(entries(ledger, campaign)) == 61
    # Only the tree's sibling reads grow, with the log's height, not with the batch.
    assert len(many) <= len(few) + 4, many
