"""Money that moved through pledge events: never reversed by hand, and refunds always recorded."""

from __future__ import annotations

import uuid

import pytest

from services.ledger.domain import (
    Balance,
    Entry,
    EntryKind,
    InsufficientFunds,
    Journal,
    NotReversible,
    StateConflict,
)
from services.ledger.domain import accounts_chart as chart
from tests.unit.ledger.test_ledger_journal import NOW, Books

# --- reversals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["contribution", "refund"])
def test_a_pledge_entry_cannot_be_reversed_and_nothing_is_written(kind: str) -> None:
    books = Books()
    pledge = uuid.uuid4()
    contribution = books.contribute(1_000, pledge)
    refund = books.refund(pledge, 400)
    before, events = books.state(), list(books.journal.events)
    with pytest.raises(NotReversible) as refused:
        books.reverse(contribution if kind == "contribution" else refund)
    assert isinstance(refused.value, StateConflict)  # answered 409
    assert refused.value.field == "seq"
    assert f"is a {kind}" in str(refused.value) and "pledge events" in str(refused.value)
    assert books.state() == before and books.journal.events == events
    assert books.journal.balance().refunded == 400


def test_a_reversal_of_a_pledge_entry_from_before_the_rule_cannot_be_reversed_either() -> None:
    # Journals written before the rule may hold a reversal of a contribution: it replays, but
    # reversing it would again move pledge money by hand.
    books = Books()
    contribution = books.contribute(1_000)
    old_reversal = Entry(
        seq=1,
        kind=EntryKind.REVERSAL,
        amount=1_000,
        currency="EUR",
        category=None,
        memo="duplicate event",
        occurred_at=NOW,
        recorded_at=NOW,
        postings=chart.reversal_postings(contribution.postings),
        recorded_by=books.creator_id,
        pledge_id=contribution.pledge_id,
        reverses_seq=0,
    )
    journal = Journal.replay(
        books.campaign_id,
        [contribution, old_reversal],
        creator_id=books.creator_id,
        currency="EUR",
    )
    with pytest.raises(NotReversible):
        journal.record_reversal(old_reversal, "undo", books.creator_id, NOW)
    assert journal.events == []


def test_expenses_and_reversals_of_them_stay_reversible() -> None:
    books = Books()
    books.contribute(2_000)
    expense = books.spend(500)
    undo = books.reverse(expense)
    redo = books.reverse(undo)
    books.reverse(redo)
    assert (books.journal.balance().spent, books.journal.available) == (0, 2_000)


# --- refunds after spending --------------------------------------------------------------------


def test_a_refund_after_the_money_was_spent_is_recorded_and_the_shortfall_shows() -> None:
    books = Books(budget={"parts": 1_000})
    pledge = uuid.uuid4()
    books.contribute(1_000, pledge)
    books.spend(800)
    refund = books.refund(pledge, 300)
    # The same leaf as any refund: the books just show the campaign 100 short.
    assert refund.postings == chart.refund_postings(300)
    assert books.journal.balances[chart.FUNDS] == -100
    assert books.journal.available == 0
    assert books.journal.balance() == Balance(
        currency="EUR",
        raised=1_000,
        refunded=300,
        spent=800,
        available=0,
        shortfall=100,
        by_category=(chart.CategorySpending("parts", 1_000, 800),),
    )


def test_a_refund_of_a_campaign_already_short_is_recorded_too() -> None:
    books = Books()
    pledges = [uuid.uuid4(), uuid.uuid4()]
    for pledge in pledges:
        books.contribute(500, pledge)
    books.spend(1_000)
    books.refund(pledges[0], 500)
    books.refund(pledges[1], 200)
    balance = books.journal.balance()
    assert (balance.available, balance.shortfall) == (0, 700)


def test_while_short_nothing_can_be_spent_and_money_coming_back_covers_the_shortfall_first() -> (
    None
):
    books = Books()
    pledge = uuid.uuid4()
    books.contribute(1_000, pledge)
    expense = books.spend(600)
    books.spend(400)
    books.refund(pledge, 300)
    before = books.state()
    with pytest.raises(InsufficientFunds) as refused:
        books.spend(1)
    assert refused.value.field == "amount" and books.state() == before
    books.contribute(100)
    assert (books.journal.balance().available, books.journal.balance().shortfall) == (0, 200)
    undo = books.reverse(expense)  # 600 back: 200 cover the shortfall, 400 are there to spend
    balance = books.journal.balance()
    assert (balance.available, balance.shortfall) == (400, 0)
    assert balance.available - balance.shortfall == (
        balance.raised - balance.refunded - balance.spent
    )
    books.spend(100)
    # Re-instating the 600 expense would take the funds below zero again: an expense can't.
    with pytest.raises(InsufficientFunds) as refused:
        books.reverse(undo)
    assert refused.value.field == "seq"
