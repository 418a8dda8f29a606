"""Money helpers every service shares: ISO 4217 codes, minor-unit exponents and display."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, get_territory_currencies

__all__ = [
    "MAX_AMOUNT",
    "UnknownCurrency",
    "currency_exponent",
    "format_amount",
    "is_amount",
    "is_currency",
    "to_major_units",
]

#: The largest amount, in minor units, that any single figure (a goal, a pledge, a budget line,
#: an expense) may hold. 10^12 is 10 billion EUR or a trillion JPY: beyond any crowdfunding
#: campaign, yet far inside a PostgreSQL BIGINT, so sums of many amounts cannot overflow either.
MAX_AMOUNT: int = 10**12


class UnknownCurrency(ValueError):
    """The code is not the ISO 4217 code of a currency in use today."""

    def __init__(self, code: object) -> None:
        super().__init__(f"{code!r} is not an ISO 4217 currency code in use")
        self.code = code


@cache
def _currencies_in_use() -> frozenset[str]:
    # Babel's full list (CLDR) also holds withdrawn currencies (DEM, FRF), funds (CLF, USN),
    # metals (XAU) and the codes ISO reserves for tests and "no currency" (XTS, XXX); none of
    # them can carry a pledge. What some territory accepts as legal tender today is the set
    # that can. Computed once per process, on first use rather than at import.
    in_use: set[str] = set()
    for territory in Locale("en").territories:
        in_use.update(get_territory_currencies(str(territory), tender=True))
    return frozenset(in_use)


def is_currency(code: object) -> bool:
    """Whether ``code`` is the upper-case ISO 4217 code of a currency in use, e.g. ``"EUR"``.

    Never raises: anything that is not such a string (lower case, ``None``, ``"XXX"``, a
    withdrawn currency such as ``"DEM"``) is simply not a currency.
    """
    return isinstance(code, str) and code in _currencies_in_use()


def currency_exponent(code: str) -> int:
    """The number of minor-unit digits of ``code``: 0 for JPY, 2 for EUR, 3 for KWD.

    The figure is CLDR's (through Babel), which every service and every page uses, so that an
    amount means the same everywhere. Raises :class:`UnknownCurrency` for anything
    :func:`is_currency` refuses.
    """
    if not is_currency(code):
        raise UnknownCurrency(code)
    return get_currency_precision(code)


def is_amount(value: object) -> bool:
    """Whether ``value`` is a storable positive amount: an ``int`` (not a ``bool``) in 1..MAX."""
    # bool is a subclass of int in Python; True must not pass for one cent.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT


def to_major_units(amount: int, currency: str) -> Decimal:
    """``amount`` minor units as an exact Decimal of major units: (1500, "EUR") -> 15.00."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"amount must be an int of minor units, not {type(amount).__name__}")
    exponent = currency_exponent(currency)
    # Building the Decimal from its digits is exact for any size, whereas dividing or
    # scaleb() would round once the amount outgrew the context's 28 significant digits.
    sign, digits, _ = Decimal(amount).as_tuple()
    return Decimal((sign, digits, -exponent))


def format_amount(amount: int, currency: str, locale: str = "en") -> str:
    """``amount`` minor units written for people in ``locale``: (1500, "EUR") -> "€15.00".

    In Indonesian ("id", "id_ID") as Indonesians write it: "Rp 1.500.000", the symbol apart and
    no decimals when the fraction is zero (CLDR's "Rp1.500.000,00" is not what people write).
    Negative amounts (refunds, reversals) keep their sign. Raises :class:`UnknownCurrency` for
    an unknown code and Babel's ``UnknownLocaleError`` for an unknown locale.
    """
    major = to_major_units(amount, currency)
    if locale.replace("-", "_").split("_", 1)[0] != "id":
        return format_currency(major, currency, locale=locale)
    exponent = currency_exponent(currency)
    decimals = "" if major == major.to_integral_value() else "." + "0" * exponent
    return format_currency(
        major, currency, format=f"¤ #,##0{decimals}", locale=locale, currency_digits=False
    )
