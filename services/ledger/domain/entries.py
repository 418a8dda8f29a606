"""Journal entries and their leaf form: the canonical JSON line that the Merkle log hashes.

Leaf format (version 1). A leaf is the RFC 8785 canonical JSON of an object holding exactly the
keys of :data:`LEAF_FIELDS`, every one of them in every entry: a field that does not apply to an
entry's kind is ``null``, never left out, so every line of ``export.jsonl`` has one shape and a
reader never has to guess whether a key is missing or empty. Values: ``seq``, ``amount``,
``reverses_seq`` and posting amounts are integers (minor units for money); times are RFC 3339
in UTC with a ``Z`` (``2026-03-01T10:00:00Z``, with ``.ffffff`` only when there are fractions of
a second); ``incurred_on`` is ``YYYY-MM-DD``; ids are lower-case hyphenated UUID strings;
``postings`` is a list of ``{account, amount}``. The leaf never holds its own ``leaf_hash``:
the API adds that beside it. Changing this shape would change every hash; don't.

What each kind fills in (everything else ``null``):

- ``contribution`` and ``refund``: ``pledge_id`` and ``event_id`` (the ``pledge.collected`` or
  ``pledge.refunded`` event). No free text at all, so no backer's name or e-mail can reach the
  public, immutable log; the pledge id is an opaque UUID.
- ``expense``: ``category``, ``memo`` (the description), ``vendor``, ``incurred_on``,
  ``receipt_sha256`` and ``recorded_by`` (the creator's account id); ``event_id`` optionally.
- ``reversal``: ``reverses_seq``, ``memo`` (the reason) and ``recorded_by``; ``category`` and
  ``pledge_id`` are copied from the reversed entry so the reversal can be filed beside it.
- ``fee``: ``pledge_id``, ``event_id`` (the ``payment.fee_charged`` event), ``category`` (the
  fee kind: ``processing`` or ``platform``), and the two provider keys below.
- ``dispute``: ``pledge_id``, ``event_id`` (``payment.dispute_opened``), ``memo`` (the
  provider's reason code, e.g. ``fraudulent``: a code, never free text), the provider keys.
- ``dispute_reversal`` (a won dispute): ``pledge_id``, ``event_id``
  (``payment.dispute_closed``) and the provider keys; ``provider_reference`` names the dispute.

Three keys are optional, the only exceptions to "every key in every entry". Two are the payment
provider's keys, in the leaf of the kinds above and absent from every other kind (so every leaf
written before they existed keeps its bytes): ``provider_reference`` (the provider's id of the
money: a fee's charge or balance transaction, a dispute's id) and ``provider_event_id`` (the
provider's event that reported it), so an auditor can reconcile each entry with the provider's
records. The third is ``receipt_reuse_reason``, the creator's reason for letting an expense's
receipt back another expense that is still in force (see :class:`.journal.Journal`). It is in
the leaf only when it was given (a non-empty string), never ``null``, so every leaf written
before the key existed, and every leaf without a reason, keeps its exact bytes and hash; a
reader takes a missing key as "no reason given". Being in the leaf, the reason is public and
signed like the rest of the entry.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shared.money import is_amount, is_currency

from . import accounts_chart as chart
from .accounts_chart import Posting
from .canonical import JsonValue, NotCanonicalisable, canonical_json
from .entry_kinds import RECEIPT_SHA256 as RECEIPT_SHA256
from .entry_kinds import EntryKind as EntryKind
from .entry_kinds import check_kind_fields, is_index

LEAF_FIELDS: tuple[str, ...] = (
    "amount",
    "category",
    "currency",
    "event_id",
    "incurred_on",
    "kind",
    "memo",
    "occurred_at",
    "pledge_id",
    "postings",
    "receipt_sha256",
    "recorded_at",
    "recorded_by",
    "reverses_seq",
    "seq",
    "vendor",
)

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Leaf keys present only when they have a value (see the module's docstring).
OPTIONAL_LEAF_FIELDS: tuple[str, ...] = (
    "provider_event_id",
    "provider_reference",
    "receipt_reuse_reason",
)


class MalformedLeaf(ValueError):
    """Bytes that are not the leaf data of a ledger entry (format version 1)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One immutable line of a campaign's journal; the leaf at index ``seq`` of its log."""

    #: Position in the journal and leaf index in the Merkle log: 0, 1, 2, … with no gaps.
    seq: int
    #: What the entry records.
    kind: EntryKind
    #: The entry's size in minor units of ``currency``, always positive; the postings say
    #: which way the money moved.
    amount: int
    #: The campaign's ISO 4217 currency; every posting is in it.
    currency: str
    #: The expense category (copied onto reversals of expenses), or a fee's kind; else ``None``.
    category: str | None
    #: An expense's description, a reversal's reason, a dispute's reason code; else ``None``.
    memo: str | None
    #: When it happened: the pledge event's time, or for API entries the moment recorded.
    occurred_at: datetime
    #: When the ledger recorded it.
    recorded_at: datetime
    #: The double-entry legs, summing to zero; see :mod:`.accounts_chart`.
    postings: tuple[Posting, ...]
    #: The event it came from: the pledge event for pledge entries; optional for API entries.
    event_id: uuid.UUID | None = None
    #: The account that recorded it (the creator); ``None`` when a pledge event recorded it.
    recorded_by: uuid.UUID | None = None
    #: The opaque pledge id of a contribution or refund (and of reversals of those).
    pledge_id: uuid.UUID | None = None
    #: SHA-256 of the expense's receipt file, 64 lower-case hex digits.
    receipt_sha256: str | None = None
    #: Who was paid, for an expense.
    vendor: str | None = None
    #: The day an expense was incurred (the creator's calendar date).
    incurred_on: date | None = None
    #: The seq of the entry a reversal undoes.
    reverses_seq: int | None = None
    #: Why an expense's receipt also backs another expense in force; ``None`` if not given.
    receipt_reuse_reason: str | None = None
    #: The payment provider's id of the money (a fee's charge, a dispute), on provider entries.
    provider_reference: str | None = None
    #: The payment provider's event that reported it, on provider entries.
    provider_event_id: str | None = None

    def __post_init__(self) -> None:
        # Entries are built by the Journal (which has already refused bad input with domain
        # errors) and by from_leaf; this guards the shape of the log itself, so a mistake here
        # is a programming error (ValueError), not a user's.
        object.__setattr__(self, "kind", EntryKind(self.kind))
        object.__setattr__(self, "postings", tuple(self.postings))
        for name in ("occurred_at", "recorded_at"):
            moment = getattr(self, name)
            if not isinstance(moment, datetime) or moment.utcoffset() is None:
                raise ValueError(f"{name} must be a timezone-aware datetime")
            object.__setattr__(self, name, moment.astimezone(UTC))
        if not is_index(self.seq):
            raise ValueError(f"seq must be an int ≥ 0, got {self.seq!r}")
        if not is_amount(self.amount):
            raise ValueError(f"amount must be a positive int of minor units, got {self.amount!r}")
        if not is_currency(self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO 4217 code in use")
        if not all(isinstance(p, Posting) for p in self.postings) or len(self.postings) < 2:
            raise ValueError("an entry needs at least two postings")
        if not chart.sums_to_zero(self.postings):
            raise ValueError(f"postings of entry {self.seq} do not sum to zero")
        check_kind_fields(self)

    # --- reading ------------------------------------------------------------------------------

    @property
    def description(self) -> str | None:
        """An expense's description (its memo)."""
        return self.memo if self.kind is EntryKind.EXPENSE else None

    @property
    def reason(self) -> str | None:
        """Why a reversal was made (its memo)."""
        return self.memo if self.kind is EntryKind.REVERSAL else None

    @property
    def funds_change(self) -> int:
        """What the entry did to the available funds: positive in, negative out."""
        return chart.funds_change(self.postings)

    # --- leaf form ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, JsonValue]:
        """The entry as the JSON object of its leaf (and of the API, which adds ``leaf_hash``)."""
        optional: dict[str, JsonValue] = {
            name: getattr(self, name)
            for name in OPTIONAL_LEAF_FIELDS
            if getattr(self, name) is not None
        }
        return {
            "amount": self.amount,
            "category": self.category,
            "currency": self.currency,
            "event_id": _id_text(self.event_id),
            "incurred_on": None if self.incurred_on is None else self.incurred_on.isoformat(),
            "kind": self.kind.value,
            "memo": self.memo,
            "occurred_at": format_time(self.occurred_at),
            "pledge_id": _id_text(self.pledge_id),
            "postings": [{"account": p.account, "amount": p.amount} for p in self.postings],
            "receipt_sha256": self.receipt_sha256,
            "recorded_at": format_time(self.recorded_at),
            "recorded_by": _id_text(self.recorded_by),
            "reverses_seq": self.reverses_seq,
            "seq": self.seq,
            "vendor": self.vendor,
            **optional,
        }

    def leaf_data(self) -> bytes:
        """The leaf: RFC 8785 canonical JSON, exactly one line of ``export.jsonl``."""
        return canonical_json(self.to_json())

    @classmethod
    def from_leaf(cls, data: bytes) -> Entry:
        """Parse leaf data back into the entry; raises :class:`MalformedLeaf` unless ``data`` is
        exactly what :meth:`leaf_data` would write for it."""
        try:
            obj = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise MalformedLeaf(f"not ledger JSON: {error}") from error
        if not isinstance(obj, dict):
            raise MalformedLeaf("a leaf is a JSON object")
        if "leaf_hash" in obj:
            raise MalformedLeaf("leaf data never holds its own leaf_hash")
        if not set(LEAF_FIELDS) <= set(obj) <= {*LEAF_FIELDS, *OPTIONAL_LEAF_FIELDS}:
            missing = sorted(set(LEAF_FIELDS) - set(obj))
            unknown = sorted(set(obj) - {*LEAF_FIELDS, *OPTIONAL_LEAF_FIELDS})
            raise MalformedLeaf(f"leaf keys differ: missing {missing}, unknown {unknown}")
        try:
            entry = cls(**_entry_fields(obj))
            canonical = entry.leaf_data()
        except (TypeError, ValueError, NotCanonicalisable) as error:
            raise MalformedLeaf(str(error)) from error
        if canonical != data:
            raise MalformedLeaf("leaf is not in its canonical form (RFC 8785, canonical values)")
        return entry


def format_time(moment: datetime) -> str:
    """``moment`` as the leaf writes it: RFC 3339 UTC with a ``Z``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="auto") + "Z"


def _entry_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments from a leaf object, each value type-checked on the way."""
    postings = obj["postings"]
    if not isinstance(postings, list) or not all(
        isinstance(p, dict) and set(p) == {"account", "amount"} for p in postings
    ):
        raise MalformedLeaf("postings must be a list of {account, amount} objects")
    return {
        "seq": obj["seq"],
        "kind": _text(obj, "kind"),
        "amount": obj["amount"],
        "currency": _text(obj, "currency"),
        "category": _text(obj, "category", optional=True),
        "memo": _text(obj, "memo", optional=True),
        "occurred_at": _time(obj, "occurred_at"),
        "recorded_at": _time(obj, "recorded_at"),
        "postings": tuple(Posting(p["account"], p["amount"]) for p in postings),
        "event_id": _uuid(obj, "event_id"),
        "recorded_by": _uuid(obj, "recorded_by"),
        "pledge_id": _uuid(obj, "pledge_id"),
        "receipt_sha256": _text(obj, "receipt_sha256", optional=True),
        "vendor": _text(obj, "vendor", optional=True),
        "incurred_on": _date(obj, "incurred_on"),
        "reverses_seq": obj["reverses_seq"],
        # A null here reads as absent; the canonical round trip then refuses the null.
        **{
            name: _text(obj, name, optional=True) if name in obj else None
            for name in OPTIONAL_LEAF_FIELDS
        },
    }


def _text(obj: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = obj[key]
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise MalformedLeaf(f"{key} must be a string")
    return value


def _time(obj: dict[str, Any], key: str) -> datetime:
    value = _text(obj, key)
    if value is None or not _TIME.fullmatch(value):
        raise MalformedLeaf(f"{key} must be an RFC 3339 UTC time ending in Z")
    return datetime.fromisoformat(value)


def _date(obj: dict[str, Any], key: str) -> date | None:
    value = _text(obj, key, optional=True)
    if value is None:
        return None
    if not _DATE.fullmatch(value):
        raise MalformedLeaf(f"{key} must be a YYYY-MM-DD date")
    return date.fromisoformat(value)


def _uuid(obj: dict[str, Any], key: str) -> uuid.UUID | None:
    value = _text(obj, key, optional=True)
    return None if value is None else uuid.UUID(value)


def _id_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _no_float(text: str) -> Any:
    raise ValueError(f"number {text} is not an integer (leaves hold no floats)")
