"""Which language a visitor reads: `?lang` beats the language picked this visit, which beats
the account's saved one, which beats Accept-Language; anything odd is skipped, never an error."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from services.site.languages import choose, from_accept_language, language_of


def accept(header: str) -> LanguageAccept:
    return parse_accept_header(header, LanguageAccept)


def test_lang_beats_the_visit_the_account_and_the_browser() -> None:
    browser = accept("id-ID")
    assert choose(asked="en", picked="id", saved="id", offers=browser) == "en"
    assert choose(picked="en", saved="id", offers=browser) == "en"
    assert choose(saved="en", offers=browser) == "en"
    assert choose(offers=browser) == "id"
    assert choose() == "en"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("id", "id"),
        ("id-ID", "id"),
        ("in", "id"),  # Indonesian's code before 1989, still sent by old Android and Java
        ("id-ID;q=0.8, en;q=0.9", "en"),
        ("en;q=0.5, id-ID;q=0.8", "id"),
        ("de-DE, id;q=0.4", "id"),  # German is not one of ours: the next we speak
        ("fr, de", "en"),
        ("id;q=0, en;q=0.1", "en"),  # q=0 means "not this"
        ("id;q=0", "en"),
        ("*", "en"),
        ("", "en"),
    ],
)
def test_accept_language(header: str, language: str) -> None:
    assert choose(offers=accept(header)) == language


@pytest.mark.parametrize(
    "junk", ["", "ID", "de", "id-ID", "en;", "\x00", "../etc", "x" * 10_000, ["id"], 7, None]
)
def test_junk_in_lang_is_ignored(junk: object) -> None:
    assert choose(asked=junk, offers=accept("id-ID")) == "id"
    assert choose(asked=junk, saved="en", offers=accept("id-ID")) == "en"


def test_language_tags() -> None:
    assert [language_of(tag) for tag in ("en-GB", "id_ID", "IN", "de", "", "x" * 40)] == [
        "en",
        "id",
        "id",
        None,
        None,
        None,
    ]
    assert from_accept_language([]) is None


def test_figures_and_phrases_read_in_indonesian_on_an_indonesian_page() -> None:
    import flask

    from services.site import display, i18n

    app = flask.Flask(__name__)
    app.secret_key = "test"
    i18n.install(app)
    with app.test_request_context(headers={"Accept-Language": "id-ID"}):
        assert display.money(150_000_000, "IDR") == "Rp 150.000.000"
        assert display.money(1550, "EUR") == "€ 15,50"
        assert display.major_units(1550, "EUR") == "15,50"
        assert display.when("2026-12-04T15:00:00+00:00") == "4 Des 2026 15.00 UTC"
        assert display.time_left(2 * 86_400 + 3_600) == "2 hari, 1 jam lagi"
        assert display.in_words("payment_failed") == "pembayaran gagal"
    with app.test_request_context("/?lang=en", headers={"Accept-Language": "id-ID"}):
        assert display.money(150_000_000, "IDR") == "IDR150,000,000"
        assert display.when("2026-12-04T15:00:00+00:00") == "2026-12-04 15:00 UTC"
        assert display.time_left(2 * 86_400 + 3_600) == "2 days, 1 hour left"
