"""shared.money: ISO 4217 codes, minor-unit exponents, exact conversion and display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.core import UnknownLocaleError
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.money import (
    MAX_AMOUNT,
    UnknownCurrency,
    currency_exponent,
    format_amount,
    is_amount,
    is_currency,
    to_major_units,
)


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("EUR", 2), ("USD", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_exponents_of_iso_4217(code: str, exponent: int) -> None:
    assert is_currency(code)
    assert currency_exponent(code) == exponent


# Lower case, made up, the wrong length, not a string, ISO's "no currency" and "testing" codes,
# a precious metal, and currencies withdrawn long ago.
NOT_CURRENCIES = [
    "eur",
    "Eur",
    "ZZZ",
    "EURO",
    "EU",
    "",
    " EUR",
    None,
    978,
    "XXX",
    "XTS",
    "XAU",
    "DEM",
    "FRF",
]


@pytest.mark.parametrize("code", NOT_CURRENCIES)
def test_unknown_codes(code: object) -> None:
    assert is_currency(code) is False
    with pytest.raises(UnknownCurrency) as refused:
        currency_exponent(code)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    ("amount", "currency", "major"),
    [
        (1500, "EUR", Decimal("15.00")),
        (1, "EUR", Decimal("0.01")),
        (1500, "JPY", Decimal("1500")),
        (1500, "KWD", Decimal("1.500")),
        (-250, "EUR", Decimal("-2.50")),
        (0, "KWD", Decimal("0.000")),
    ],
)
def test_to_major_units_is_exact(amount: int, currency: str, major: Decimal) -> None:
    converted = to_major_units(amount, currency)
    assert converted == major
    assert converted.as_tuple().exponent == major.as_tuple().exponent  # keeps every minor digit


@settings(database=None, max_examples=200)
@given(amount=st.integers(-(10**40), 10**40), currency=st.sampled_from(["EUR", "JPY", "KWD"]))
def test_to_major_units_round_trips_any_size(amount: int, currency: str) -> None:
    # Read back through the digits: Decimal arithmetic (scaleb, *) would itself round past 28
    # significant digits and so could not tell an exact conversion from a rounded one.
    sign, digits, exponent = to_major_units(amount, currency).as_tuple()
    assert exponent == -currency_exponent(currency)
    assert (-1 if sign else 1) * int("".join(map(str, digits))) == amount


@pytest.mark.parametrize("amount", [15.0, True, "1500", Decimal("1500")])
def test_to_major_units_takes_only_integers(amount: object) -> None:
    with pytest.raises(TypeError):
        to_major_units(amount, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        (1500, "EUR", "en", "€15.00"),
        (123456789, "EUR", "en", "€1,234,567.89"),
        (1500, "JPY", "en", "¥1,500"),
        (1500, "KWD", "en", "KWD1.500"),
        (-1500, "EUR", "en", "-€15.00"),
        (1500, "EUR", "de_DE", "15,00\xa0€"),
        (1500, "USD", "en_US", "$15.00"),
        # A float would print ...000.00 here: 10^17 + 1 has more digits than a double keeps.
        (10**17 + 1, "EUR", "en", "€1,000,000,000,000,000.01"),
        # Indonesian: the symbol apart, no decimals when the fraction is zero.
        (1_500_000, "IDR", "id_ID", "Rp 1.500.000"),
        (1_500_000, "IDR", "id", "Rp 1.500.000"),
        (-1_500_000, "IDR", "id_ID", "-Rp 1.500.000"),
        (1500, "EUR", "id_ID", "€ 15"),
        (1550, "EUR", "id_ID", "€ 15,50"),
        (1_500_000, "IDR", "en", "IDR1,500,000"),
    ],
)
def test_format_amount(amount: int, currency: str, locale: str, text: str) -> None:
    assert format_amount(amount, currency, locale=locale) == text


def test_format_amount_defaults_to_english() -> None:
    assert format_amount(1, "EUR") == "€0.01"


def test_format_amount_refuses_unknown_currency_and_locale() -> None:
    with pytest.raises(UnknownCurrency):
        format_amount(1500, "ZZZ")
    with pytest.raises(UnknownLocaleError):
        format_amount(1500, "EUR", locale="xx_NOPE")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, True),
        (MAX_AMOUNT, True),
        (0, False),
        (-1, False),
        (MAX_AMOUNT + 1, False),
        (True, False),
        (1.0, False),
        ("1", False),
        (None, False),
    ],
)
def test_is_amount(value: object, ok: bool) -> None:
    assert is_amount(value) is ok


def test_max_amount_is_the_documented_ceiling() -> None:
    assert MAX_AMOUNT == 10**12
    # Many maximal amounts still sum inside a PostgreSQL BIGINT.
    assert MAX_AMOUNT * 1_000_000 < 2**63 - 1
