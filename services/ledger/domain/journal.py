"""The Journal aggregate: one campaign's append-only, double-entry books and their rules.

Rules every append keeps (see :mod:`.accounts_chart` for the postings each kind makes):

- ``seq`` runs 0, 1, 2, … with no gaps; nothing is ever changed or removed.
- Nothing but a refund takes the funds (``assets:funds``) below zero: an expense, or a
  reversal that re-instates one, needing more than is there is refused with
  :class:`InsufficientFunds`. A refund reports money that has already gone back to a backer, so
  it is always recorded, even after the money was spent; the funds then stand below zero and the
  balance shows the difference as ``shortfall`` (see :mod:`.accounts_chart`). Money coming in
  afterwards (a contribution, a reversed expense) covers the shortfall before it can be spent.
- No pledge ever has more refunded than was contributed through it
  (:class:`RefundExceedsContribution`).
- Fees and disputes come from the payment provider and follow :mod:`.provider_money`.
- Reversals undo the creator's own entries (expenses, and reversals of them), each at most once;
  an entry counts while its chain of reversals has even length: see :mod:`.reversals`.
- Expenses and reversals are recorded by the campaign's creator only (:class:`NotCampaignCreator`).
- One receipt file (by SHA-256) backs at most one expense in force (an expense whose chain of
  reversals has even length) unless the creator says why it backs another
  (``receipt_reuse_reason``, which goes into the entry and so the public log); without a reason
  a second use is refused with :class:`ReceiptAlreadyUsed`. Once the first expense is reversed,
  its receipt is free for a new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from shared.money import format_amount, is_currency

from . import accounts_chart as chart
from . import reversals
from .accounts_chart import Balance, Posting
from .entries import Entry, EntryKind
from .errors import (
    CurrencyMismatch,
    DomainError,
    InsufficientFunds,
    InvalidCurrency,
    NotCampaignCreator,
    ReceiptAlreadyUsed,
    RefundExceedsContribution,
    UnknownEntry,
)
from .provider_money import Dispute, ProviderMoney
from .rules import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    REASON_MAX,
    VENDOR_MAX,
    aware,
    check_amount,
    check_budget,
    check_id,
    check_incurred_on,
    check_receipt,
    check_text,
)


@dataclass(frozen=True, slots=True)
class EntryAppended:
    """An entry was appended to a campaign's journal (published as ``ledger.entry_appended``)."""

    version: ClassVar[int] = 1

    #: The campaign whose journal grew.
    campaign_id: uuid.UUID
    #: The new entry; its ``seq`` is the new leaf's index.
    entry: Entry


