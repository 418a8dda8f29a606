"""The ledger's chart of accounts, the postings each kind of entry makes, and the balance view.

Every entry posts integer minor units of the campaign's one currency to named accounts, debits
positive and credits negative (beancount's convention), and its postings sum to zero.

=====================  ==============  ================================================
account                type            balance, and what it means
=====================  ==============  ================================================
``assets:funds``       asset           the money the campaign holds (``available``); below
                                       zero only after refunds (``shortfall``, see below)
``income:pledges``     income          ≤ 0: pledges collected (``raised`` is its negation)
``income:refunds``     contra-income   ≥ 0: pledges given back (``refunded``)
``expenses:<category>`` expense        ≥ 0: money spent on that category (``spent``)
``fees:processing``    expense         ≥ 0: the payment provider's processing fees
``fees:platform``      expense         ≥ 0: the platform's fee (together: ``fees``)
``income:disputes``    contra-income   ≥ 0: money card disputes took back and did not
                                       return (``disputed``: open and lost disputes)
=====================  ==============  ================================================

================  ==================================  ==================================
entry kind        debit (+amount)                     credit (−amount)
================  ==================================  ==================================
contribution      ``assets:funds``                    ``income:pledges``
refund            ``income:refunds``                  ``assets:funds``
expense           ``expenses:<category>``             ``assets:funds``
fee               ``fees:<fee kind>``                 ``assets:funds``
dispute           ``income:disputes``                 ``assets:funds``
dispute_reversal  ``assets:funds``                    ``income:disputes``
reversal          every posting of the reversed entry, same accounts and order, sign flipped
================  ==================================  ==================================

So ``assets:funds = raised − refunded − spent − fees − disputed`` always holds, and a reversal
of an expense puts the money back into ``assets:funds`` and takes it out of its category.

A refund is recorded even when the money was spent already: ``pledge.refunded`` reports money
that has gone back to the backer, so books refusing it would hide money that really moved. The
refund keeps its usual postings and ``assets:funds`` goes below zero by what the campaign is
short: the creator owes the campaign that much, out of money already spent. The balance view
shows it as ``shortfall`` and keeps ``available`` at zero, so
``available − shortfall = net − spent`` (``net`` below). Funds below zero were chosen over a
receivable account so that every entry keeps its leaf form, and so that money coming in later (a
contribution, a reversed expense) covers the shortfall first, by plain addition, before any of it
can be spent: expenses are refused while they would take ``assets:funds`` below zero.

Fees and disputes are money the payment provider took, reported by the provider (a signed
webhook read by the pledges service), so like refunds they are recorded even when the funds go
below zero. Fees get accounts of their own, outside ``expenses:``, so they never count as the
creator's spending nor can be reversed by the creator. A dispute is posted like a refund the
card network forced (to a contra-income account of its own, so ``raised`` stays gross); a won
dispute posts the opposite (``dispute_reversal``); a lost one posts nothing, as no money moves
when it closes: the money it took stays in ``income:disputes``. ``net = raised − refunded −
fees − disputed`` is what the campaign kept of what backers paid.

Refunds get a contra-income account rather than ``liabilities:refunds``: a ``pledge.refunded``
event reports money already paid back, so nothing is owed to the backer, and keeping refunds out
of ``income:pledges`` lets the balance show ``raised`` gross and ``refunded`` beside it.

An expense account is ``expenses:`` followed by the category exactly as the journal spells it
(a category may itself hold spaces or colons; everything after the first ``expenses:`` is the
category). Budgets are plans, not limits: spending past a category's budget is allowed and shows
in the balance; only spending past the money available is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

FUNDS = "assets:funds"
PLEDGES = "income:pledges"
REFUNDS = "income:refunds"
EXPENSES_PREFIX = "expenses:"
FEES_PREFIX = "fees:"
DISPUTES = "income:disputes"
#: The kinds of fee a payment provider reports: its own, and the platform's share.
FEE_KINDS = ("processing", "platform")


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: an amount debited (positive) or credited (negative) to an account."""

    #: The account's name from the chart above, e.g. ``"assets:funds"``.
    account: str
    #: Signed minor units of the entry's currency; never zero.
    amount: int

    def __post_init__(self) -> None:
        if not isinstance(self.account, str) or not self.account:
            raise ValueError("a posting needs an account name")
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or not self.amount:
            raise ValueError(f"a posting's amount must be a non-zero int, got {self.amount!r}")

    def reversed(self) -> Posting:
        """The same posting with its sign flipped, as a reversal records it."""
        return Posting(self.account, -self.amount)


def expense_account(category: str) -> str:
    """The account an expense in ``category`` is debited to."""
    return EXPENSES_PREFIX + category


def category_of(account: str) -> str | None:
    """The category of an expense account, or ``None`` for any other account."""
    if account.startswith(EXPENSES_PREFIX):
        return account[len(EXPENSES_PREFIX) :]
    return None


def contribution_postings(amount: int) -> tuple[Posting, ...]:
    """A collected pledge: the funds grow, and so does income."""
    return (Posting(FUNDS, amount), Posting(PLEDGES, -amount))


def refund_postings(amount: int) -> tuple[Posting, ...]:
    """A pledge given back: the contra-income grows and the funds shrink."""
    return (Posting(REFUNDS, amount), Posting(FUNDS, -amount))


def expense_postings(amount: int, category: str) -> tuple[Posting, ...]:
    """Money spent: the category's expense account grows and the funds shrink."""
    return (Posting(expense_account(category), amount), Posting(FUNDS, -amount))


