"""The limits ledger input must respect, and the checks that enforce them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from shared.money import MAX_AMOUNT, is_amount
from shared.text import TextRefused, clean_text

from .entry_kinds import RECEIPT_SHA256
from .errors import (
    InvalidAmount,
    InvalidBudget,
    InvalidDate,
    InvalidId,
    InvalidReceiptHash,
    InvalidText,
)

#: Longest expense category, in characters (as the pledges service's budget lines).
CATEGORY_MAX = 64
#: Longest expense description, in characters.
DESCRIPTION_MAX = 1_000
#: Longest vendor name, in characters.
VENDOR_MAX = 200
#: Longest reversal reason, in characters.
REASON_MAX = 1_000
#: How far past the recording day (UTC) an expense's date may lie: the creator's calendar can be
#: up to 14 hours ahead of UTC, so "today" where they are may be tomorrow in UTC.
INCURRED_ON_SLACK = timedelta(days=1)


def check_amount(value: object, field: str = "amount") -> int:
    """``value`` as an amount of minor units, or :class:`InvalidAmount`."""
    if not is_amount(value):
        raise InvalidAmount(f"must be a whole number of minor units from 1 to {MAX_AMOUNT}", field)
    assert isinstance(value, int)  # is_amount() said so; this tells the type checker
    return value


def check_budget(budget: Mapping[str, int]) -> dict[str, int]:
    """A copy of ``budget`` (category → planned minor units), or :class:`InvalidBudget`."""
    seen: set[str] = set()
    for category, amount in budget.items():
        if not isinstance(category, str) or not category.strip() or category.casefold() in seen:
            raise InvalidBudget(f"budget category {category!r} is empty or repeated", "budget")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= MAX_AMOUNT:
            raise InvalidBudget(f"budget for {category!r} must be 0 to {MAX_AMOUNT}", "budget")
        seen.add(category.casefold())
    return dict(budget)


def check_text(value: object, field: str, *, max_length: int, multiline: bool = False) -> str:
    """``value`` with surrounding whitespace removed, or :class:`InvalidText`; the characters
    allowed are the rule every service shares (:mod:`shared.text`)."""
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextRefused as exc:
        raise InvalidText(str(exc), field) from None


def check_id(value: object, field: str) -> uuid.UUID:
    """``value`` (a UUID or its text in any form ``uuid.UUID`` reads) as a UUID, or
    :class:`InvalidId`."""
    # Ids are UUIDs so that nothing else (a name, an e-mail) can ride into the public log.
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise InvalidId("must be a UUID", field)


def check_receipt(value: object) -> str:
    """``value`` if it is a SHA-256 in lower-case hex, or :class:`InvalidReceiptHash`."""
    if not isinstance(value, str) or not RECEIPT_SHA256.fullmatch(value):
        raise InvalidReceiptHash("must be a SHA-256 as 64 lower-case hex digits", "receipt_sha256")
    return value


def check_incurred_on(value: object, recorded_at: datetime) -> date:
    """``value`` if it is a date no later than the day after ``recorded_at`` (UTC)."""
    # datetime is a subclass of date; a time of day would be silently dropped.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidDate("must be a calendar date", "incurred_on")
    if value > recorded_at.astimezone(UTC).date() + INCURRED_ON_SLACK:
        raise InvalidDate("must not be in the future", "incurred_on")
    return value


def aware(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive datetime here is a programming error, not bad input."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(UTC)