class Journal(ProviderMoney):
    """One campaign's books: its currency, planned budget and running account balances.

    The state is small rows an adapter loads and saves, so an append never scans old entries:

    - ``balances``: account → sum of its postings (one row per account). Load them all; after
      an append the new values of the accounts in ``entry.postings`` are here.
    - ``reversed_by``: seq of a reversed entry → seq of its reversal (one row per reversal, or
      read from the entries' ``reverses_seq``, where a unique index also makes the database
      refuse a second reversal). Load them all: reversals are rare corrections.
    - ``pledge_balances``: pledge id → contributed minus refunded through it. Load at least the
      pledge an operation touches (a refund's ``pledge_id``; the ``pledge_id`` of an entry being
      reversed). A pledge that is missing counts as nothing contributed, so forgetting to load
      it refuses a refund rather than allowing a wrong one.
    - ``receipt_uses``: receipt SHA-256 → seqs of the expenses naming it. Load at least the
      receipt an expense names (its rows are found by an index on the receipt's hash); a receipt
      that is missing counts as unused, so load it before recording an expense with it.
    - ``disputes`` and ``fee_amounts``: the provider's disputes and fees an operation names
      (see :mod:`.provider_money`); one that is missing counts as not recorded yet.

    Operations validate their input, append an :class:`Entry` and an :class:`EntryAppended` to
    ``events`` (never publishing it), and return the entry. Times are aware datetimes; a naive
    one is a programming error (``ValueError``), not bad input.
    """

    def __init__(
        self,
        campaign_id: uuid.UUID,
        *,
        creator_id: uuid.UUID,
        currency: str,
        budget: Mapping[str, int] | None = None,
        next_seq: int = 0,
        balances: Mapping[str, int] | None = None,
        reversed_by: Mapping[int, int] | None = None,
        pledge_balances: Mapping[uuid.UUID, int] | None = None,
        receipt_uses: Mapping[str, Iterable[int]] | None = None,
        disputes: Mapping[str, Dispute] | None = None,
        fee_amounts: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        if not is_currency(currency):
            raise InvalidCurrency("must be an upper-case ISO 4217 currency code", "currency")
        self.campaign_id = campaign_id
        self.creator_id = creator_id
        self.currency = currency
        #: Planned spending by category, in the creator's order.
        self.budget: dict[str, int] = check_budget(budget or {})
        #: The seq the next entry gets, which is also the log's tree size.
        self.next_seq = next_seq
        self.balances: dict[str, int] = dict(balances or {})
        self.reversed_by: dict[int, int] = dict(reversed_by or {})
        self.pledge_balances: dict[uuid.UUID, int] = dict(pledge_balances or {})
        self.receipt_uses: dict[str, list[int]] = {
            sha256: list(seqs) for sha256, seqs in (receipt_uses or {}).items()
        }
        self.disputes = dict(disputes or {})
        self.fee_amounts = dict(fee_amounts or {})
        self.events: list[EntryAppended] = []
        # A trial balance: whatever the adapter loaded must itself obey double entry.
        if sum(self.balances.values()) != 0:
            raise ValueError(f"journal of campaign {campaign_id} has balances that don't net out")

    @classmethod
    def replay(
        cls,
        campaign_id: uuid.UUID,
        entries: Iterable[Entry],
        *,
        creator_id: uuid.UUID,
        currency: str,
        budget: Mapping[str, int] | None = None,
    ) -> Journal:
        """The journal rebuilt from all its entries in seq order, with no events: for checking
        stored balances, rebuilding them, or reading an export. History is taken as it stands;
        only its order and currency are checked."""
        journal = cls(campaign_id, creator_id=creator_id, currency=currency, budget=budget)
        for entry in entries:
            if entry.seq != journal.next_seq or entry.currency != currency:
                raise ValueError(f"entry {entry.seq} does not continue journal {campaign_id}")
            journal._apply(entry)
        return journal

    # --- reading ------------------------------------------------------------------------------

    def balance(self) -> Balance:
        """Raised, refunded, fees, disputed, spent, available, shortfall and spending by
        category, from the postings."""
        return chart.balance_from(self.balances, self.currency, self.budget)

    @property
    def funds(self) -> int:
        """The balance of ``assets:funds`` in minor units: below zero only when refunds went
        back after the money was spent."""
        return self.balances.get(chart.FUNDS, 0)

    @property
    def available(self) -> int:
        """The money the campaign holds and may spend now, in minor units; never negative."""
        return max(self.funds, 0)

    def in_force(self, seq: int) -> bool:
        """Whether entry ``seq`` counts: its chain of reversals has even length."""
        return reversals.in_force(self.reversed_by, seq)

    def check_reversible(self, original: Entry) -> None:
        """Raise the refusal that reversing ``original`` (loaded from this journal) would meet
        now; return if the creator may reverse it."""
        seq = self.check_seq(original.seq)
        if original.currency != self.currency:
            raise CurrencyMismatch(f"entry {seq} is not in {self.currency}", "currency")
        reversals.refuse_unreversible(original, self.reversed_by)
        # Reversing a reversal re-instates an expense: the money must be there again.
        self._check_funds(chart.funds_change(chart.reversal_postings(original.postings)), "seq")

    def is_reversible(self, original: Entry) -> bool:
        """Whether the creator may reverse ``original`` now (see :meth:`check_reversible`)."""
        try:
            self.check_reversible(original)
        except DomainError:
            return False
        return True

    def check_seq(self, seq: object) -> int:
        """``seq`` if this journal holds an entry with it, else :class:`UnknownEntry`."""
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < self.next_seq:
            raise UnknownEntry(f"campaign has no entry {seq!r}", "seq")
        return seq

    # --- entries from pledge events -----------------------------------------------------------

    def record_contribution(
        self,
        pledge_id: uuid.UUID | str,
        amount: object,
        currency: object,
        event_id: uuid.UUID | str,
        occurred_at: datetime,
        recorded_at: datetime,
    ) -> Entry:
        """A pledge was collected (``pledge.collected``)."""
        amount = self._check_money(amount, currency)
        return self._append(
            kind=EntryKind.CONTRIBUTION,
            amount=amount,
            postings=chart.contribution_postings(amount),
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            pledge_id=check_id(pledge_id, "pledge_id"),
            event_id=check_id(event_id, "event_id"),
        )

    def record_refund(
        self,
        pledge_id: uuid.UUID | str,
        amount: object,
        currency: object,
        event_id: uuid.UUID | str,
        occurred_at: datetime,
        recorded_at: datetime,
    ) -> Entry:
        """Part or all of a collected pledge went back (``pledge.refunded``; ``amount`` is what
        this refund returns). The reason the creator gave stays in the pledges service: free
        text could name the backer, and the log is public and permanent.

        Recorded even when the money was spent already: the backer has it back whatever the
        books say, and books missing it would hide the campaign's shortfall."""
        amount = self._check_money(amount, currency)
        return self._append(
            kind=EntryKind.REFUND,
            amount=amount,
            postings=chart.refund_postings(amount),
            may_overdraw=True,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            pledge_id=check_id(pledge_id, "pledge_id"),
            event_id=check_id(event_id, "event_id"),
        )

    # --- entries the creator makes ------------------------------------------------------------

    def record_expense(
        self,
        amount: object,
        currency: object,
        category: object,
        description: object,
        vendor: object,
        incurred_on: object,
        receipt_sha256: object,
        recorded_by: uuid.UUID | str,
        recorded_at: datetime,
        event_id: uuid.UUID | str | None = None,
        receipt_reuse_reason: object = None,
    ) -> Entry:
        """The creator spent ``amount`` on ``category``, with a receipt whose SHA-256 is given.

        A category matching a budget line or an earlier expense, ignoring case, takes that
        spelling, so spending lands on one account. Refused with :class:`InsufficientFunds`
        when more than is available, and with :class:`ReceiptAlreadyUsed` when the receipt
        backs an expense in force and no ``receipt_reuse_reason`` is given (a reason, when
        given, is recorded in the entry either way)."""
        recorder = self._check_creator(recorded_by)
        amount = self._check_money(amount, currency)
        category = self._known_category(check_text(category, "category", max_length=CATEGORY_MAX))
        recorded_at = aware(recorded_at, "recorded_at")
        # Every value is checked before the books are consulted: bad input is a 422 whatever
        # state the journal is in.
        fields: dict[str, Any] = {
            "memo": check_text(
                description, "description", max_length=DESCRIPTION_MAX, multiline=True
            ),
            "vendor": check_text(vendor, "vendor", max_length=VENDOR_MAX),
            "incurred_on": check_incurred_on(incurred_on, recorded_at),
            "receipt_sha256": check_receipt(receipt_sha256),
            "event_id": None if event_id is None else check_id(event_id, "event_id"),
            "receipt_reuse_reason": None
            if receipt_reuse_reason is None
            else check_text(
                receipt_reuse_reason, "receipt_reuse_reason", max_length=REASON_MAX, multiline=True
            ),
        }
        if fields["receipt_reuse_reason"] is None:
            self._check_receipt_unused(fields["receipt_sha256"])
        return self._append(
            kind=EntryKind.EXPENSE,
            amount=amount,
            postings=chart.expense_postings(amount, category),
            occurred_at=recorded_at,
            recorded_at=recorded_at,
            category=category,
            recorded_by=recorder,
            **fields,
        )

    def record_reversal(
        self,
        entry_being_reversed: Entry,
        reason: object,
        recorded_by: uuid.UUID | str,
        recorded_at: datetime,
        event_id: uuid.UUID | str | None = None,
    ) -> Entry:
        """Undo ``entry_being_reversed`` (which the adapter loaded from this campaign's journal
        by seq) with an entry posting the opposite; the original stays. Only expenses and
        reversals of them are reversible; see the module's rules on reversing reversals."""
        original = entry_being_reversed
        recorder = self._check_creator(recorded_by)
        # The reason is checked first, so bad input is answered as such whatever the entry.
        memo = check_text(reason, "reason", max_length=REASON_MAX, multiline=True)
        self.check_reversible(original)
        seq = original.seq
        recorded_at = aware(recorded_at, "recorded_at")
        return self._append(
            kind=EntryKind.REVERSAL,
            amount=original.amount,
            postings=chart.reversal_postings(original.postings),
            occurred_at=recorded_at,
            recorded_at=recorded_at,
            memo=memo,
            reverses_seq=seq,
            blame="seq",
            category=original.category,
            pledge_id=original.pledge_id,
            recorded_by=recorder,
            event_id=None if event_id is None else check_id(event_id, "event_id"),
        )

    # --- internals ----------------------------------------------------------------------------

    def _append(
        self,
        *,
        postings: tuple[Posting, ...],
        blame: str = "amount",
        may_overdraw: bool = False,
        **fields: Any,
    ) -> Entry:
        """Check the rules every entry keeps, then append it; ``blame`` names the input that
        a refusal points at, and ``may_overdraw`` lets the entry (a refund) take the funds below
        zero."""
        pledge_id: uuid.UUID | None = fields.get("pledge_id")
        if pledge_id is not None:
            contributed = self.pledge_balances.get(pledge_id, 0)
            if contributed + chart.pledge_change(postings) < 0:
                raise RefundExceedsContribution(
                    f"pledge {pledge_id} has {contributed} contributed net of refunds in this "
                    f"journal; this would leave it below zero",
                    blame,
                )
        if not may_overdraw:
            self._check_funds(chart.funds_change(postings), blame)
        entry = Entry(
            seq=self.next_seq,
            currency=self.currency,
            postings=postings,
            **{"category": None, "memo": None, **fields},
        )
        self._apply(entry)
        self.events.append(EntryAppended(self.campaign_id, entry))
        return entry

    def _apply(self, entry: Entry) -> None:
        for posting in entry.postings:
            self.balances[posting.account] = self.balances.get(posting.account, 0) + posting.amount
        if entry.pledge_id is not None:
            self.pledge_balances[entry.pledge_id] = self.pledge_balances.get(
                entry.pledge_id, 0
            ) + chart.pledge_change(entry.postings)
        if entry.reverses_seq is not None:
            self.reversed_by[entry.reverses_seq] = entry.seq
        if entry.kind is EntryKind.EXPENSE and entry.receipt_sha256 is not None:
            self.receipt_uses.setdefault(entry.receipt_sha256, []).append(entry.seq)
        self._apply_provider_entry(entry)
        self.next_seq = entry.seq + 1

    def _check_funds(self, change: int, blame: str) -> None:
        """:class:`InsufficientFunds` if taking ``change`` (negative: out) needs more than is
        available. Money coming in is always welcome, also while the funds are short of zero."""
        if change < 0 and self.funds + change < 0:
            raise InsufficientFunds(
                f"{format_amount(-change, self.currency)} needed but only "
                f"{format_amount(self.available, self.currency)} available",
                blame,
                facts={"needed": -change, "available": self.available, "currency": self.currency},
            )

    def _check_receipt_unused(self, receipt_sha256: str) -> None:
        """:class:`ReceiptAlreadyUsed` if an expense in force already names this receipt."""
        in_force = [s for s in self.receipt_uses.get(receipt_sha256, ()) if self.in_force(s)]
        if in_force:
            raise ReceiptAlreadyUsed(
                f"this receipt already backs expense {in_force[0]}, which is in force; reverse "
                "that expense first, or give receipt_reuse_reason to say why the same receipt "
                "backs another expense",
                "receipt",
            )

    def _check_money(self, amount: object, currency: object) -> int:
        checked = check_amount(amount)
        if currency != self.currency:
            raise CurrencyMismatch(f"this campaign's books are in {self.currency}", "currency")
        return checked

    def _check_creator(self, recorded_by: uuid.UUID | str) -> uuid.UUID:
        account = check_id(recorded_by, "recorded_by")
        if account != self.creator_id:
            raise NotCampaignCreator("only the campaign's creator keeps its books", "recorded_by")
        return account

    def _known_category(self, category: str) -> str:
        """``category`` as the budget or an earlier expense spells it, if either does."""
        spent_in = (chart.category_of(account) for account in self.balances)
        for known in [*self.budget, *(c for c in spent_in if c is not None)]:
            if known.casefold() == category.casefold():
                return known
        return category
