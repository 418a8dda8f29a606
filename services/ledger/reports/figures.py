"""The public spending report's figures, computed from a log's leaves alone (pure, no database).

Everything the report shows is derived here from the leaf lines of one checkpoint, the campaign's
currency, budget and status, and the checkpoint's time, so anyone holding the export can
recompute every figure. The totals replay the postings through the chart of accounts
(:func:`~services.ledger.domain.accounts_chart.balance_from`), the very rules of
``GET /balance``, so the two agree whenever the checkpoint covers the whole journal.

Dates are the ledger's: the UTC day an entry was booked (``recorded_at``). The table runs day by
day, so its running balance is true at the end of every day even if a pledge event arrived late;
an expense's own date (``incurred_on``) is shown in the receipts index.

No backer identity leaves this module: contributions, refunds, fees and disputes are summed per
day into one row per day and kind, and pledge ids are only counted, never copied into a figure.

One fact is not in the log: that the payment provider closed a dispute as lost, which moves no
money and so makes no entry. The caller passes the references of lost disputes; without them a
dispute not won reads as still open, which holds the money back just the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.ledger.domain import accounts_chart as chart
from services.ledger.domain.accounts_chart import Balance
from services.ledger.domain.entries import Entry, EntryKind
from services.ledger.domain.reversals import in_force

#: Entry kinds summed per day, so that no row stands for one backer.
AGGREGATED_KINDS = frozenset(
    {
        EntryKind.CONTRIBUTION,
        EntryKind.REFUND,
        EntryKind.FEE,
        EntryKind.DISPUTE,
        EntryKind.DISPUTE_REVERSAL,
    }
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of the report's ledger table."""

    #: The UTC day the entries were booked.
    day: date
    #: ``contribution``, ``refund``, ``expense`` or ``reversal``.
    kind: str
    #: How many entries the row sums (1 unless contributions or refunds of one day).
    count: int
    #: The entry's seq for a single-entry row; ``None`` for a day's sum.
    seq: int | None
    category: str | None
    #: An expense's description or a reversal's reason (creator text, shown escaped).
    description: str | None
    vendor: str | None
    #: What the row did to the campaign's funds, in minor units: positive in, negative out.
    amount: int
    #: ``assets:funds`` after the row; below zero while refunds left the campaign short.
    balance: int
    receipt_sha256: str | None
    #: For a reversal, the seq of the entry it undoes.
    reverses_seq: int | None
    #: For an entry that was later reversed, the seq of the reversal.
    reversed_by: int | None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """Money in and out in one calendar month (by booking date)."""

    #: The first day of the month.
    month: date
    #: Contributions minus refunds booked in the month.
    raised: int
    #: Expenses minus reversed expenses booked in the month.
    spent: int
    #: Net spending from the first month up to and including this one.
    cumulative_spent: int


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of the receipts index: an expense and the SHA-256 of its receipt file."""

    seq: int
    #: The day the creator says the expense was incurred.
    incurred_on: date | None
    vendor: str | None
    category: str | None
    amount: int
    sha256: str
    #: The reversal's seq when the expense was reversed.
    reversed_by: int | None
    #: Whether the expense counts: never reversed, or re-instated (the journal's rule).
    in_force: bool


@dataclass(frozen=True, slots=True)
class DisputeFigures:
    """Card disputes by where they stand: how many, and the money in each state."""

    open: int = 0
    open_amount: int = 0
    won: int = 0
    won_amount: int = 0
    lost: int = 0
    lost_amount: int = 0

    @property
    def count(self) -> int:
        return self.open + self.won + self.lost


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the report shows, in minor units of ``balance.currency``."""

    #: Raised, refunded, spent, available, shortfall and budget against actual per category.
    balance: Balance
    #: Distinct pledges whose contributions still exceed their refunds.
    backers_count: int
    #: The campaign's status (``live``, ``succeeded``, …).
    status: str
    #: How many entries (leaves) the figures cover: the checkpoint's tree size.
    entries_count: int
    #: The first and last booking days, ``None`` for an empty log.
    first_day: date | None
    last_day: date | None
    #: When the report was made: the checkpoint's publication time, never the wall clock.
    made_at: datetime
    rows: tuple[LedgerRow, ...]
    months: tuple[MonthFigures, ...]
    receipts: tuple[ReceiptLine, ...]
    disputes: DisputeFigures = DisputeFigures()


def parse_leaves(leaves: Iterable[bytes]) -> list[Entry]:
    """The entries of ``leaves`` in order; each must be exactly a ledger leaf (MalformedLeaf)."""
    entries = [Entry.from_leaf(leaf) for leaf in leaves]
    for index, entry in enumerate(entries):
        if entry.seq != index:
            raise ValueError(f"leaf {index} holds entry {entry.seq}: the log has a gap")
    return entries


