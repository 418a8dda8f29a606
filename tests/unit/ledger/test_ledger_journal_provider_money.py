"""Fees and disputes the payment provider reports: postings, balance, idempotency, refusals."""

from __future__ import annotations

import uuid

import pytest

from services.ledger.domain import (
    Entry,
    EntryKind,
    FeeExceedsContribution,
    InvalidProviderValue,
    Journal,
    NoOpenDispute,
    NotReversible,
    Posting,
    ProviderRecordConflict,
    RefundExceedsContribution,
    UnknownPledge,
)
from services.ledger.domain import accounts_chart as chart
from tests.unit.ledger.test_ledger_journal import NOW, Books


def fee(
    books: Books, pledge: uuid.UUID, amount: int, kind: str = "processing", ref: str = "txn_1"
) -> Entry | None:
    entry = books.journal.record_fee(
        pledge, kind, amount, "EUR", ref, f"evt_{uuid.uuid4().hex}", uuid.uuid4(), NOW, NOW
    )
    return entry if entry is None else books._keep(entry)


def open_dispute(books: Books, pledge: uuid.UUID, amount: int, ref: str = "dp_1") -> Entry | None:
    entry = books.journal.open_dispute(
        pledge, ref, amount, "EUR", "fraudulent", "evt_open", uuid.uuid4(), NOW, NOW
    )
    return entry if entry is None else books._keep(entry)


def close_dispute(
    books: Books, pledge: uuid.UUID, amount: int, outcome: str, ref: str = "dp_1"
) -> Entry | None:
    entry = books.journal.close_dispute(
        pledge, ref, amount, "EUR", outcome, "evt_close", uuid.uuid4(), NOW, NOW
    )
    return entry if entry is None else books._keep(entry)


def test_fees_and_disputes_post_what_the_chart_says_and_sum_to_zero() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(10_000, pledge)
    processing = fee(books, pledge, 320, "processing", "txn_1")
    platform = fee(books, pledge, 500, "platform", "txn_1")
    opened = open_dispute(books, pledge, 4_000)
    won = close_dispute(books, pledge, 4_000, "won")
    assert processing is not None and platform is not None and opened is not None and won
    assert processing.postings == (Posting("fees:processing", 320), Posting("assets:funds", -320))
    assert platform.postings == (Posting("fees:platform", 500), Posting("assets:funds", -500))
    assert opened.postings == (
        Posting("income:disputes", 4_000),
        Posting("assets:funds", -4_000),
    )
    assert won.postings == (Posting("income:disputes", -4_000), Posting("assets:funds", 4_000))
    for entry in (processing, platform, opened, won):
        assert chart.sums_to_zero(entry.postings)
    assert [e.kind for e in books.entries[1:]] == [
        EntryKind.FEE,
        EntryKind.FEE,
        EntryKind.DISPUTE,
        EntryKind.DISPUTE_REVERSAL,
    ]


def test_the_provider_reference_is_in_the_signed_leaf_and_round_trips() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(10_000, pledge)
    entry = fee(books, pledge, 320, ref="txn_3Nx8Abc")
    assert entry is not None
    leaf = entry.to_json()
    assert leaf["provider_reference"] == "txn_3Nx8Abc"
    assert str(leaf["provider_event_id"]).startswith("evt_")
    assert leaf["category"] == "processing" and leaf["pledge_id"] == str(pledge)
    assert Entry.from_leaf(entry.leaf_data()) == entry
    # Entries of the older kinds keep their exact shape: no provider keys at all.
    assert "provider_reference" not in books.entries[0].to_json()


def test_balance_keeps_raised_gross_and_shows_fees_disputed_and_net() -> None:
    books, first, second = Books(), uuid.uuid4(), uuid.uuid4()
    books.contribute(10_000, first)
    books.contribute(6_000, second)
    fee(books, first, 320, "processing", "txn_a")
    fee(books, first, 500, "platform", "txn_a")
    open_dispute(books, first, 4_000, "dp_won")
    close_dispute(books, first, 4_000, "won", "dp_won")
    open_dispute(books, second, 6_000, "dp_lost")
    close_dispute(books, second, 6_000, "lost", "dp_lost")
    balance = books.journal.balance()
    assert (balance.raised, balance.refunded, balance.fees, balance.disputed) == (
        16_000,
        0,
        820,
        6_000,
    )
    assert balance.net == 16_000 - 820 - 6_000 == balance.available
    assert balance.spent == 0 and balance.by_category == ()
    assert books.journal.disputes["dp_lost"].status == "lost"
    assert books.journal.disputes["dp_won"].status == "won"


