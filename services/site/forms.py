"""What people type, turned into what the APIs take: the one way to read a form and an amount
(in minor units), its errors by field, and a form sent to a service with its refusal shown next
to the fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import flask
from babel.numbers import (
    NumberFormatError,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask_babel import gettext as _

from services.site.clients import ApiError
from services.site.locales import visitor_locale
from shared.money import MAX_AMOUNT, currency_exponent

T = TypeVar("T")

#: What an amount may contain before the locale reads it: digits, separators, spaces.
_AMOUNT_CHARACTERS = re.compile(r"[\d.,'\s\u00a0\u202f\u2019]+")


class AmountError(ValueError):
    """The typed amount is not one of the currency's amounts; the message is for people."""


def amount_example(locale: str | None = None) -> str:
    """How an amount is typed in `locale` (the visitor's by default): "25 or 25.50" in
    English, "25 or 25,50" in German."""
    fraction = "25" + get_decimal_symbol(locale or visitor_locale()) + "50"
    return _("%(whole)s or %(fraction)s", whole="25", fraction=fraction)


def to_minor_units(text: str, currency: str, locale: str | None = None) -> int:
    """ "15" or "15.50" EUR -> 1500 or 1550, exact, never through a float; in `locale`'s
    notation (the visitor's by default), so "15,50" in German.

    Separators are read strictly as the locale writes them, so "25,50" is refused in English
    rather than taken for 2550. Refuses more decimals than the currency has (a cent of JPY does
    not exist), zero, negative and past `MAX_AMOUNT`.
    """
    locale = locale or visitor_locale()
    cleaned = _without_currency(text.strip(), currency, locale)
    if not cleaned:
        raise AmountError(_("Enter an amount."))
    wrong = AmountError(
        _("Enter the amount as a number, like %(example)s.", example=amount_example(locale))
    )
    # Long enough for MAX_AMOUNT with separators; longer input is refused before any parsing.
    if len(cleaned) > 32 or not _AMOUNT_CHARACTERS.fullmatch(cleaned):
        raise wrong
    # People type a plain space where the locale groups with a no-break one (fr: "1 234,56").
    group = get_group_symbol(locale)
    if group.isspace():
        cleaned = re.sub(r"\s", group, cleaned)
    elif group in "'’":  # Swiss grouping, typed with either apostrophe
        cleaned = cleaned.replace("’", group).replace("'", group)
    try:
        value = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        raise wrong from None
    if not value.is_finite():
        raise wrong
    exponent = currency_exponent(currency)
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        if exponent == 0:
            raise AmountError(_("%(currency)s amounts have no decimals.", currency=currency))
        raise AmountError(
            _(
                "%(currency)s amounts have at most %(places)d decimals.",
                currency=currency,
                places=exponent,
            )
        )
    amount = int(minor)
    if amount <= 0:
        raise AmountError(_("Enter an amount above zero."))
    if amount > MAX_AMOUNT:
        raise AmountError(_("That amount is too large."))
    return amount


def _without_currency(text: str, currency: str, locale: str) -> str:
    """`text` without the currency's symbol or code typed before or after the number, as
    people copy it from a page ("Rp 1.500.000", "€25", "25 EUR")."""
    for mark in (get_currency_symbol(currency, locale), currency):
        if text[: len(mark)].casefold() == mark.casefold():
            return text[len(mark) :].strip()
        if text[len(text) - len(mark) :].casefold() == mark.casefold():
            return text[: len(text) - len(mark)].strip()
    return text


@dataclass
class FormState:
    """A form's typed values (kept when it is shown again) and its errors, by field; errors
    under `_form` concern the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: The status of the page showing the form again (see `send`).
    status: int = 422

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def amount(self, name: str, currency: str, *, optional: bool = False) -> int | None:
        """The amount typed into `name`, in `currency`'s minor units; None, with the reason
        next to the field, when it is no amount (or, if `optional`, left blank)."""
        if optional and not self.values.get(name, "").strip():
            return None
        try:
            return to_minor_units(self.values.get(name, ""), currency)
        except AmountError as exc:
            self.add(name, str(exc))
            return None

    def require(self, blanks: dict[str, str]) -> None:
        """Say `blanks[name]` next to each field left blank: a form sent empty hears about every
        field at once, where the service would stop at its first refusal."""
        for name, message in blanks.items():
            if not self.values.get(name, "").strip():
                self.add(name, message)

    def add_api_errors(self, errors: dict[str, list[str]], known: set[str], detail: str) -> None:
        """Put an API's `errors` next to the form's fields; the rest (and `detail` when no field
        was named) go to the whole form."""
        for name, messages in errors.items():
            target = name if name in known else "_form"
            for message in messages:
                self.add(target, message)
        if not self.errors and detail:
            self.add("_form", detail)

    @property
    def ok(self) -> bool:
        return not self.errors


#: Longer than anything the services accept (an update's body may hold 20,000 characters), so
#: they say what is wrong with a value rather than the site cutting it short unseen.
FIELD_MAX = 50_000
#: Longer than any name, address or password the pledges service accepts: it says what is wrong.
ACCOUNT_FIELD_MAX = 1024


def read_form(names: Iterable[str], *, max_chars: int = FIELD_MAX) -> FormState:
    """What the request's form holds in the fields `names` (blank when absent), each cut at
    `max_chars`, ready to check and send."""
    sent = flask.request.form
    return FormState(values={name: sent.get(name, "")[:max_chars] for name in names})


def send(
    form: FormState,
    call: Callable[[], T],
    *,
    fields: Collection[str],
    fallback: str,
    error_pages: Collection[int] = (401, 403, 404),
) -> T | None:
    """The service's answer to `call` (which sends `form`), or None when the service refused it:
    its errors are then next to the form's `fields` (`fallback` when it gave no reason), and
    `form.status` is the service's 409 (a conflict with how things stand: sold out, no longer
    live) or 429 (too often) as it said, else 422 (a bad value).

    Refusals in `error_pages` go on to the app's pages for them (401: sign in again, 403: not
    allowed, 404: not found); a route whose form shows one of them itself leaves it out. The
    answer itself must not be None (the APIs answer these calls with a document)."""
    try:
        return call()
    except ApiError as exc:
        if exc.status in error_pages:
            raise
        form.status = exc.status if exc.status in (409, 429) else 422
        form.add_api_errors(exc.errors, set(fields), exc.detail or fallback)
        return None
