"""What each kind of journal entry fills in and posts: the shape rules an :class:`Entry` keeps.

Entries are built by the Journal (which has already refused bad input with domain errors) and
by ``Entry.from_leaf``; these checks guard the shape of the log itself, so a failure here is a
programming error (``ValueError``), not a user's. The leaf format is documented in
:mod:`.entries`.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from . import accounts_chart as chart
from .accounts_chart import Posting

RECEIPT_SHA256 = re.compile(r"[0-9a-f]{64}")
#: A payment provider's id (Stripe's look like ``txn_1Nx…``, ``dp_…``, ``evt_…``).
PROVIDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")


class EntryKind(StrEnum):
    """What an entry records."""

    #: A pledge was collected (from ``pledge.collected``).
    CONTRIBUTION = "contribution"
    #: Part or all of a collected pledge went back (from ``pledge.refunded``).
    REFUND = "refund"
    #: The creator spent money, with a receipt.
    EXPENSE = "expense"
    #: The creator undid an earlier entry, which stays in the log.
    REVERSAL = "reversal"
    #: The payment provider took a fee from a collected pledge (``payment.fee_charged``).
    FEE = "fee"
    #: A card dispute held a pledge's money back (``payment.dispute_opened``).
    DISPUTE = "dispute"
    #: A won dispute returned it (``payment.dispute_closed``, outcome won).
    DISPUTE_REVERSAL = "dispute_reversal"


class KindFields(Protocol):
    """What the checks read of an entry (an :class:`.entries.Entry`)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> EntryKind: ...
    @property
    def amount(self) -> int: ...
    @property
    def category(self) -> str | None: ...
    @property
    def pledge_id(self) -> uuid.UUID | None: ...
    @property
    def incurred_on(self) -> date | None: ...
    @property
    def reverses_seq(self) -> int | None: ...
    @property
    def receipt_sha256(self) -> str | None: ...
    @property
    def receipt_reuse_reason(self) -> str | None: ...
    @property
    def postings(self) -> tuple[Posting, ...]: ...


def is_index(value: object) -> bool:
    """Whether ``value`` is an int ≥ 0 (bools are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: The fields some kinds fill in and others leave ``None``.
_KIND_FIELDS = (
    "category",
    "memo",
    "event_id",
    "recorded_by",
    "pledge_id",
    "receipt_sha256",
    "vendor",
    "incurred_on",
    "reverses_seq",
    "receipt_reuse_reason",
    "provider_reference",
    "provider_event_id",
)


#: The kind-specific fields each kind must fill in.
_REQUIRED_FIELDS: dict[EntryKind, frozenset[str]] = {
    EntryKind.CONTRIBUTION: frozenset({"pledge_id", "event_id"}),
    EntryKind.REFUND: frozenset({"pledge_id", "event_id"}),
    EntryKind.EXPENSE: frozenset(
        {"category", "memo", "vendor", "incurred_on", "receipt_sha256", "recorded_by"}
    ),
    EntryKind.REVERSAL: frozenset({"memo", "reverses_seq", "recorded_by"}),
    EntryKind.FEE: frozenset(
        {"pledge_id", "event_id", "category", "provider_reference", "provider_event_id"}
    ),
    EntryKind.DISPUTE: frozenset(
        {"pledge_id", "event_id", "memo", "provider_reference", "provider_event_id"}
    ),
    EntryKind.DISPUTE_REVERSAL: frozenset(
        {"pledge_id", "event_id", "provider_reference", "provider_event_id"}
    ),
}
#: The kind-specific fields each kind may fill in besides those.
_OPTIONAL_FIELDS: dict[EntryKind, frozenset[str]] = {
    EntryKind.CONTRIBUTION: frozenset(),
    EntryKind.REFUND: frozenset(),
    EntryKind.EXPENSE: frozenset({"event_id", "receipt_reuse_reason"}),
    EntryKind.REVERSAL: frozenset({"event_id", "category", "pledge_id"}),
    EntryKind.FEE: frozenset(),
    EntryKind.DISPUTE: frozenset(),
    EntryKind.DISPUTE_REVERSAL: frozenset(),
}


def check_kind_fields(entry: KindFields) -> None:
    """Each kind fills in its own fields, no others, and posts what the chart says."""
    kind = entry.kind
    required = _REQUIRED_FIELDS[kind]
    allowed = required | _OPTIONAL_FIELDS[kind]
    present = {name for name in _KIND_FIELDS if getattr(entry, name) is not None}
    if not required <= present <= allowed:
        raise ValueError(
            f"a {kind} entry fills in {sorted(required)} (may add {sorted(allowed - required)}),"
            f" not {sorted(present)}"
        )
    for name in ("category", "memo", "vendor", "receipt_reuse_reason"):
        if not isinstance(getattr(entry, name), str | None):
            raise ValueError(f"{name} must be text")
    for name in ("provider_reference", "provider_event_id"):
        value = getattr(entry, name)
        if value is not None and not (isinstance(value, str) and PROVIDER_ID.fullmatch(value)):
            raise ValueError(f"{name} must be a payment provider's id")
    if entry.receipt_reuse_reason == "":
        raise ValueError("receipt_reuse_reason is left out when there is none, never empty")
    for name in ("event_id", "recorded_by", "pledge_id"):
        if not isinstance(getattr(entry, name), uuid.UUID | None):
            raise ValueError(f"{name} must be a UUID")
    if entry.receipt_sha256 is not None and not (
        isinstance(entry.receipt_sha256, str) and RECEIPT_SHA256.fullmatch(entry.receipt_sha256)
    ):
        raise ValueError("receipt_sha256 must be 64 lower-case hex digits")
    if entry.incurred_on is not None and (
        not isinstance(entry.incurred_on, date) or isinstance(entry.incurred_on, datetime)
    ):
        raise ValueError("incurred_on must be a date")
    if entry.reverses_seq is not None and not (
        is_index(entry.reverses_seq) and entry.reverses_seq < entry.seq
    ):
        raise ValueError("a reversal undoes an earlier entry (0 ≤ reverses_seq < seq)")
    if entry.postings not in _chart_postings(entry):
        raise ValueError(f"postings of a {kind} entry don't follow the chart of accounts")


def _chart_postings(entry: KindFields) -> list[tuple[Posting, ...]]:
    """The postings the chart allows for ``entry``: its kind's, or for a reversal those of any
    kind of the same amount (and category), either way round, since reversals may be reversed."""
    amount = entry.amount
    by_kind = {
        EntryKind.CONTRIBUTION: [chart.contribution_postings(amount)],
        EntryKind.REFUND: [chart.refund_postings(amount)],
        EntryKind.EXPENSE: [chart.expense_postings(amount, entry.category or "")],
        EntryKind.DISPUTE: [chart.dispute_postings(amount)],
        EntryKind.DISPUTE_REVERSAL: [chart.dispute_reversal_postings(amount)],
    }
    if entry.kind is EntryKind.FEE:
        if entry.category not in chart.FEE_KINDS:
            raise ValueError(f"a fee's category is its kind, one of {chart.FEE_KINDS}")
        return [chart.fee_postings(amount, entry.category)]
    if entry.kind is not EntryKind.REVERSAL:
        return by_kind[entry.kind]
    if entry.category is not None:
        originals = by_kind[EntryKind.EXPENSE]
    elif entry.pledge_id is not None:
        originals = by_kind[EntryKind.CONTRIBUTION] + by_kind[EntryKind.REFUND]
    else:
        return []
    return originals + [chart.reversal_postings(postings) for postings in originals]
