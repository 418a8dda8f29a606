"""Who may publish a receipt's public copy, and who may see it: the domain's rules alone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.ledger.domain import Entry, EntryKind, NotCampaignCreator, NotFound, Posting
from services.ledger.domain.receipt_copies import (
    NotAnExpenseWithReceipt,
    check_may_publish,
    may_see_copy,
)

CREATOR = uuid.uuid4()


def _entry(seq: int, kind: EntryKind, receipt: str | None = None, **more: object) -> Entry:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    legs = (
        (Posting("expenses:printing", 1500), Posting("assets:funds", -1500))
        if kind is EntryKind.EXPENSE
        else (Posting("assets:funds", 1500), Posting("income:pledges", -1500))
    )
    return Entry(
        seq,
        kind,
        1500,
        "EUR",
        more.pop("category", None),
        more.pop("memo", None),
        now,
        now,
        legs,
        receipt_sha256=receipt,
        **more,
    )


def test_only_the_creator_publishes_and_only_an_expense_has_a_receipt() -> None:
    contribution = _entry(0, EntryKind.CONTRIBUTION, event_id=uuid.uuid4(), pledge_id=uuid.uuid4())
    expense = _entry(
        1,
        EntryKind.EXPENSE,
        "ab" * 32,
        category="printing",
        memo="Proof copies",
        vendor="PrintCo",
        incurred_on=date(2026, 3, 1),
        recorded_by=CREATOR,
    )
    assert check_may_publish(CREATOR, CREATOR, expense, 1) is expense
    with pytest.raises(NotCampaignCreator):
        check_may_publish(uuid.uuid4(), CREATOR, expense, 1)
    with pytest.raises(NotAnExpenseWithReceipt):
        check_may_publish(CREATOR, CREATOR, contribution, 0)
    with pytest.raises(NotFound):
        check_may_publish(CREATOR, CREATOR, None, 7)


def test_backers_the_creator_and_auditors_see_copies_and_nobody_else() -> None:
    assert may_see_copy(role="backer", is_creator=False, is_backer=True)
    assert may_see_copy(role="creator", is_creator=True, is_backer=False)
    assert may_see_copy(role="auditor", is_creator=False, is_backer=False)
    assert not may_see_copy(role="backer", is_creator=False, is_backer=False)
    assert not may_see_copy(role="creator", is_creator=False, is_backer=False)
    assert not may_see_copy(role=None, is_creator=False, is_backer=False)
