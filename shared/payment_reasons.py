"""Why a payment failed, in words: the payment provider's short code as a person reads it.

Backers read it on the campaign's page and in the mail that tells them, creators in the
console's unpaid pledges: one table, so the page and the mail never disagree.
"""

from __future__ import annotations

from shared.i18n import Translator
from shared.i18n import gettext_noop as N_

#: Why a payment failed, from the payment provider's short code (Stripe's decline and error
#: codes, and the gateway's own `no_card` and `payment_refused`). Codes that say more than a
#: person needs (a card reported lost or stolen, suspected fraud) read as a plain decline, as
#: Stripe advises.
PAYMENT_FAILURES = {
    "authentication_required": N_("the card's bank asked for the payment to be confirmed"),
    "card_declined": N_("the card was declined"),
    "generic_decline": N_("the card was declined"),
    "do_not_honor": N_("the card was declined"),
    "lost_card": N_("the card was declined"),
    "stolen_card": N_("the card was declined"),
    "pickup_card": N_("the card was declined"),
    "fraudulent": N_("the card was declined"),
    "insufficient_funds": N_("the card did not have enough funds"),
    "expired_card": N_("the card has expired"),
    "incorrect_cvc": N_("the card's security code was refused"),
    "incorrect_number": N_("the card number was refused"),
    "card_velocity_exceeded": N_("the card's spending limit was reached"),
    "withdrawal_count_limit_exceeded": N_("the card's spending limit was reached"),
    "processing_error": N_("the card could not be processed"),
    "try_again_later": N_("the card could not be processed"),
    "currency_not_supported": N_("the card cannot pay in this currency"),
    "no_card": N_("no card was saved"),
    "payment_refused": N_("the card could not be charged"),
}
#: Any other code: never shown raw.
PAYMENT_FAILED_OTHERWISE = N_("the payment could not be completed")


def payment_failure(code: object, translations: Translator | None = None) -> str:
    """Why a pledge's payment failed, in words, from the provider's code ("card_declined"); in
    the language of `translations` (`shared.i18n.translations(...)`), English without."""
    reason = PAYMENT_FAILURES.get(str(code or ""), PAYMENT_FAILED_OTHERWISE)
    return reason if translations is None else translations.gettext(reason)