def test_the_same_fee_or_dispute_reported_twice_has_one_effect() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(10_000, pledge)
    assert fee(books, pledge, 320) is not None
    assert open_dispute(books, pledge, 1_000) is not None
    assert close_dispute(books, pledge, 1_000, "won") is not None
    before, events = books.state(), list(books.journal.events)
    assert fee(books, pledge, 320) is None
    assert open_dispute(books, pledge, 1_000) is None
    assert close_dispute(books, pledge, 1_000, "won") is None
    assert books.state() == before and books.journal.events == events


def test_a_fee_on_a_pledge_the_books_never_held_is_refused() -> None:
    books = Books()
    books.contribute(10_000)
    with pytest.raises(UnknownPledge) as refused:
        fee(books, uuid.uuid4(), 320)
    assert refused.value.field == "pledge_id" and books.journal.next_seq == 1


def test_a_fee_larger_than_the_pledge_is_refused_and_writes_nothing() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    books.refund(pledge, 400)
    before = books.state()
    with pytest.raises(FeeExceedsContribution):
        fee(books, pledge, 601)
    assert books.state() == before and len(books.journal.events) == 2


def test_a_dispute_takes_no_more_than_the_pledge_holds_and_counts_against_refunds() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    with pytest.raises(RefundExceedsContribution):
        open_dispute(books, pledge, 1_001)
    open_dispute(books, pledge, 700)
    with pytest.raises(RefundExceedsContribution):
        books.refund(pledge, 301)  # what the dispute took can't be refunded too
    books.refund(pledge, 300)


def test_closing_a_dispute_never_opened_is_refused() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    with pytest.raises(NoOpenDispute):
        close_dispute(books, pledge, 500, "won")
    assert books.journal.next_seq == 1


@pytest.mark.parametrize(
    ("first", "second"), [("won", "lost"), ("lost", "won")], ids=["won-then-lost", "lost-then-won"]
)
def test_a_dispute_closed_twice_differently_is_a_conflict(first: str, second: str) -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    open_dispute(books, pledge, 500)
    close_dispute(books, pledge, 500, first)
    before = books.state()
    with pytest.raises(ProviderRecordConflict):
        close_dispute(books, pledge, 500, second)
    assert books.state() == before


def test_the_same_reference_with_another_amount_is_a_conflict_not_a_second_fee() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(10_000, pledge)
    fee(books, pledge, 320)
    with pytest.raises(ProviderRecordConflict):
        fee(books, pledge, 321)
    open_dispute(books, pledge, 500, "dp_x")
    with pytest.raises(ProviderRecordConflict):
        close_dispute(books, pledge, 1, "won", "dp_x")
    assert books.journal.balance().fees == 320


def test_fees_and_disputes_go_through_even_after_the_money_was_spent() -> None:
    # The provider reports money that already moved: the books show the shortfall.
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    books.spend(1_000)
    fee(books, pledge, 50)
    open_dispute(books, pledge, 900)
    balance = books.journal.balance()
    assert (balance.available, balance.shortfall) == (0, 950)


def test_the_creator_cannot_reverse_a_fee_or_a_dispute() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    for entry in (fee(books, pledge, 50), open_dispute(books, pledge, 500)):
        assert entry is not None
        with pytest.raises(NotReversible):
            books.reverse(entry)
        assert not books.journal.is_reversible(entry)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda b, p: fee(b, p, 50, kind="shipping"), "fee_kind"),
        (lambda b, p: fee(b, p, 50, ref="txn 1; drop"), "payment_reference"),
        (lambda b, p: fee(b, p, 0), "amount"),
        (
            lambda b, p: b.journal.open_dispute(
                p, "dp_1", 50, "EUR", "Backer's name here", "evt_1", uuid.uuid4(), NOW, NOW
            ),
            "reason",
        ),
        (lambda b, p: close_dispute(b, p, 50, "draw"), "outcome"),
    ],
)
def test_bad_values_are_refused_by_field(call: object, field: str) -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(1_000, pledge)
    with pytest.raises(Exception) as refused:
        call(books, pledge)  # type: ignore[operator]
    assert getattr(refused.value, "field", None) == field
    assert books.journal.next_seq == 1
    if field != "amount":
        assert isinstance(refused.value, InvalidProviderValue)


def test_replay_knows_fees_and_disputes() -> None:
    books, pledge = Books(), uuid.uuid4()
    books.contribute(10_000, pledge)
    fee(books, pledge, 320)
    open_dispute(books, pledge, 1_000)
    replayed = Journal.replay(
        books.campaign_id, books.entries, creator_id=books.creator_id, currency="EUR"
    )
    assert replayed.fee_amounts == {("processing", "txn_1"): 320}
    assert replayed.disputes["dp_1"].status == "open"
    assert replayed.balance() == books.journal.balance()
