"""Random histories: only refunds overdraw the funds, postings always balance, leaves verify.

The machine keeps its own model of the books from what each kind of entry means (not from the
postings), predicts for every operation whether it must be refused and why, and compares.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from services.ledger import verify
from services.ledger.domain import (
    AlreadyReversed,
    Entry,
    InsufficientFunds,
    Journal,
    LedgerError,
    NotReversible,
    RefundExceedsContribution,
    merkle,
)
from services.ledger.domain.signed_note import Checkpoint, generate_signer, sign_note
from shared.money import MAX_AMOUNT

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SIGNER = generate_signer("fundtrail.local")
PLEDGES = [uuid.uuid4() for _ in range(4)]
CATEGORIES = ["parts", "Parts", "shipping", "venue"]
amounts = st.one_of(st.integers(1, 5_000), st.integers(1, MAX_AMOUNT))


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.creator = uuid.uuid4()
        self.journal = Journal(
            uuid.uuid4(), creator_id=self.creator, currency="EUR", budget={"parts": 10_000}
        )
        self.entries: list[Entry] = []
        # The model: what each entry did to the funds, to its pledge and to its category.
        self.funds_effect: list[int] = []
        self.pledge_effect: list[tuple[uuid.UUID | None, int]] = []
        self.category_effect: list[tuple[str | None, int]] = []
        self.reversed: set[int] = set()

    @property
    def funds(self) -> int:
        """What ``assets:funds`` holds: below zero after refunds of money already spent."""
        return sum(self.funds_effect)

    def pledge_net(self, pledge: uuid.UUID | None) -> int:
        return sum(amount for p, amount in self.pledge_effect if p == pledge)

    def attempt(self, expected: type[LedgerError] | None, operation: object) -> Entry | None:
        """Run ``operation``; it must be refused with exactly ``expected``, or succeed."""
        assert callable(operation)
        try:
            entry = operation()
        except LedgerError as error:
            assert type(error) is expected, f"refused with {error!r}, expected {expected}"
            return None
        assert expected is None, f"accepted, expected {expected.__name__}"
        assert isinstance(entry, Entry) and entry.seq == len(self.entries)
        self.entries.append(entry)
        return entry

    @rule(pledge=st.sampled_from(PLEDGES), amount=amounts)
    def contribute(self, pledge: uuid.UUID, amount: int) -> None:
        j = self.journal
        if self.attempt(
            None,
            lambda: j.record_contribution(pledge, amount, "EUR", uuid.uuid4(), NOW, NOW),
        ):
            self.record(amount, (pledge, amount), (None, 0))

    @rule(pledge=st.sampled_from(PLEDGES), amount=amounts)
    def refund(self, pledge: uuid.UUID, amount: int) -> None:
        expected: type[LedgerError] | None = None
        if self.pledge_net(pledge) < amount:
            expected = RefundExceedsContribution
        # A refund is never refused for want of funds: the money went back already.
        j = self.journal
        if self.attempt(
            expected, lambda: j.record_refund(pledge, amount, "EUR", uuid.uuid4(), NOW, NOW)
        ):
            self.record(-amount, (pledge, -amount), (None, 0))

    @rule(category=st.sampled_from(CATEGORIES), amount=amounts)
    def spend(self, category: str, amount: int) -> None:
        expected = InsufficientFunds if self.funds < amount else None
        j = self.journal
        if self.attempt(
            expected,
            lambda: j.record_expense(
                amount,
                "EUR",
                category,
                "bought",
                "A shop",
                date(2026, 3, 1),
                uuid.uuid4().hex * 2,  # a receipt of its own: one backs one expense in force
                self.creator,
                NOW,
            ),
        ):
            self.record(-amount, (None, 0), (category.casefold(), amount))

    @precondition(lambda self: self.entries)
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick: int) -> None:
        seq = pick % len(self.entries)
        pledge, pledge_amount = self.pledge_effect[seq]
        category, category_amount = self.category_effect[seq]
        expected: type[LedgerError] | None = None
        if pledge is not None:
            expected = NotReversible  # pledge money changes only through pledge events
        elif seq in self.reversed:
            expected = AlreadyReversed
        elif self.funds_effect[seq] > 0 and self.funds - self.funds_effect[seq] < 0:
            expected = InsufficientFunds  # re-instating an expense needs the money there
        original = self.entries[seq]
        j = self.journal
        if self.attempt(expected, lambda: j.record_reversal(original, "oops", self.creator, NOW)):
            self.reversed.add(seq)
            self.record(
                -self.funds_effect[seq], (pledge, -pledge_amount), (category, -category_amount)
            )

    def record(
        self, funds: int, pledge: tuple[uuid.UUID | None, int], category: tuple[str | None, int]
    ) -> None:
        self.funds_effect.append(funds)
        self.pledge_effect.append(pledge)
        self.category_effect.append(category)

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def available_and_shortfall_match_the_model(self) -> None:
        assert self.journal.funds == self.funds
        balance = self.journal.balance()
        assert (balance.available, balance.shortfall) == (max(self.funds, 0), max(-self.funds, 0))

    @invariant()
    def every_entry_balances_and_running_balances_are_the_sums_of_postings(self) -> None:
        totals: Counter[str] = Counter()
        for entry in self.entries:
            assert len(entry.postings) >= 2
            assert sum(p.amount for p in entry.postings) == 0
            for posting in entry.postings:
                totals[posting.account] += posting.amount
        assert {a: v for a, v in self.journal.balances.items() if v} == {
            a: v for a, v in totals.items() if v
        }
        assert self.journal.next_seq == len(self.entries)

    @invariant()
    def the_balance_view_agrees_with_the_model(self) -> None:
        balance = self.journal.balance()
        assert balance.available - balance.shortfall == (
            balance.raised - balance.refunded - balance.spent
        )
        assert balance.available >= 0 and balance.shortfall >= 0
        spent: Counter[str] = Counter()
        for category, amount in self.category_effect:
            if category is not None:
                spent[category] += amount
        shown = {line.category.casefold(): line.spent for line in balance.by_category}
        assert {c: v for c, v in shown.items() if v} == {c: v for c, v in spent.items() if v}
        for pledge in PLEDGES:
            assert self.journal.pledge_balances.get(pledge, 0) == self.pledge_net(pledge) >= 0

    def teardown(self) -> None:
        lines = [entry.leaf_data() for entry in self.entries]
        assert [Entry.from_leaf(line) for line in lines] == self.entries
        root = merkle.root_from_leaves(merkle.leaf_hash(line) for line in lines)
        note = sign_note(Checkpoint("fundtrail.local/c", len(lines), root).to_text(), SIGNER)
        report = verify.verify_export(lines, note, SIGNER.vkey)
        assert report.ok, report.render()
        replayed = Journal.replay(
            self.journal.campaign_id, self.entries, creator_id=self.creator, currency="EUR"
        )
        assert replayed.balances == self.journal.balances
        assert replayed.reversed_by == self.journal.reversed_by


JournalMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
test_random_histories_keep_the_books_sound = JournalMachine.TestCase
