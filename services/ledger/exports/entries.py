"""What an export shows of one entry, read from its signed leaf data; dates and amounts (pure).

Every export row is built from the entry's leaf data (the RFC 8785 line the log hashes), never
from the table's other columns, so an export says exactly what the signed tree says. The leaf is
parsed by the domain's :meth:`Entry.from_leaf`, as the reports parse it: one reading of the leaf
format, which refuses a leaf that is not exactly what the journal writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from services.ledger.domain.accounts_chart import FUNDS
from services.ledger.domain.entries import Entry, format_time


@dataclass(frozen=True, slots=True)
class ExportEntry:
    """One journal entry as the exports show it."""

    #: The entry's seq (its leaf index).
    seq: int
    #: `contribution`, `refund`, `expense`, `reversal`, `fee`, `dispute` or `dispute_reversal`.
    kind: str
    #: The entry's date, see :func:`entry_date`.
    day: date
    #: When it happened and when the ledger recorded it, as the leaf writes them (RFC 3339, Z).
    occurred_at: str
    recorded_at: str
    #: Positive minor units of `currency`.
    amount: int
    currency: str
    category: str | None
    #: An expense's description or a reversal's reason.
    memo: str | None
    vendor: str | None
    pledge_id: str | None
    receipt_sha256: str | None
    reverses_seq: int | None
    receipt_reuse_reason: str | None
    #: (account, signed minor units) as the leaf holds them; they sum to zero.
    postings: tuple[tuple[str, int], ...]
    #: The RFC 6962 leaf hash.
    leaf_hash: bytes
    #: The backer account behind `pledge_id`: filled only for auditors, and only when known.
    backer_id: uuid.UUID | None = None
    #: The payment provider's id of the money and of its event (fees and disputes only).
    provider_reference: str | None = None
    provider_event_id: str | None = None

    @property
    def funds_change(self) -> int:
        """What the entry did to `assets:funds`: positive in, negative out."""
        return sum(amount for account, amount in self.postings if account == FUNDS)


def entry_from_leaf(
    leaf_data: bytes, leaf_hash: bytes, backer_id: uuid.UUID | None = None
) -> ExportEntry:
    """The export row of one leaf (format version 1), read through the domain's
    :class:`Entry` (:class:`~services.ledger.domain.entries.MalformedLeaf` if it is not one)."""
    entry = Entry.from_leaf(leaf_data)
    occurred_at = format_time(entry.occurred_at)
    incurred_on = None if entry.incurred_on is None else entry.incurred_on.isoformat()
    return ExportEntry(
        seq=entry.seq,
        kind=entry.kind.value,
        day=entry_date(incurred_on, occurred_at),
        occurred_at=occurred_at,
        recorded_at=format_time(entry.recorded_at),
        amount=entry.amount,
        currency=entry.currency,
        category=entry.category,
        memo=entry.memo,
        vendor=entry.vendor,
        pledge_id=None if entry.pledge_id is None else str(entry.pledge_id),
        receipt_sha256=entry.receipt_sha256,
        reverses_seq=entry.reverses_seq,
        receipt_reuse_reason=entry.receipt_reuse_reason,
        provider_reference=entry.provider_reference,
        provider_event_id=entry.provider_event_id,
        postings=tuple((posting.account, posting.amount) for posting in entry.postings),
        leaf_hash=leaf_hash,
        backer_id=backer_id,
    )


def entry_date(incurred_on: str | None, occurred_at: str) -> date:
    """An entry's date in the exports (and for `from=`/`to=`): an expense's `incurred_on`, the
    day the money was spent as its receipt shows; for every other entry the UTC date of
    `occurred_at` (the pledge event's time, or when a reversal was made)."""
    return date.fromisoformat(incurred_on if incurred_on is not None else occurred_at[:10])


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive bounds on entries' dates; `None` leaves that end open."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("a date range must not start after it ends")

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def is_everything(self) -> bool:
        return self.start is None and self.end is None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who the export is for: the public, or an auditor who also sees backers and receipts."""

    #: Adds each pledge's backer account id.
    backers: bool = False
    #: Adds a download link per receipt: this prefix followed by the receipt's SHA-256.
    receipt_url_prefix: str | None = None

    @property
    def is_auditor(self) -> bool:
        return self.backers or self.receipt_url_prefix is not None

    def receipt_url(self, sha256: str | None) -> str | None:
        if sha256 is None or self.receipt_url_prefix is None:
            return None
        return self.receipt_url_prefix + sha256


PUBLIC = Audience()


def decimal_text(minor: int, exponent: int) -> str:
    """`minor` units as a plain decimal in the currency's units: (1500, 2) -> "15.00",
    (-1500, 2) -> "-15.00", (1500, 0) -> "1500", (1500, 3) -> "1.500". Exact for any size,
    and the same text as `str(shared.money.to_major_units(...))`, without its per-call lookups."""
    if exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"


def with_running_funds(entries: Iterable[ExportEntry]) -> Iterator[tuple[ExportEntry, int]]:
    """Each entry with `assets:funds` after it, counted from the first entry given (seq 0)."""
    funds = 0
    for entry in entries:
        funds += entry.funds_change
        yield entry, funds
