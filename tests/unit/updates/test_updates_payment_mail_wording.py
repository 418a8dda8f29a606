"""What the payment notices say, without I/O: reasons in words (never a bare code), amounts as
every mail writes them, deadlines in UTC saying so, and the outcome of a dispute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.updates.domain import payment_mail as wording
from services.updates.words import words
from shared.payment_reasons import PAYMENT_FAILURES

URL = "https://fundtrail.test/campaigns/42"
UNTIL = datetime(2026, 12, 11, 14, 30, tzinfo=UTC)
EN, ID = words("en"), words("id")


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("card_declined", "the card was declined"),
        ("insufficient_funds", "the card did not have enough funds"),
        ("expired_card", "the card has expired"),
        ("authentication_required", "the card's bank asked for the payment to be confirmed"),
        ("no_card", "no card was saved"),
        ("payment_failed", "the payment could not be completed"),
        ("stolen_card", "the card was declined"),  # no more than a person needs
    ],
)
def test_a_failed_payment_says_why_in_words(code: str, says: str) -> None:
    message = wording.payment_failed(EN, "Board game", 5_000, "EUR", code, UNTIL, URL)
    assert f"Your pledge of €50.00 to Board game could not be paid: {says}." in message.text
    if code not in PAYMENT_FAILURES:
        assert code not in message.text  # a code we have no words for is never shown raw


def test_a_failed_payment_says_until_when_in_utc_and_where_to_fix_it() -> None:
    # Given in another zone, the deadline is still written in UTC, and says so.
    in_paris = UNTIL.astimezone(timezone(timedelta(hours=1)))
    message = wording.payment_failed(EN, "Board game", 1_999, "USD", "card_declined", in_paris, URL)

    assert message.subject == "Your payment to Board game did not go through"
    assert "You can fix it until 11 December 2026, 14:30 UTC." in message.text
    assert f"\n\n{URL}\n\n" in message.text
    assert "$19.99" in message.text
    assert "no money is taken" in message.text


def test_amounts_follow_the_currencys_minor_units() -> None:
    message = wording.pledge_dropped(EN, "Board game", 5_000, "JPY", URL)
    assert "¥5,000" in message.text


def test_a_dropped_pledge_says_no_money_was_taken() -> None:
    message = wording.pledge_dropped(EN, "Board game", 5_000, "EUR", URL)
    assert message.subject == "Your pledge to Board game was dropped"
    assert "Your pledge of €50.00 to Board game was dropped" in message.text
    assert "No money was taken" in message.text and URL in message.text


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("fraudulent", "the cardholder told their bank they did not make this payment"),
        ("product_not_received", "the backer says they did not receive what they paid for"),
        ("bank_cannot_process", "the bank gave no specific reason"),
    ],
)
def test_a_dispute_tells_the_creator_what_is_held_back_why_and_that_it_is_public(
    reason: str, says: str
) -> None:
    message = wording.dispute_opened(EN, "Board game", 2_500, "EUR", reason, URL)
    assert message.subject == "A payment to Board game is disputed"
    assert f"is disputed with their bank: {says}." in message.text
    assert "€25.00 is held back from the campaign's money" in message.text
    assert "public ledger shows the dispute" in message.text
    assert reason not in message.text


def test_a_closed_dispute_says_whether_the_money_came_back() -> None:
    won = wording.dispute_closed(EN, "Board game", 2_500, "EUR", "won", URL)
    lost = wording.dispute_closed(EN, "Board game", 2_500, "EUR", "lost", URL)
    assert "in your favour" in won.subject
    assert "the €25.00 held back is returned to the campaign" in won.text
    assert "decided for the backer" in lost.subject
    assert "stays out of the campaign" in lost.text
    assert URL in won.text and URL in lost.text


def test_a_title_with_line_breaks_makes_a_one_line_subject() -> None:
    message = wording.pledge_dropped(EN, "Board\r\nBcc: victim@example.test", 100, "EUR", URL)
    assert "\n" not in message.subject and "\r" not in message.subject


def test_a_backer_who_reads_indonesian_is_told_in_indonesian_with_rupiah_as_written_there() -> None:
    message = wording.payment_failed(
        ID, "Album Kita", 1_500_000, "IDR", "card_declined", UNTIL, URL
    )
    assert message.subject == "Pembayaran Anda untuk Album Kita tidak berhasil"
    assert message.text.startswith(
        "Dukungan Anda sebesar Rp 1.500.000 untuk Album Kita belum dapat dibayar: kartu ditolak."
    )
    assert "hingga 11 Desember 2026 pukul 14.30 UTC" in message.text
    assert URL in message.text
    closed = wording.dispute_closed(ID, "Album Kita", 250_000, "IDR", "won", URL)
    assert closed.subject == "Sengketa pembayaran untuk Album Kita diputuskan untuk Anda"
    assert "dana Rp 250.000 yang sempat ditahan dikembalikan ke kampanye" in closed.text