def fee_account(fee_kind: str) -> str:
    """The account a fee of ``fee_kind`` (one of :data:`FEE_KINDS`) is debited to."""
    if fee_kind not in FEE_KINDS:
        raise ValueError(f"no fee account for {fee_kind!r}")
    return FEES_PREFIX + fee_kind


def fee_postings(amount: int, fee_kind: str) -> tuple[Posting, ...]:
    """A fee taken from collected money: the fee account grows and the funds shrink."""
    return (Posting(fee_account(fee_kind), amount), Posting(FUNDS, -amount))


def dispute_postings(amount: int) -> tuple[Posting, ...]:
    """Money a card dispute held back: the disputes contra-income grows, the funds shrink."""
    return (Posting(DISPUTES, amount), Posting(FUNDS, -amount))


def dispute_reversal_postings(amount: int) -> tuple[Posting, ...]:
    """A won dispute's money back: the opposite of :func:`dispute_postings`."""
    return reversal_postings(dispute_postings(amount))


def reversal_postings(postings: Iterable[Posting]) -> tuple[Posting, ...]:
    """The postings that undo ``postings``: the same accounts, in the same order, negated."""
    return tuple(posting.reversed() for posting in postings)


def moves_pledge_money(postings: Iterable[Posting]) -> bool:
    """Whether the entry posts to a pledge account: money that came in or went back through
    pledge events (a contribution, a refund, or a reversal of one)."""
    return any(posting.account in (PLEDGES, REFUNDS) for posting in postings)


def funds_change(postings: Iterable[Posting]) -> int:
    """How much the entry adds to (or, negative, takes from) the available funds."""
    return sum(posting.amount for posting in postings if posting.account == FUNDS)


def pledge_change(postings: Iterable[Posting]) -> int:
    """How much the entry adds to what a pledge has contributed net of refunds.

    Read from the postings rather than the entry's kind, so that a reversal (and a reversal of a
    reversal) counts as the opposite of whatever it undoes.
    """
    # A dispute takes a pledge's money back as a refund does (and a won one returns it), so a
    # pledge can't be refunded what a dispute already took.
    return -sum(
        posting.amount for posting in postings if posting.account in (PLEDGES, REFUNDS, DISPUTES)
    )


def sums_to_zero(postings: Iterable[Posting]) -> bool:
    """The double-entry rule for one entry (the whole journal has a single currency)."""
    return sum(posting.amount for posting in postings) == 0


class CategorySpending(NamedTuple):
    """One line of the spending-by-category view."""

    #: The category, spelled as the budget (or the first expense in it) spells it.
    category: str
    #: The planned amount; ``None`` for a category with spending but no budget line, which is
    #: not the same as a line planned at zero.
    budget: int | None
    #: Net spending in the category (expenses minus reversed expenses).
    spent: int


@dataclass(frozen=True, slots=True)
class Balance:
    """A campaign's money as its postings add up, in minor units of ``currency``."""

    #: The campaign's ISO 4217 currency.
    currency: str
    #: Contributions collected (net of any reversed before reversing them was refused).
    raised: int
    #: Given back to backers (likewise).
    refunded: int
    #: Spent on expenses, net of reversed expenses.
    spent: int
    #: Held and free to spend: ``net − spent`` when that is positive, else 0.
    available: int
    #: What refunds (fees, disputes) reported after the money was spent left the campaign short
    #: of: ``spent − net`` when that is positive, else 0. The creator owes the campaign this;
    #: money coming in covers it before it becomes ``available``.
    shortfall: int
    #: Every budget line in the budget's order (spent 0 when untouched), then each unbudgeted
    #: category with non-zero spending in alphabetical order, with ``budget`` ``None``.
    by_category: tuple[CategorySpending, ...]
    #: Processing and platform fees the payment provider took.
    fees: int = 0
    #: Held back by card disputes and not returned: disputes still open, and lost ones.
    disputed: int = 0

    @property
    def net(self) -> int:
        """What the campaign kept of what backers paid: ``raised − refunded − fees − disputed``."""
        return self.raised - self.refunded - self.fees - self.disputed

    @property
    def can_log_expenses(self) -> bool:
        """Whether the creator may record an expense now: the journal refuses any expense that
        needs more than is available (``InsufficientFunds``), so with nothing available every
        expense is refused; whatever the campaign's status, money held may be spent."""
        return self.available > 0


def balance_from(balances: Mapping[str, int], currency: str, budget: Mapping[str, int]) -> Balance:
    """The balance view of running account ``balances`` against the planned ``budget``."""
    spent_by_category: dict[str, int] = {}
    for account, amount in balances.items():
        category = category_of(account)
        if category is not None:
            spent_by_category[category] = spent_by_category.get(category, 0) + amount
    folded = {category.casefold(): category for category in spent_by_category}
    lines = []
    for category, planned in budget.items():
        spent = spent_by_category.pop(folded.pop(category.casefold(), category), 0)
        lines.append(CategorySpending(category, planned, spent))
    lines += [
        CategorySpending(category, None, spent)
        for category, spent in sorted(spent_by_category.items(), key=lambda i: i[0].casefold())
        if spent
    ]
    return Balance(
        currency=currency,
        raised=-balances.get(PLEDGES, 0),
        refunded=balances.get(REFUNDS, 0),
        spent=sum(line.spent for line in lines),
        available=max(balances.get(FUNDS, 0), 0),
        shortfall=max(-balances.get(FUNDS, 0), 0),
        by_category=tuple(lines),
        fees=sum(balances.get(fee_account(kind), 0) for kind in FEE_KINDS),
        disputed=balances.get(DISPUTES, 0),
    )
