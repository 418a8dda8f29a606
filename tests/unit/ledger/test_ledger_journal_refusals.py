"""What the journal refuses as input: amounts, currencies, texts, ids, receipts, dates, actors."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.ledger.domain import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidBudget,
    InvalidCurrency,
    InvalidId,
    InvalidReceiptHash,
    InvalidText,
    InvalidValue,
    Journal,
    LedgerError,
    NotAllowed,
    NotCampaignCreator,
)
from services.ledger.domain.errors import InvalidDate
from shared.money import MAX_AMOUNT

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CREATOR = uuid.UUID("3f0c5a52-7f51-4bd6-9a53-1b2f2c1f1a01")


def funded_journal(amount: int = MAX_AMOUNT) -> Journal:
    """A EUR journal holding ``amount``, so only the input under test can be refused."""
    journal = Journal(uuid.uuid4(), creator_id=CREATOR, currency="EUR")
    journal.record_contribution(uuid.uuid4(), amount, "EUR", uuid.uuid4(), NOW, NOW)
    journal.events.clear()
    return journal


def expense(journal: Journal, **overrides: Any) -> None:
    """Record an expense that is valid except for ``overrides``."""
    args: dict[str, Any] = {
        "amount": 1_000,
        "currency": "EUR",
        "category": "parts",
        "description": "Two solar panels",
        "vendor": "Sunny Parts GmbH",
        "incurred_on": date(2026, 2, 28),
        # A receipt of its own: one backs only one expense in force.
        "receipt_sha256": uuid.uuid4().hex * 2,
        "recorded_by": CREATOR,
        "recorded_at": NOW,
    }
    args.update(overrides)
    journal.record_expense(**args)


def refused(journal: Journal, error: type[LedgerError], field: str, **overrides: Any) -> None:
    """The expense with ``overrides`` is refused with ``error`` on ``field``, changing nothing."""
    before = (journal.next_seq, dict(journal.balances), list(journal.events))
    with pytest.raises(error) as caught:
        expense(journal, **overrides)
    assert caught.value.field == field
    assert (journal.next_seq, dict(journal.balances), journal.events) == before


BAD_AMOUNTS = [0, -1, 1.5, True, False, MAX_AMOUNT + 1, "100", None, Decimal("100")]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=repr)
def test_bad_amounts_are_refused_for_every_kind(amount: object) -> None:
    journal = funded_journal()
    refused(journal, InvalidAmount, "amount", amount=amount)
    with pytest.raises(InvalidAmount):
        journal.record_contribution(uuid.uuid4(), amount, "EUR", uuid.uuid4(), NOW, NOW)
    with pytest.raises(InvalidAmount):
        journal.record_refund(uuid.uuid4(), amount, "EUR", uuid.uuid4(), NOW, NOW)
    assert journal.next_seq == 1


def test_the_largest_amount_is_accepted() -> None:
    journal = funded_journal(MAX_AMOUNT)
    expense(journal, amount=MAX_AMOUNT)
    assert journal.available == 0


@pytest.mark.parametrize("currency", ["USD", "eur", "", None, 978])
def test_a_currency_other_than_the_campaigns_is_refused(currency: object) -> None:
    journal = funded_journal()
    refused(journal, CurrencyMismatch, "currency", currency=currency)
    with pytest.raises(CurrencyMismatch):
        journal.record_contribution(uuid.uuid4(), 100, currency, uuid.uuid4(), NOW, NOW)
    with pytest.raises(CurrencyMismatch):
        journal.record_refund(uuid.uuid4(), 100, currency, uuid.uuid4(), NOW, NOW)


def test_a_journal_needs_a_real_currency_and_a_sound_budget() -> None:
    with pytest.raises(InvalidCurrency):
        Journal(uuid.uuid4(), creator_id=CREATOR, currency="XXX")
    for budget in ({"parts": -1}, {"parts": True}, {"Parts": 1, "parts": 2}, {" ": 5}):
        with pytest.raises(InvalidBudget):
            Journal(uuid.uuid4(), creator_id=CREATOR, currency="EUR", budget=budget)


BAD_RECEIPTS = [
    RECEIPT.upper(),
    RECEIPT[:-1],
    RECEIPT + "0",
    "g" * 64,
    " " + RECEIPT[1:],
    RECEIPT.encode(),
    None,
]


@pytest.mark.parametrize("receipt", BAD_RECEIPTS, ids=repr)
def test_a_receipt_hash_must_be_64_lower_case_hex_digits(receipt: object) -> None:
    refused(funded_journal(), InvalidReceiptHash, "receipt_sha256", receipt_sha256=receipt)


@pytest.mark.parametrize(
    ("field", "limit"), [("category", 64), ("description", 1_000), ("vendor", 200)]
)
def test_texts_are_limited_in_length(field: str, limit: int) -> None:
    journal = funded_journal()
    refused(journal, InvalidText, field, **{field: "x" * (limit + 1)})
    expense(journal, **{field: "x" * limit})
    assert journal.next_seq == 2


@pytest.mark.parametrize("field", ["category", "description", "vendor"])
@pytest.mark.parametrize("value", ["", "   ", None, 42, "nul\x00byte", "half \ud800 a pair"])
def test_texts_must_be_printable_and_not_blank(field: str, value: object) -> None:
    refused(funded_journal(), InvalidText, field, **{field: value})


def test_only_descriptions_may_span_lines() -> None:
    journal = funded_journal()
    expense(journal, description="Panels\nand\tcables\r\n")
    refused(journal, InvalidText, "category", category="parts\nmore")
    refused(journal, InvalidText, "vendor", vendor="Sunny\nParts")


def test_the_reason_for_a_reversal_is_limited_too() -> None:
    journal = funded_journal()
    expense(journal)
    original = journal.events[0].entry
    for reason in ("", "r" * 1_001, None):
        with pytest.raises(InvalidText) as caught:
            journal.record_reversal(original, reason, CREATOR, NOW)
        assert caught.value.field == "reason"
    reversal = journal.record_reversal(original, "r" * 1_000, CREATOR, NOW)
    assert reversal.reason == "r" * 1_000


@pytest.mark.parametrize("pledge_id", ["alice@example.com", "Alice Example", "", 12, None])
def test_pledge_ids_are_opaque_uuids(pledge_id: object) -> None:
    journal = funded_journal()
    with pytest.raises(InvalidId) as caught:
        journal.record_contribution(pledge_id, 100, "EUR", uuid.uuid4(), NOW, NOW)  # type: ignore[arg-type]
    assert caught.value.field == "pledge_id"


def test_ids_given_as_text_are_read_as_uuids() -> None:
    journal = funded_journal()
    pledge = uuid.uuid4()
    entry = journal.record_contribution(str(pledge).upper(), 100, "EUR", str(pledge), NOW, NOW)
    assert (entry.pledge_id, entry.event_id) == (pledge, pledge)
    with pytest.raises(InvalidId):
        journal.record_refund(pledge, 100, "EUR", "event-1", NOW, NOW)


def test_an_expense_date_must_be_a_date_and_not_in_the_future() -> None:
    journal = funded_journal()
    for bad in ("2026-02-28", datetime(2026, 2, 28, tzinfo=UTC), None):
        refused(journal, InvalidDate, "incurred_on", incurred_on=bad)
    refused(journal, InvalidDate, "incurred_on", incurred_on=date(2026, 3, 3))
    # Where the creator lives it may already be 2 March while it is 1 March in UTC.
    expense(journal, incurred_on=date(2026, 3, 2))
    expense(journal, incurred_on=date(2019, 12, 31))
    assert journal.next_seq == 3


def test_only_the_campaigns_creator_records_expenses_and_reversals() -> None:
    journal = funded_journal()
    refused(journal, NotCampaignCreator, "recorded_by", recorded_by=uuid.uuid4())
    refused(journal, InvalidId, "recorded_by", recorded_by="the creator")
    expense(journal, recorded_by=str(CREATOR))
    entry = journal.events[0].entry
    with pytest.raises(NotCampaignCreator) as caught:
        journal.record_reversal(entry, "not mine", uuid.uuid4(), NOW)
    assert isinstance(caught.value, NotAllowed)
    assert journal.next_seq == 2 and journal.reversed_by == {}


def test_refusals_belong_to_their_families() -> None:
    for error in (InvalidAmount, CurrencyMismatch, InvalidText, InvalidReceiptHash, InvalidId):
        assert issubclass(error, InvalidValue) and issubclass(error, LedgerError)


def test_naive_times_are_a_programming_error() -> None:
    journal = funded_journal()
    naive = datetime(2026, 3, 1, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.record_contribution(uuid.uuid4(), 100, "EUR", uuid.uuid4(), naive, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        expense(journal, recorded_at=naive)
