"""The limits campaigns and pledges must respect, and the checks that enforce them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from shared.errors import InvalidValue
from shared.languages import LANGUAGE_CHOICES, is_language
from shared.money import MAX_AMOUNT, is_amount, is_currency
from shared.referrals import SourceRefused, tidy_source
from shared.text import TextRefused, clean_text

from .errors import (
    DeadlineInPast,
    InvalidAmount,
    InvalidBudget,
    InvalidCurrency,
    InvalidDeadline,
    InvalidDeliveryMonth,
    InvalidFundingModel,
    InvalidLanguage,
    InvalidSource,
    InvalidText,
    InvalidTier,
)
from .values import BudgetLine, FundingModel, Tier, TierSpec

__all__ = [
    "CATEGORY_MAX",
    "DEADLINE_MAX_AHEAD",
    "DESCRIPTION_MAX",
    "MAX_AMOUNT",
    "MAX_BUDGET_LINES",
    "MAX_TIERS",
    "MAX_TIER_LIMIT",
    "REASON_MAX",
    "TIER_DESCRIPTION_MAX",
    "TIER_NAME_MAX",
    "TermsRefused",
    "TITLE_MAX",
    "build_budget",
    "build_tiers",
    "check_amount",
    "check_aware",
    "check_currency",
    "check_delivery_month",
    "check_delivery_months",
    "check_deadline",
    "check_funding_model",
    "check_language",
    "check_source",
    "check_terms",
    "check_text",
    "check_tier_limit",
]

#: Longest campaign title, in characters.
TITLE_MAX = 200
#: Longest campaign description, in characters.
DESCRIPTION_MAX = 20_000
#: Longest reward tier name, in characters.
TIER_NAME_MAX = 100
#: Longest description of what a tier's backers get, in characters.
TIER_DESCRIPTION_MAX = 2_000
#: How long after the deadline's month a tier's estimated delivery may be, in months: a
#: promise further off than that is no estimate.
DELIVERY_MAX_MONTHS_AFTER = 120
#: Longest budget category, in characters.
CATEGORY_MAX = 64
#: Longest refund reason, in characters.
REASON_MAX = 1_000
#: Most reward tiers one campaign may offer.
MAX_TIERS = 50
#: Most lines one planned budget may have.
MAX_BUDGET_LINES = 100
#: Largest quantity limit a tier may have.
MAX_TIER_LIMIT = 1_000_000
#: How far ahead a deadline may lie: pledges are held until it passes, and no backer should
#: wait longer than this to learn whether a campaign succeeded.
DEADLINE_MAX_AHEAD = timedelta(days=366)


def check_amount(value: object, field: str) -> int:
    """``value`` as an amount of minor units, or :class:`InvalidAmount`."""
    if not is_amount(value):
        raise InvalidAmount(
            f"must be a whole number of minor units from 1 to {MAX_AMOUNT}", field=field
        )
    assert isinstance(value, int)  # is_amount() said so; this tells the type checker
    return value


def check_currency(value: object, field: str = "currency") -> str:
    """``value`` as an ISO 4217 code in use, or :class:`InvalidCurrency`."""
    if not is_currency(value):
        raise InvalidCurrency("must be an upper-case ISO 4217 currency code", field=field)
    assert isinstance(value, str)
    return value


def check_text(
    value: object, field: str, *, max_length: int, multiline: bool = False, blank: bool = False
) -> str:
    """``value`` with surrounding whitespace removed, or :class:`InvalidText`.

    Lengths count characters (code points) after stripping; the characters allowed are the
    rule every service shares (:mod:`shared.text`).
    """
    try:
        return clean_text(value, max_length=max_length, multiline=multiline, blank=blank)
    except TextRefused as exc:
        raise InvalidText(str(exc), field=field) from None


def check_source(value: str | None, field: str = "source") -> str | None:
    """Where a pledge came from, tidied (:mod:`shared.referrals`): a share tag or a referring
    site's host, lower-cased; ``None`` for none (or blank). Anything else is InvalidSource,
    never silently dropped: the site drops what it cannot use before it asks."""
    try:
        return tidy_source(value)
    except SourceRefused as exc:
        raise InvalidSource(str(exc), field=field) from None


def check_aware(moment: datetime, name: str = "now") -> datetime:
    """``moment`` in UTC; a naive datetime here is a programming error, not bad input."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def check_deadline(value: object, now: datetime, field: str = "deadline") -> datetime:
    """``value`` in UTC if it is an aware datetime after ``now``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidDeadline("must be a date and time with a UTC offset", field=field)
    try:
        deadline = value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00, before year 1 in UTC
        raise DeadlineInPast("must be in the future", field=field) from None
    if deadline <= now:
        raise DeadlineInPast("must be in the future", field=field)
    if deadline > now + DEADLINE_MAX_AHEAD:
        raise InvalidDeadline(
            f"must be at most {DEADLINE_MAX_AHEAD.days} days from now", field=field
        )
    return deadline


def check_funding_model(value: object, field: str = "funding_model") -> FundingModel:
    """``value`` as a :class:`FundingModel`, from the enum or its name."""
    try:
        return FundingModel(value)  # type: ignore[arg-type]  # anything else is refused below
    except ValueError:
        names = " or ".join(m.value for m in FundingModel)
        raise InvalidFundingModel(f"must be {names}", field=field) from None


def check_language(value: object, field: str = "language") -> str:
    """``value`` if it is a language Fundtrail speaks, or :class:`InvalidLanguage`."""
    if not is_language(value):
        raise InvalidLanguage(f"must be {LANGUAGE_CHOICES}", field=field)
    assert isinstance(value, str)
    return value


def check_tier_limit(value: object, field: str) -> int | None:
    """``value`` as a tier's quantity limit: ``None`` or 1..MAX_TIER_LIMIT."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_TIER_LIMIT:
        raise InvalidTier(f"must be empty or a whole number from 1 to {MAX_TIER_LIMIT}", field)
    return value


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_T = TypeVar("_T")


