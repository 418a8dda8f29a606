"""The ledger's handlers on a unit of work in memory: the books they keep and what they announce.

No database: the fake unit of work keeps each journal's entries in a list and records the
envelopes the real one would write to the outbox, through the real wire form.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.ledger import commands, handlers
from services.ledger.adapters.receipts import MemoryReceiptStore
from services.ledger.domain import (
    AlreadyReversed,
    EntryKind,
    InsufficientFunds,
    NoOpenDispute,
    NotReversible,
    ProviderRecordConflict,
    UnknownPledge,
    merkle,
)
from shared.events.catalog import PledgeCollected, PledgeRefunded
from shared.events.typed import to_event
from tests.integration.ledger.ledger_support import payment_event, pdf_bytes, pledge_event
from tests.unit.ledger.fake_unit_of_work import FakeLedgerUnitOfWork

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
MAX_RECEIPT = 1_000_000


def clock() -> datetime:
    return NOW


@pytest.fixture
def uow() -> FakeLedgerUnitOfWork:
    return FakeLedgerUnitOfWork()


@pytest.fixture
def creator_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def campaign_id(uow: FakeLedgerUnitOfWork, creator_id: uuid.UUID) -> uuid.UUID:
    campaign_id = uuid.uuid4()
    uow.open_books(campaign_id, creator_id, budget={"printing": 30_000})
    return campaign_id


def collect(uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID, amount: int) -> PledgeCollected:
    """Hand `pledge.collected` to its handler as the consumer would: in a committed block."""
    event = to_event(pledge_event("pledge.collected", campaign_id, amount))
    assert isinstance(event, PledgeCollected)
    with uow:
        handlers.on_pledge_collected(event, uow, clock)
        uow.commit()
    return event


def expense(campaign_id: uuid.UUID, recorded_by: uuid.UUID, amount: int) -> commands.RecordExpense:
    return commands.RecordExpense(
        campaign_id=campaign_id,
        recorded_by=recorded_by,
        amount=amount,
        currency="EUR",
        category="Printing",
        description="Rulebooks, first run",
        vendor="Print & Co",
        incurred_on=date(2026, 11, 1),
        receipt=pdf_bytes(f"Invoice {uuid.uuid4()}"),
    )


def leaf_hash_of(announced: dict[str, Any]) -> str:
    return base64.b64encode(merkle.leaf_hash(announced["leaf_data"].encode())).decode()


def test_a_collected_pledge_becomes_a_contribution_and_is_announced(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    event = collect(uow, campaign_id, 5_000)

    [entry] = uow.entries(campaign_id)
    assert (entry.seq, entry.kind, entry.amount) == (0, EntryKind.CONTRIBUTION, 5_000)
    assert entry.pledge_id == event.pledge_id and entry.event_id == event.event_id
    assert uow.books[campaign_id].backers == {event.pledge_id: event.backer_id}
    [announced] = uow.announced()
    assert (announced["seq"], announced["kind"], announced["amount"]) == (0, "contribution", 5_000)
    assert announced["leaf_data"].encode() == entry.leaf_data()
    assert announced["leaf_hash"] == leaf_hash_of(announced)


def test_a_refund_is_recorded_against_its_pledge(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    collected = collect(uow, campaign_id, 5_000)
    refunded = to_event(
        pledge_event(
            "pledge.refunded",
            campaign_id,
            2_000,
            pledge_id=collected.pledge_id,
            collected_amount=5_000,
            refunded_total=2_000,
            reason="damaged",
        )
    )
    assert isinstance(refunded, PledgeRefunded)

    with uow:
        handlers.on_pledge_refunded(refunded, uow, clock)
        uow.commit()

    refund = uow.entries(campaign_id)[1]
    assert (refund.kind, refund.amount, refund.pledge_id) == (
        EntryKind.REFUND,
        2_000,
        collected.pledge_id,
    )
    assert [a["kind"] for a in uow.announced()] == ["contribution", "refund"]


def test_an_expense_is_appended_with_its_receipt_stored_and_announced(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> None:
    collect(uow, campaign_id, 5_000)
    receipts = MemoryReceiptStore()
    command = expense(campaign_id, creator_id, 1_200)

    stored = handlers.record_expense(command, uow, receipts, MAX_RECEIPT, clock)

    entry = uow.entries(campaign_id)[1]
    assert stored.entry == entry
    assert (entry.kind, entry.amount, entry.category) == (EntryKind.EXPENSE, 1_200, "printing")
    assert receipts.get(entry.receipt_sha256 or "") == command.receipt
    announced = uow.announced()[-1]
    assert (announced["seq"], announced["kind"], announced["category"]) == (
        1,
        "expense",
        "printing",
    )
    assert base64.b64decode(announced["leaf_hash"]) == stored.leaf_hash


def test_an_expense_beyond_the_funds_is_refused_and_leaves_no_trace(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> None:
    collect(uow, campaign_id, 1_000)
    receipts = MemoryReceiptStore()

    with pytest.raises(InsufficientFunds):
        handlers.record_expense(
            expense(campaign_id, creator_id, 1_001), uow, receipts, MAX_RECEIPT, clock
        )

    assert len(uow.entries(campaign_id)) == 1
    assert receipts.files == {}
    assert [a["kind"] for a in uow.announced()] == ["contribution"]


def test_reversing_an_expense_appends_a_reversal_once(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> None:
    collect(uow, campaign_id, 5_000)
    spent = handlers.record_expense(
        expense(campaign_id, creator_id, 1_200), uow, MemoryReceiptStore(), MAX_RECEIPT, clock
    )
    reverse = commands.ReverseEntry(campaign_id, spent.entry.seq, "typed twice", creator_id)

    reversal = handlers.reverse_entry(reverse, uow, clock)
    with pytest.raises(AlreadyReversed):
        handlers.reverse_entry(reverse, uow, clock)

    assert reversal.entry == uow.entries(campaign_id)[2]
    assert (reversal.entry.kind, reversal.entry.reverses_seq) == (EntryKind.REVERSAL, 1)
    assert reversal.entry.memo == "typed twice"
    assert [(a["kind"], a["reverses_seq"]) for a in uow.announced()] == [
        ("contribution", None),
        ("expense", None),
        ("reversal", 1),
    ]


def test_a_contribution_cannot_be_reversed(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID, creator_id: uuid.UUID
) -> None:
    collect(uow, campaign_id, 5_000)

    with pytest.raises(NotReversible):
        handlers.reverse_entry(commands.ReverseEntry(campaign_id, 0, "no", creator_id), uow, clock)

    assert len(uow.entries(campaign_id)) == 1
    assert len(uow.announced()) == 1


# --- money the payment provider reports ----------------------------------------------------------


def provider_event(
    uow: FakeLedgerUnitOfWork, event_type: str, campaign_id: uuid.UUID, pledge_id: uuid.UUID,
    amount: int, handler: Any, **extra: Any,
) -> None:  # fmt: skip
    """Hand a `payment.*` event to its handler as the consumer would: decoded, in a block."""
    event = to_event(payment_event(event_type, campaign_id, pledge_id, amount, **extra))
    with uow:
        handler(event, uow, clock)
        uow.commit()


def test_fees_and_a_won_dispute_become_entries_announced_at_commit(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    pledge = collect(uow, campaign_id, 10_000).pledge_id
    for kind, amount in (("processing", 320), ("platform", 500)):
        provider_event(
            uow, "payment.fee_charged", campaign_id, pledge, amount, handlers.on_fee_charged,
            fee_kind=kind, payment_reference="txn_1",
        )  # fmt: skip
    provider_event(
        uow, "payment.dispute_opened", campaign_id, pledge, 4_000, handlers.on_dispute_opened,
        dispute_reference="dp_1", reason="fraudulent",
    )  # fmt: skip
    provider_event(
        uow, "payment.dispute_closed", campaign_id, pledge, 4_000, handlers.on_dispute_closed,
        dispute_reference="dp_1", outcome="won",
    )  # fmt: skip

    entries = uow.entries(campaign_id)
    assert [(e.kind.value, e.amount, e.category, e.provider_reference) for e in entries[1:]] == [
        ("fee", 320, "processing", "txn_1"),
        ("fee", 500, "platform", "txn_1"),
        ("dispute", 4_000, None, "dp_1"),
        ("dispute_reversal", 4_000, None, "dp_1"),
    ]
    assert entries[3].memo == "fraudulent"
    assert [a["kind"] for a in uow.announced()] == [
        "contribution",
        "fee",
        "fee",
        "dispute",
        "dispute_reversal",
    ]
    assert all(a["leaf_hash"] == leaf_hash_of(a) for a in uow.announced())


def test_a_provider_event_delivered_twice_has_one_effect(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    pledge = collect(uow, campaign_id, 10_000).pledge_id
    # Two envelopes (the consumer's event-id check can't help), one provider fact.
    for _ in range(2):
        provider_event(
            uow, "payment.fee_charged", campaign_id, pledge, 320, handlers.on_fee_charged,
            fee_kind="processing", payment_reference="txn_1",
        )  # fmt: skip
        provider_event(
            uow, "payment.dispute_opened", campaign_id, pledge, 1_000, handlers.on_dispute_opened,
            dispute_reference="dp_1", reason="fraudulent",
        )  # fmt: skip
    assert [e.kind for e in uow.entries(campaign_id)] == [
        EntryKind.CONTRIBUTION,
        EntryKind.FEE,
        EntryKind.DISPUTE,
    ]
    assert len(uow.announced()) == 3


def test_a_lost_dispute_makes_no_entry_but_is_kept_as_lost(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    pledge = collect(uow, campaign_id, 10_000).pledge_id
    provider_event(
        uow, "payment.dispute_opened", campaign_id, pledge, 10_000, handlers.on_dispute_opened,
        dispute_reference="dp_9", reason="product_not_received",
    )  # fmt: skip
    provider_event(
        uow, "payment.dispute_closed", campaign_id, pledge, 10_000, handlers.on_dispute_closed,
        dispute_reference="dp_9", outcome="lost",
    )  # fmt: skip
    assert [e.kind for e in uow.entries(campaign_id)] == [
        EntryKind.CONTRIBUTION,
        EntryKind.DISPUTE,
    ]
    assert uow.books[campaign_id].disputes["dp_9"].status == "lost"
    # A later "won" for the same dispute is a conflict, not money back.
    with pytest.raises(ProviderRecordConflict):
        provider_event(
            uow, "payment.dispute_closed", campaign_id, pledge, 10_000,
            handlers.on_dispute_closed, dispute_reference="dp_9", outcome="won",
        )  # fmt: skip
    assert len(uow.entries(campaign_id)) == 2 and len(uow.announced()) == 2


def test_a_fee_for_an_unknown_pledge_is_refused_and_nothing_announced(
    uow: FakeLedgerUnitOfWork, campaign_id: uuid.UUID
) -> None:
    collect(uow, campaign_id, 10_000)
    with pytest.raises(UnknownPledge):
        provider_event(
            uow, "payment.fee_charged", campaign_id, uuid.uuid4(), 320, handlers.on_fee_charged,
            fee_kind="processing", payment_reference="txn_1",
        )  # fmt: skip
    with pytest.raises(NoOpenDispute):
        provider_event(
            uow, "payment.dispute_closed", campaign_id, uuid.uuid4(), 320,
            handlers.on_dispute_closed, dispute_reference="dp_nope", outcome="won",
        )  # fmt: skip
    assert len(uow.entries(campaign_id)) == 1 and len(uow.announced()) == 1