def compute_figures(
    entries: Sequence[Entry],
    *,
    currency: str,
    budget: Mapping[str, int],
    status: str,
    made_at: datetime,
    lost_disputes: Collection[str] = (),
) -> Figures:
    """The report's figures for ``entries`` (a log from seq 0, in order); ``lost_disputes``
    are the provider's references of the disputes it closed as lost."""
    balances: dict[str, int] = {}
    pledges: dict[uuid.UUID, int] = {}
    reversed_by: dict[int, int] = {}
    for entry in entries:
        if entry.currency != currency:
            raise ValueError(f"entry {entry.seq} is in {entry.currency}, not {currency}")
        for posting in entry.postings:
            balances[posting.account] = balances.get(posting.account, 0) + posting.amount
        if entry.pledge_id is not None:
            change = chart.pledge_change(entry.postings)
            pledges[entry.pledge_id] = pledges.get(entry.pledge_id, 0) + change
        if entry.reverses_seq is not None:
            reversed_by[entry.reverses_seq] = entry.seq
    days = sorted({booking_day(entry) for entry in entries})
    return Figures(
        balance=chart.balance_from(balances, currency, budget),
        backers_count=sum(1 for net in pledges.values() if net > 0),
        status=status,
        entries_count=len(entries),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
        made_at=made_at,
        rows=ledger_rows(entries, reversed_by),
        months=monthly(entries),
        receipts=tuple(
            ReceiptLine(
                seq=entry.seq,
                incurred_on=entry.incurred_on,
                vendor=entry.vendor,
                category=entry.category,
                amount=entry.amount,
                sha256=entry.receipt_sha256,
                reversed_by=reversed_by.get(entry.seq),
                in_force=in_force(reversed_by, entry.seq),
            )
            for entry in entries
            if entry.kind is EntryKind.EXPENSE and entry.receipt_sha256 is not None
        ),
        disputes=dispute_figures(entries, lost_disputes),
    )


def dispute_figures(entries: Sequence[Entry], lost: Collection[str]) -> DisputeFigures:
    """Disputes opened in ``entries``: won when a ``dispute_reversal`` names the same provider
    reference, lost when ``lost`` does, else open."""
    opened = {e.provider_reference: e.amount for e in entries if e.kind is EntryKind.DISPUTE}
    won = {e.provider_reference for e in entries if e.kind is EntryKind.DISPUTE_REVERSAL}
    counts = {"open": [0, 0], "won": [0, 0], "lost": [0, 0]}
    for reference, amount in opened.items():
        state = "won" if reference in won else "lost" if reference in lost else "open"
        counts[state][0] += 1
        counts[state][1] += amount
    return DisputeFigures(
        open=counts["open"][0],
        open_amount=counts["open"][1],
        won=counts["won"][0],
        won_amount=counts["won"][1],
        lost=counts["lost"][0],
        lost_amount=counts["lost"][1],
    )


def booking_day(entry: Entry) -> date:
    """The UTC day the ledger booked the entry (its times are UTC in every entry)."""
    return entry.recorded_at.date()


def ledger_rows(entries: Sequence[Entry], reversed_by: Mapping[int, int]) -> tuple[LedgerRow, ...]:
    """The ledger table: per day, one row per kind of pledge money (at the place of its first
    entry), every expense and reversal on its own; the running balance follows the rows."""
    rows: list[LedgerRow] = []
    balance = 0
    for day_entries in _by_day(entries):
        # Rows of the day in the order of their first entry; a day's pledge entries of one kind
        # are summed into a single row, so the table never shows one backer's money.
        day_rows: list[list[Entry]] = []
        summed: dict[EntryKind, list[Entry]] = {}
        for entry in day_entries:
            if entry.kind in AGGREGATED_KINDS:
                if entry.kind not in summed:
                    summed[entry.kind] = []
                    day_rows.append(summed[entry.kind])
                summed[entry.kind].append(entry)
            else:
                day_rows.append([entry])
        for group in day_rows:
            first = group[0]
            amount = sum(entry.funds_change for entry in group)
            balance += amount
            single = len(group) == 1 and first.kind not in AGGREGATED_KINDS
            rows.append(
                LedgerRow(
                    day=booking_day(first),
                    kind=first.kind.value,
                    count=len(group),
                    seq=first.seq if single else None,
                    category=first.category if single else None,
                    description=first.memo if single else None,
                    vendor=first.vendor if single else None,
                    amount=amount,
                    balance=balance,
                    receipt_sha256=first.receipt_sha256 if single else None,
                    reverses_seq=first.reverses_seq if single else None,
                    reversed_by=reversed_by.get(first.seq) if single else None,
                )
            )
    return tuple(rows)


def monthly(entries: Sequence[Entry]) -> tuple[MonthFigures, ...]:
    """Raised and spent per calendar month, every month from the first entry's to the last's."""
    if not entries:
        return ()
    raised: dict[date, int] = {}
    spent: dict[date, int] = {}
    for entry in entries:
        month = booking_day(entry).replace(day=1)
        raised[month] = raised.get(month, 0) - sum(
            p.amount for p in entry.postings if p.account in (chart.PLEDGES, chart.REFUNDS)
        )
        spent[month] = spent.get(month, 0) + sum(
            p.amount for p in entry.postings if chart.category_of(p.account) is not None
        )
    months: list[MonthFigures] = []
    month, last = min(raised), max(raised)
    cumulative = 0
    while month <= last:
        cumulative += spent.get(month, 0)
        months.append(MonthFigures(month, raised.get(month, 0), spent.get(month, 0), cumulative))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(months)


def _by_day(entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    """The entries of each booking day, day by day, each day's in log order. Grouped over the
    whole log rather than by runs, so a day never gets two rows of one kind even when clocks
    made the log's times go backwards."""
    days: dict[date, list[Entry]] = {}
    for entry in entries:
        days.setdefault(booking_day(entry), []).append(entry)
    for day in sorted(days):
        yield days[day]
