"""Why a payment failed, in words: the payment provider's short code as a person reads it.

Backers read it on the campaign's page and in the mail that tells them, creators in the
console's unpaid pledges: one table, so the page and the mail never disagree.
"""

from __future__ import annotations

#: Why a payment failed, from the payment provider's short code (Stripe's decline and error
#: codes, and the gateway's own `no_card` and `payment_refused`). Codes that say more than a
#: person needs (a card reported lost or stolen, suspected fraud) read as a plain decline, as
#: Stripe advises.
PAYMENT_FAILURES = {
    "authentication_required": "the card's bank asked for the payment to be confirmed",
    "card_declined": "the card was declined",
    "generic_decline": "the card was declined",
    "do_not_honor": "the card was declined",
    "lost_card": "the card was declined",
    "stolen_card": "the card was declined",
    "pickup_card": "the card was declined",
    "fraudulent": "the card was declined",
    "insufficient_funds": "the card did not have enough funds",
    "expired_card": "the card has expired",
    "incorrect_cvc": "the card's security code was refused",
    "incorrect_number": "the card number was refused",
    "card_velocity_exceeded": "the card's spending limit was reached",
    "withdrawal_count_limit_exceeded": "the card's spending limit was reached",
    "processing_error": "the card could not be processed",
    "try_again_later": "the card could not be processed",
    "currency_not_supported": "the card cannot pay in this currency",
    "no_card": "no card was saved",
    "payment_refused": "the card could not be charged",
}
#: Any other code: never shown raw.
PAYMENT_FAILED_OTHERWISE = "the payment could not be completed"


def payment_failure(code: object) -> str:
    """Why a pledge's payment failed, in words, from the provider's code ("card_declined")."""
    return PAYMENT_FAILURES.get(str(code or ""), PAYMENT_FAILED_OTHERWISE)
