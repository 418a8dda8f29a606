"""The unit of work announces what the journals it locked appended, with their rows or not at all.

On the real databases: an append announces itself at commit, and in a consumer's batch an event
whose handler fails after appending leaves neither an entry nor an announcement behind, while
the events beside it in the batch keep theirs.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.consumer import EventConsumer
from shared.events import encode
from shared.events.catalog import PledgeCollected
from tests.factories import DeadLetters
from tests.integration.ledger.ledger_support import Ledger, pledge_event

pytestmark = pytest.mark.both_databases

FAILS_AFTER_APPENDING = 666


def announcements(ledger: Ledger) -> list[dict[str, Any]]:
    return [
        envelope.payload
        for topic, envelope in ledger.outbox()
        if topic == "ledger.events" and envelope.type == "ledger.entry_appended"
    ]


def test_an_append_is_announced_once_with_its_leaf(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    ledger.collect(campaign_id, 1_500)

    [announced] = announcements(ledger)
    [entry] = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").get_json()["entries"]
    assert announced["seq"] == entry["seq"] == 0
    assert announced["kind"] == "contribution" and announced["amount"] == 1_500
    assert announced["leaf_hash"] == entry["leaf_hash"]


def test_a_failed_event_in_a_batch_announces_nothing_and_the_others_keep_theirs(
    ledger: Ledger,
) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    dependencies = ledger.app.extensions["fundtrail"]
    bound = dependencies.event_handlers()

    def collected_then_failed(event: PledgeCollected, uow: LedgerUnitOfWork) -> None:
        bound["pledge.collected"](event, uow)  # appends (and stores) the contribution
        if event.amount == FAILS_AFTER_APPENDING:
            raise RuntimeError("failed after appending")

    consumer = EventConsumer(
        None,  # type: ignore[arg-type]  (no Kafka: the batch is handed in)
        DeadLetters(),  # type: ignore[arg-type]
        dependencies.uow_factory,
        {**bound, "pledge.collected": collected_then_failed},
        max_attempts=2,
    )
    amounts = [1_000, FAILS_AFTER_APPENDING, 2_000]
    records = [
        SimpleNamespace(
            value=encode(
                pledge_event("pledge.collected", campaign_id, amount, pledge_id=uuid.uuid4())
            ),
            topic="pledges.events",
            partition=0,
            offset=offset,
            key=None,
        )
        for offset, amount in enumerate(amounts)
    ]

    outcomes = consumer.handle_batch(records)  # type: ignore[arg-type]

    assert [outcome.status for outcome in outcomes] == ["handled", "dead-lettered", "handled"]
    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").get_json()["entries"]
    assert [(e["seq"], e["amount"]) for e in entries] == [(0, 1_000), (1, 2_000)]
    assert [(a["seq"], a["amount"]) for a in announcements(ledger)] == [(0, 1_000), (1, 2_000)]
