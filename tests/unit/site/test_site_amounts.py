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


@pytest.mark.parametrize(
    ("typed", "locale", "minor"),
    [
        ("25,50", "de", 2_550),
        ("1.234,56", "de", 123_456),
        ("1 234,56", "fr", 123_456),
        ("1\u202f234,56", "fr", 123_456),
        ("1’234.50", "de_CH", 123_450),
        ("1'234.50", "de_CH", 123_450),
        ("25.50", "en_GB", 2_550),
    ],
)
def test_amounts_are_read_in_the_visitors_notation(typed: str, locale: str, minor: int) -> None:
    assert to_minor_units(typed, "EUR", locale) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("1.500.000", "IDR", 1_500_000),
        ("1500000", "IDR", 1_500_000),
        ("Rp 1.500.000", "IDR", 1_500_000),
        ("rp1.500.000", "IDR", 1_500_000),
        ("IDR 1.500.000", "IDR", 1_500_000),
        ("Rp 1.500.000,00", "IDR", 1_500_000),
        ("€ 15,50", "EUR", 1_550),
        ("25 EUR", "EUR", 2_500),
    ],
)
def test_amounts_are_read_as_indonesians_type_them(typed: str, currency: str, minor: int) -> None:
    assert to_minor_units(typed, currency, "id_ID") == minor


def test_an_english_grouping_is_not_guessed_on_an_indonesian_page() -> None:
    with pytest.raises(AmountError) as refused:
        to_minor_units("1,500,000", "IDR", "id_ID")
    assert str(refused.value) == "Enter the amount as a number, like 25 or 25,50."


@pytest.mark.parametrize(
    ("typed", "locale", "example"),
    [
        # A German "25,50" typed into an English page must not become 2550.
        ("25,50", "en", "25 or 25.50"),
        # …nor an English "25.50" on a German page 2550.
        ("25.50", "de", "25 or 25,50"),
        ("1,234.56", "de", "25 or 25,50"),
    ],
)
def test_separators_of_another_notation_are_refused_not_guessed(
    typed: str, locale: str, example: str
) -> None:
    with pytest.raises(AmountError) as refused:
        to_minor_units(typed, "EUR", locale)
    assert str(refused.value) == f"Enter the amount as a number, like {example}."


def test_a_shown_amount_types_back_to_the_same_minor_units() -> None:
    import flask
    from flask_babel import Babel

    from services.site.display import major_units, money

    app = flask.Flask(__name__)
    Babel(app)
    for language, shown, typed in (
        ("de-DE", "1.234,50\xa0€", "1234,50"),
        ("en", "€1,234.50", "1234.50"),
        ("id-ID", "€ 1.234,50", "1234,50"),
    ):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert money(123_450, "EUR") == shown
            assert major_units(123_450, "EUR") == typed
            assert to_minor_units(typed, "EUR") == 123_450
