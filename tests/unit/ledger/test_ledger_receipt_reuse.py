"""One receipt backs one expense in force unless the creator says why, in the leaf."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.ledger.domain import Entry, InvalidText, Journal, MalformedLeaf, StateConflict
from services.ledger.domain.canonical import canonical_json
from services.ledger.domain.errors import ReceiptAlreadyUsed

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CREATOR = uuid.UUID("3f0c5a52-7f51-4bd6-9a53-1b2f2c1f1a01")
CAMPAIGN = uuid.UUID("6f1c2a34-1111-4d2b-9c55-0a7e5b1d2c3e")
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OTHER_RECEIPT = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"


def funded(**state: Any) -> Journal:
    journal = Journal(CAMPAIGN, creator_id=CREATOR, currency="EUR", **state)
    journal.record_contribution(uuid.uuid4(), 100_000, "EUR", uuid.uuid4(), NOW, NOW)
    return journal


def spend(journal: Journal, receipt: str = RECEIPT, reason: object = None) -> Entry:
    return journal.record_expense(
        1_000,
        "EUR",
        "printing",
        "Proof copies",
        "PrintCo",
        date(2026, 2, 28),
        receipt,
        CREATOR,
        NOW,
        receipt_reuse_reason=reason,
    )


def test_a_receipt_in_force_is_not_used_again_without_a_reason() -> None:
    journal = funded()
    first = spend(journal)
    with pytest.raises(ReceiptAlreadyUsed) as refused:
        spend(journal)
    assert isinstance(refused.value, StateConflict)  # answered 409
    assert refused.value.field == "receipt"
    assert f"expense {first.seq}" in refused.value.message
    assert "receipt_reuse_reason" in refused.value.message
    assert journal.next_seq == first.seq + 1  # nothing appended
    assert spend(journal, OTHER_RECEIPT).seq == first.seq + 1  # another receipt is fine


def test_with_a_reason_the_receipt_backs_another_expense_and_the_leaf_says_why() -> None:
    journal = funded()
    spend(journal)
    second = spend(journal, reason="  One invoice for printing and shipping, split in two.  ")
    assert second.receipt_reuse_reason == "One invoice for printing and shipping, split in two."
    leaf = json.loads(second.leaf_data())
    assert leaf["receipt_reuse_reason"] == second.receipt_reuse_reason
    assert Entry.from_leaf(second.leaf_data()) == second
    # A third use needs its own reason too: both earlier expenses are in force.
    with pytest.raises(ReceiptAlreadyUsed):
        spend(journal)


def test_a_reversed_expense_frees_its_receipt_and_a_reinstated_one_holds_it_again() -> None:
    journal = funded()
    first = spend(journal)
    reversal = journal.record_reversal(first, "wrong campaign", CREATOR, NOW)
    second = spend(journal)  # the first no longer counts
    assert second.receipt_reuse_reason is None
    journal.record_reversal(second, "entered twice", CREATOR, NOW)
    journal.record_reversal(reversal, "right campaign after all", CREATOR, NOW)
    with pytest.raises(ReceiptAlreadyUsed, match=f"expense {first.seq}"):
        spend(journal)  # the first is in force again


def test_the_journal_knows_only_the_uses_it_was_given_or_made() -> None:
    # The adapter loads the expenses naming the receipt; seq 1 is one of them and in force.
    journal = Journal(
        CAMPAIGN,
        creator_id=CREATOR,
        currency="EUR",
        next_seq=2,
        balances={"assets:funds": 9_000, "income:pledges": -10_000, "expenses:printing": 1_000},
        receipt_uses={RECEIPT: [1]},
    )
    with pytest.raises(ReceiptAlreadyUsed, match="expense 1"):
        spend(journal)
    reversed_one = Journal(
        CAMPAIGN,
        creator_id=CREATOR,
        currency="EUR",
        next_seq=3,
        balances={"assets:funds": 10_000, "income:pledges": -10_000},
        reversed_by={1: 2},
        receipt_uses={RECEIPT: [1]},
    )
    assert spend(reversed_one).seq == 3


@pytest.mark.parametrize("reason", ["   ", "x" * 1_001, "split\x00invoice", 42])
def test_a_reason_is_text_like_any_other(reason: object) -> None:
    journal = funded()
    spend(journal)
    with pytest.raises(InvalidText) as refused:
        spend(journal, reason=reason)
    assert refused.value.field == "receipt_reuse_reason"


def test_a_leaf_without_a_reason_has_no_such_key_so_old_leaves_keep_their_bytes() -> None:
    entry = spend(funded())
    data = entry.leaf_data()
    assert b"receipt_reuse_reason" not in data
    assert Entry.from_leaf(data) == entry
    obj = json.loads(data)
    for bad in (None, "", 7):
        with pytest.raises(MalformedLeaf):
            Entry.from_leaf(canonical_json({**obj, "receipt_reuse_reason": bad}))
    contribution = json.loads(funded().events[0].entry.leaf_data())
    with pytest.raises(MalformedLeaf):  # only expenses may carry a reason
        Entry.from_leaf(canonical_json({**contribution, "receipt_reuse_reason": "why not"}))