class TermsRefused(InvalidValue):
    """Several terms refused at once: `errors` names every one, so a form shows them all
    rather than one per try. Its message and `field` are the first one's."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=field)
        self.errors = errors


class _Refusals:
    """Runs checks, keeping each refusal instead of stopping at the first. One refusal is
    raised as it was (its own class); several together as :class:`TermsRefused`."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self._refused: list[InvalidValue] = []

    def check(self, check: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
        try:
            return check(*args, **kwargs)
        except InvalidValue as exc:
            self._keep(exc)
        return None

    def add(self, field: str, message: str, kind: type[InvalidValue] = InvalidValue) -> None:
        self._keep(kind(message, field=field))

    def _keep(self, exc: InvalidValue) -> None:
        self._refused.append(exc)
        found = exc.errors if isinstance(exc, TermsRefused) else {exc.field or "_": [exc.message]}
        for name, messages in found.items():
            self.errors.setdefault(name, []).extend(messages)

    def raise_any(self) -> None:
        if len(self._refused) == 1:
            raise self._refused[0]
        if self._refused:
            raise TermsRefused(self.errors)


def check_delivery_month(value: object, field: str) -> str | None:
    """``value`` as an estimated delivery month ``"YYYY-MM"``, or ``None`` for none given."""
    if value is None:
        return None
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise InvalidDeliveryMonth("must be a month written YYYY-MM, like 2027-03", field=field)
    return value


def check_delivery_months(tiers: Sequence[Tier], deadline: datetime) -> None:
    """Every tier's delivery month against the deadline: not before the deadline's month (no
    reward reaches a backer before the campaign has ended), and not absurdly far after it."""
    refusals = _Refusals()
    _check_months(refusals, tiers, deadline)
    refusals.raise_any()


def _check_months(refusals: _Refusals, tiers: Sequence[Tier], deadline: datetime) -> None:
    first = deadline.year * 12 + deadline.month - 1
    for index, tier in enumerate(tiers):
        if tier.delivery_month is None:
            continue
        year, month = (int(part) for part in tier.delivery_month.split("-"))
        months = year * 12 + month - 1
        at = f"tiers[{index}].delivery_month"
        if months < first:
            refusals.add(
                at,
                f"must not be before the deadline's month, {deadline:%Y-%m}",
                InvalidDeliveryMonth,
            )
        elif months > first + DELIVERY_MAX_MONTHS_AFTER:
            years = DELIVERY_MAX_MONTHS_AFTER // 12
            refusals.add(
                at, f"must be at most {years} years after the deadline", InvalidDeliveryMonth
            )


def build_tiers(
    specs: Sequence[TierSpec], previous: Sequence[Tier] = (), deadline: datetime | None = None
) -> list[Tier]:
    """Validated tiers for ``specs``; a spec with the id of a ``previous`` tier keeps it. With
    the campaign's ``deadline``, delivery months are checked against it. Every refused term of
    every tier is named at once (:class:`TermsRefused`)."""
    if len(specs) > MAX_TIERS:
        raise InvalidTier(f"at most {MAX_TIERS} tiers", field="tiers")
    known_ids = {tier.id for tier in previous}
    tiers: list[Tier] = []
    refusals = _Refusals()
    for index, spec in enumerate(specs):
        at = f"tiers[{index}]"
        if not isinstance(spec, TierSpec):
            refusals.add(at, "must be a tier", InvalidTier)
            continue
        name = refusals.check(check_text, spec.name, f"{at}.name", max_length=TIER_NAME_MAX)
        if name is not None and any(t.name.casefold() == name.casefold() for t in tiers):
            refusals.add(f"{at}.name", "another tier has this name", InvalidTier)
        if spec.id is not None and spec.id not in known_ids:
            refusals.add(f"{at}.id", "is not one of this campaign's tiers", InvalidTier)
        if spec.id is not None and any(t.id == spec.id for t in tiers):
            refusals.add(f"{at}.id", "appears twice", InvalidTier)
        min_amount = refusals.check(check_amount, spec.min_amount, f"{at}.min_amount")
        limit = refusals.check(check_tier_limit, spec.limit, f"{at}.limit")
        description = refusals.check(
            check_text,
            spec.description,
            f"{at}.description",
            max_length=TIER_DESCRIPTION_MAX,
            multiline=True,
            blank=True,
        )
        month = refusals.check(check_delivery_month, spec.delivery_month, f"{at}.delivery_month")
        tiers.append(
            Tier(
                id=spec.id or uuid.uuid4(),
                name=name or "",
                min_amount=min_amount or 0,
                limit=limit,
                description=description or "",
                delivery_month=month,
            )
        )
    if deadline is not None:
        _check_months(refusals, tiers, deadline)
    refusals.raise_any()
    return tiers


def build_budget(lines: Sequence[BudgetLine]) -> tuple[BudgetLine, ...]:
    """Validated budget lines, categories stripped and unique (ignoring case)."""
    if len(lines) > MAX_BUDGET_LINES:
        raise InvalidBudget(f"at most {MAX_BUDGET_LINES} lines", field="budget")
    budget: list[BudgetLine] = []
    for index, line in enumerate(lines):
        at = f"budget[{index}]"
        if not isinstance(line, BudgetLine):
            raise InvalidBudget("must be a budget line", field=at)
        category = check_text(line.category, f"{at}.category", max_length=CATEGORY_MAX)
        if any(b.category.casefold() == category.casefold() for b in budget):
            raise InvalidBudget("another line has this category", field=f"{at}.category")
        budget.append(BudgetLine(category, check_amount(line.amount, f"{at}.amount")))
    return tuple(budget)


def check_terms(
    terms: Mapping[str, object],
    now: datetime,
    *,
    partial: bool = False,
    previous_tiers: Sequence[Tier] = (),
    deadline: datetime | None = None,
) -> dict[str, Any]:
    """Validated campaign terms (title, description, goal_amount, currency, deadline,
    funding_model, tiers, budget, language), keyed like ``terms``. With ``partial``, a ``None``
    term is left out instead of refused; an edit changes only what it names. Every refused
    term is named at once (:class:`TermsRefused`), so a form can show every error together."""
    checks: dict[str, Callable[[Any], object]] = {
        "title": lambda v: check_text(v, "title", max_length=TITLE_MAX),
        "description": lambda v: check_text(
            v, "description", max_length=DESCRIPTION_MAX, multiline=True, blank=True
        ),
        "goal_amount": lambda v: check_amount(v, "goal_amount"),
        "currency": check_currency,
        "deadline": lambda v: check_deadline(v, now),
        "funding_model": check_funding_model,
        # The deadline is checked first (it comes first in `terms`), so tiers' delivery
        # months meet the new one; an edit without one meets `deadline`, the held one.
        "tiers": lambda v: build_tiers(v, previous_tiers, checked.get("deadline") or deadline),
        "budget": build_budget,
        "language": check_language,
    }
    refusals = _Refusals()
    checked: dict[str, Any] = {}
    for name in sorted(terms, key=lambda n: n != "deadline"):
        value = terms[name]
        if value is not None or not partial:
            checked[name] = refusals.check(checks[name], value)
    refusals.raise_any()
    return {name: checked[name] for name in terms if name in checked}
