"""Amounts as people type them on the site, turned into the APIs' minor units exactly."""

from __future__ import annotations

import pytest

from services.site.forms import AmountError, to_minor_units


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("25", "EUR", 2_500),
        ("25.5", "EUR", 2_550),
        (" 1,234.56 ", "EUR", 123_456),
        (".5", "EUR", 50),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1_234),
        ("10000000000", "EUR", 10**12),
    ],
)
def test_amounts_become_minor_units(typed: str, currency: str, minor: int) -> None:
    assert to_minor_units(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("", "EUR", "Enter an amount."),
        ("abc", "EUR", "Enter the amount as a number, like 25 or 25.50."),
        ("-5", "EUR", "Enter the amount as a number, like 25 or 25.50."),
        ("1e3", "EUR", "Enter the amount as a number, like 25 or 25.50."),
        ("NaN", "EUR", "Enter the amount as a number, like 25 or 25.50."),
        ("0", "EUR", "Enter an amount above zero."),
        ("25.505", "EUR", "EUR amounts have at most 2 decimals."),
        ("1.5", "JPY", "JPY amounts have no decimals."),
        ("10000000000.01", "EUR", "That amount is too large."),
        ("9" * 40, "EUR", "Enter the amount as a number, like 25 or 25.50."),
    ],
)
def test_bad_amounts_say_what_is_wrong(typed: str, currency: str, message: str) -> None:
    with pytest.raises(AmountError) as refused:
        to_minor_units(typed, currency)
    assert str(refused.value) == message
