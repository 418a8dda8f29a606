"""The journal's books: postings per kind, the balance view, reversals and the aggregate's state."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.ledger.domain import (
    AlreadyReversed,
    Balance,
    CategorySpending,
    Entry,
    EntryAppended,
    EntryKind,
    InsufficientFunds,
    Journal,
    NotFound,
    Posting,
    RefundExceedsContribution,
    StateConflict,
    UnknownEntry,
)

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@dataclass
class Books:
    """A journal in EUR with a creator, and shorthands that record with plausible details."""

    budget: dict[str, int] = field(default_factory=dict)
    creator_id: uuid.UUID = field(default_factory=uuid.uuid4)
    campaign_id: uuid.UUID = field(default_factory=uuid.uuid4)
    journal: Journal = field(init=False)
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.journal = Journal(
            self.campaign_id, creator_id=self.creator_id, currency="EUR", budget=self.budget
        )

    def _keep(self, entry: Entry) -> Entry:
        self.entries.append(entry)
        return entry

    def contribute(self, amount: int, pledge_id: uuid.UUID | None = None) -> Entry:
        return self._keep(
            self.journal.record_contribution(
                pledge_id or uuid.uuid4(), amount, "EUR", uuid.uuid4(), NOW, NOW
            )
        )

    def refund(self, pledge_id: uuid.UUID, amount: int) -> Entry:
        return self._keep(
            self.journal.record_refund(pledge_id, amount, "EUR", uuid.uuid4(), NOW, NOW)
        )

    def spend(self, amount: int, category: str = "parts", receipt: str | None = None) -> Entry:
        return self._keep(
            self.journal.record_expense(
                amount,
                "EUR",
                category,
                f"{category} for the oven",
                "Hardware Ltd",
                date(2026, 2, 27),
                # A receipt of its own unless given: one backs only one expense in force.
                receipt or uuid.uuid4().hex * 2,
                self.creator_id,
                NOW,
            )
        )

    def reverse(self, entry: Entry, reason: str = "entered by mistake") -> Entry:
        return self._keep(self.journal.record_reversal(entry, reason, self.creator_id, NOW))

    def state(self) -> tuple[object, ...]:
        j = self.journal
        return (j.next_seq, dict(j.balances), dict(j.reversed_by), dict(j.pledge_balances))


# --- postings ---------------------------------------------------------------------------------


def test_each_kind_posts_what_the_chart_of_accounts_says() -> None:
    books = Books()
    pledge = uuid.uuid4()
    contribution = books.contribute(1_500, pledge)
    refund = books.refund(pledge, 400)
    expense = books.spend(700, "printing")
    reversal = books.reverse(expense)
    expected = {
        EntryKind.CONTRIBUTION: [("assets:funds", 1_500), ("income:pledges", -1_500)],
        EntryKind.REFUND: [("income:refunds", 400), ("assets:funds", -400)],
        EntryKind.EXPENSE: [("expenses:printing", 700), ("assets:funds", -700)],
        EntryKind.REVERSAL: [("expenses:printing", -700), ("assets:funds", 700)],
    }
    for entry in (contribution, refund, expense, reversal):
        assert [(p.account, p.amount) for p in entry.postings] == expected[entry.kind]
        assert sum(p.amount for p in entry.postings) == 0
    assert [e.seq for e in books.entries] == [0, 1, 2, 3]


def test_kind_specific_fields_are_filled_in_and_the_rest_left_empty() -> None:
    books = Books()
    pledge = uuid.uuid4()
    contribution = books.contribute(1_500, pledge)
    assert (contribution.pledge_id, contribution.recorded_by, contribution.memo) == (
        pledge,
        None,
        None,
    )
    assert contribution.event_id is not None and contribution.category is None
    books.contribute(5_000)
    expense = books.spend(700, "printing", RECEIPT)
    assert (expense.description, expense.vendor, expense.incurred_on) == (
        "printing for the oven",
        "Hardware Ltd",
        date(2026, 2, 27),
    )
    assert (expense.receipt_sha256, expense.recorded_by, expense.pledge_id) == (
        RECEIPT,
        books.creator_id,
        None,
    )
    assert expense.occurred_at == expense.recorded_at == NOW
    reversal = books.reverse(expense, "  duplicate receipt  ")
    assert (reversal.reason, reversal.reverses_seq, reversal.pledge_id) == (
        "duplicate receipt",
        2,
        None,
    )
    assert (reversal.seq, reversal.category, reversal.vendor) == (3, "printing", None)
    assert reversal.amount == 700 and reversal.description is None


# --- the balance view -------------------------------------------------------------------------

BUDGET = {"parts": 10_000, "shipping": 2_000, "marketing": 1_000}
# A small campaign's history as data: (kind, pledge or category or reversed seq, amount).
HISTORY: list[tuple[str, str | int, int]] = [
    ("contribution", "anna", 5_000),
    ("contribution", "ben", 12_000),
    ("contribution", "cleo", 3_000),
    ("refund", "ben", 2_000),
    ("expense", "parts", 6_000),
    ("expense", "Shipping", 1_500),  # the budget says "shipping": same category
    ("expense", "venue", 1_000),  # unbudgeted, then reversed below
    ("reversal", 6, 0),
    ("expense", "parts", 2_500),
    ("expense", "bank fees", 300),  # unbudgeted and kept
]


def test_the_balance_of_a_small_ledger() -> None:
    books = Books(budget=dict(BUDGET))
    pledges = {name: uuid.uuid4() for name in ("anna", "ben", "cleo")}
    for kind, what, amount in HISTORY:
        if kind == "contribution":
            books.contribute(amount, pledges[str(what)])
        elif kind == "refund":
            books.refund(pledges[str(what)], amount)
        elif kind == "expense":
            books.spend(amount, str(what))
        else:
            books.reverse(books.entries[int(what)])

    assert books.journal.balance() == Balance(
        currency="EUR",
        raised=20_000,
        refunded=2_000,
        spent=10_300,  # 6,000 + 1,500 + 2,500 + 300; the venue expense was reversed
        available=7_700,
        shortfall=0,
        by_category=(
            CategorySpending("parts", 10_000, 8_500),
            CategorySpending("shipping", 2_000, 1_500),
            CategorySpending("marketing", 1_000, 0),
            CategorySpending("bank fees", None, 300),
        ),
    )
    assert books.entries[5].category == "shipping"
    assert books.journal.pledge_balances[pledges["ben"]] == 10_000


def test_spending_past_a_budget_line_is_allowed_and_shows() -> None:
    books = Books(budget={"parts": 1_000})
    books.contribute(5_000)
    books.spend(1_500, "PARTS")
    assert books.journal.balance().by_category == (CategorySpending("parts", 1_000, 1_500),)


def test_an_empty_journal_balances_at_zero_with_its_budget_lines() -> None:
    balance = Books(budget={"parts": 1_000}).journal.balance()
    assert (balance.raised, balance.refunded, balance.spent, balance.available) == (0, 0, 0, 0)
    assert balance.shortfall == 0
    assert balance.by_category == (CategorySpending("parts", 1_000, 0),)


# --- available funds --------------------------------------------------------------------------


def test_spending_the_last_unit_is_allowed_and_one_more_is_refused() -> None:
    books = Books()
    books.contribute(1_000)
    books.spend(999)
    books.spend(1)
    assert books.journal.available == 0
    before = books.state()
    with pytest.raises(InsufficientFunds) as refused:
        books.spend(1)
    assert refused.value.field == "amount"
    assert isinstance(refused.value, StateConflict)
    assert books.state() == before
    assert len(books.journal.events) == 3


def test_a_refund_beyond_what_the_pledge_contributed_is_refused() -> None:
    books = Books()
    pledge = uuid.uuid4()
    books.contribute(1_000, pledge)
    books.contribute(9_000)  # another pledge: the money is there, but not this pledge's
    books.refund(pledge, 600)
    with pytest.raises(RefundExceedsContribution) as refused:
        books.refund(pledge, 401)
    assert refused.value.field == "amount"
    books.refund(pledge, 400)
    with pytest.raises(RefundExceedsContribution):
        books.refund(uuid.uuid4(), 1)  # a pledge this journal never saw
    assert books.journal.pledge_balances[pledge] == 0


# --- reversals --------------------------------------------------------------------------------


def test_reversing_an_expense_gives_the_money_back() -> None:
    books = Books(budget={"parts": 5_000})
    books.contribute(3_000)
    expense = books.spend(2_000)
    assert books.journal.available == 1_000
    reversal = books.reverse(expense, "the receipt belongs to another project")
    assert books.journal.available == 3_000
    assert books.journal.balance().by_category == (CategorySpending("parts", 5_000, 0),)
    assert reversal.postings == tuple(Posting(p.account, -p.amount) for p in expense.postings)
    assert (reversal.category, reversal.reverses_seq, reversal.amount) == ("parts", 1, 2_000)
    assert books.entries[1] == expense  # the original stays as it was


def test_an_entry_is_reversed_at_most_once() -> None:
    books = Books()
    books.contribute(5_000)
    expense = books.spend(1_000)
    books.reverse(expense)
    before = books.state()
    with pytest.raises(AlreadyReversed) as refused:
        books.reverse(expense)
    assert "reversed by entry 2" in str(refused.value)
    assert books.state() == before


def test_a_reversal_can_be_reversed_once_which_reinstates_the_original() -> None:
    books = Books()
    books.contribute(5_000)
    expense = books.spend(1_000)
    undo = books.reverse(expense, "thought it was a duplicate")
    redo = books.reverse(undo, "it was not a duplicate after all")
    assert redo.postings == expense.postings
    assert (books.journal.balance().spent, books.journal.available) == (1_000, 4_000)
    # The chain only grows at its end: neither the expense nor the first reversal again.
    for earlier in (expense, undo):
        with pytest.raises(AlreadyReversed):
            books.reverse(earlier)
    books.reverse(redo, "it was a duplicate after all")
    assert (books.journal.balance().spent, books.journal.available) == (0, 5_000)
    assert books.journal.reversed_by == {1: 2, 2: 3, 3: 4}


def test_reinstating_an_expense_needs_the_money_to_still_be_there() -> None:
    books = Books()
    books.contribute(1_000)
    expense = books.spend(1_000)
    undo = books.reverse(expense)
    books.spend(500)
    with pytest.raises(InsufficientFunds):
        books.reverse(undo)


def test_reversing_an_entry_the_journal_does_not_hold_is_refused() -> None:
    books, elsewhere = Books(), Books()
    books.contribute(1_000)
    for _ in range(3):
        elsewhere.contribute(1_000)
    with pytest.raises(UnknownEntry) as refused:
        books.reverse(elsewhere.entries[2])
    assert isinstance(refused.value, NotFound)
    for seq in (-1, 1, True, "0", None):
        with pytest.raises(UnknownEntry):
            books.journal.check_seq(seq)
    assert books.journal.check_seq(0) == 0


# --- the aggregate ----------------------------------------------------------------------------


def test_each_append_records_one_event_with_the_entry() -> None:
    books = Books()
    entries = [books.contribute(1_000), books.spend(100)]
    assert books.journal.events == [EntryAppended(books.campaign_id, e) for e in entries]


def test_a_journal_loaded_from_its_saved_state_continues_where_it_was() -> None:
    books = Books(budget={"parts": 2_000})
    pledge = uuid.uuid4()
    books.contribute(3_000, pledge)
    expense = books.spend(1_000)
    books.reverse(expense)
    j = books.journal
    loaded = Journal(
        books.campaign_id,
        creator_id=books.creator_id,
        currency="EUR",
        budget={"parts": 2_000},
        next_seq=j.next_seq,
        balances=dict(j.balances),
        reversed_by=dict(j.reversed_by),
        pledge_balances={pledge: j.pledge_balances[pledge]},
    )
    refund = loaded.record_refund(pledge, 3_000, "EUR", uuid.uuid4(), NOW, NOW)
    assert refund.seq == 3 and loaded.available == 0
    with pytest.raises(AlreadyReversed):
        loaded.record_reversal(expense, "again", books.creator_id, NOW)
    assert loaded.events == [EntryAppended(books.campaign_id, refund)]


def test_replaying_the_entries_rebuilds_the_running_state() -> None:
    books = Books()
    pledge = uuid.uuid4()
    books.contribute(4_000, pledge)
    books.refund(pledge, 1_000)
    books.reverse(books.spend(500))
    replayed = Journal.replay(
        books.campaign_id, books.entries, creator_id=books.creator_id, currency="EUR"
    )
    assert (replayed.next_seq, replayed.balances, replayed.reversed_by) == books.state()[:3]
    assert replayed.pledge_balances == {pledge: 3_000}
    assert replayed.events == []
    with pytest.raises(ValueError, match="does not continue"):
        Journal.replay(
            books.campaign_id, books.entries[1:], creator_id=books.creator_id, currency="EUR"
        )


def test_loaded_balances_that_do_not_net_out_are_refused() -> None:
    with pytest.raises(ValueError, match="net out"):
        Journal(
            uuid.uuid4(),
            creator_id=uuid.uuid4(),
            currency="EUR",
            balances={"assets:funds": 100, "income:pledges": -99},
        )


def test_times_are_kept_in_utc() -> None:
    books = Books()
    local = datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    entry = books.journal.record_contribution(uuid.uuid4(), 100, "EUR", uuid.uuid4(), local, NOW)
    assert entry.occurred_at.utcoffset() == timedelta(0)
    assert entry.occurred_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- asking the reversal rules ----------------------------------------------------------------


def test_is_reversible_says_exactly_what_record_reversal_would_do() -> None:
    books = Books()
    pledge = uuid.uuid4()
    books.contribute(5_000, pledge)
    books.refund(pledge, 500)
    books.spend(1_000)  # kept
    undone = books.spend(2_000)
    first = books.reverse(undone)
    books.reverse(first)  # re-instates `undone`
    gone = books.spend(800)
    books.reverse(gone)
    books.spend(1_200)  # leaves 3.00, so re-instating `gone` (8.00) is refused

    answers = {}
    for entry in books.entries:
        trial = copy.deepcopy(books.journal)
        try:
            trial.record_reversal(entry, "checking", books.creator_id, NOW)
        except StateConflict:
            reversible = False
        else:
            reversible = True
        assert books.journal.is_reversible(entry) is reversible, entry.seq
        answers[entry.seq] = (reversible, books.journal.in_force(entry.seq))

    assert answers == {
        0: (False, True),  # pledge money
        1: (False, True),
        2: (True, True),  # kept
        3: (False, True),  # undone, then re-instated: counts, but only its chain's end reverses
        4: (False, False),
        5: (True, True),
        6: (False, False),  # gone: reversed
        7: (False, True),  # re-instating gone needs 800, 300 are left
        8: (True, True),
    }
