"""What people type, turned into what the APIs take: amounts in minor units, field errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shared.money import MAX_AMOUNT, currency_exponent

#: Digits with an optional decimal point; thousands separators ("1,000") are let through below.
_AMOUNT = re.compile(r"\d+(?:\.\d*)?|\.\d+")


class AmountError(ValueError):
    """The typed amount is not one of the currency's amounts; the message is for people."""


def to_minor_units(text: str, currency: str) -> int:
    """ "15" or "15.50" EUR -> 1500 or 1550: exact, never through a float.

    Refuses more decimals than the currency has (a cent of JPY does not exist), zero, negative
    and past `MAX_AMOUNT`.
    """
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        raise AmountError("Enter an amount.")
    # Long enough for MAX_AMOUNT with decimals; longer input is refused before any arithmetic.
    if len(cleaned) > 24 or not _AMOUNT.fullmatch(cleaned):
        raise AmountError("Enter the amount as a number, like 25 or 25.50.")
    exponent = currency_exponent(currency)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AmountError("Enter the amount as a number, like 25 or 25.50.") from None
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        places = "no decimals" if exponent == 0 else f"at most {exponent} decimals"
        raise AmountError(f"{currency} amounts have {places}.")
    amount = int(minor)
    if amount <= 0:
        raise AmountError("Enter an amount above zero.")
    if amount > MAX_AMOUNT:
        raise AmountError("That amount is too large.")
    return amount


@dataclass
class FormState:
    """A form's typed values (kept when it is shown again) and its errors, by field; errors
    under `_form` concern the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

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
