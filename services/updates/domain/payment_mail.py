"""What people are told about payments: the words of the mails a failed payment, a dropped
pledge and a card dispute send, decided from the event's facts alone.

The payment provider speaks in short codes (`card_declined`, `fraudulent`); a person reads a
sentence. A code we have no sentence for gets a general one, never the code itself. No mail
names a card, a payment method or a provider's id: the events carry none, and nothing here
would print one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.i18n import gettext_noop as N_
from shared.payment_reasons import payment_failure
from shared.wording import Words

#: Why a backer disputed a payment, for the creator, by Stripe's dispute reason.
DISPUTE_REASONS = {
    "fraudulent": N_("the cardholder told their bank they did not make this payment"),
    "unrecognized": N_("the cardholder did not recognise the payment"),
    "duplicate": N_("the cardholder says they were charged twice"),
    "product_not_received": N_("the backer says they did not receive what they paid for"),
    "product_unacceptable": N_("the backer says what they received was not as described"),
    "credit_not_processed": N_("the backer says a refund they were promised never arrived"),
    "subscription_canceled": N_("the backer says they cancelled before they were charged"),
}
DISPUTE_OTHERWISE = N_("the bank gave no specific reason")


@dataclass(frozen=True)
class PaymentMessage:
    """One transactional message: its subject line and its plain text."""

    subject: str
    text: str


def dispute_reason(words: Words, code: str) -> str:
    """Why the payment was disputed, in words."""
    return words.gettext(DISPUTE_REASONS.get(code, DISPUTE_OTHERWISE))


def payment_failed(
    words: Words,
    campaign_title: str,
    amount: int,
    currency: str,
    reason_code: str,
    retry_until: datetime,
    campaign_url: str,
) -> PaymentMessage:
    """To the backer: which pledge, why, until when it can be fixed, and where."""
    _ = words.gettext
    facts = {"title": _one_line(campaign_title), "amount": words.money(amount, currency)}
    return PaymentMessage(
        _("Your payment to %(title)s did not go through", **facts),
        _(
            "Your pledge of %(amount)s to %(title)s could not be paid: %(reason)s.",
            reason=payment_failure(reason_code, words.catalogue),
            **facts,
        )
        + "\n\n"
        + _(
            "You can fix it until %(until)s. Open the campaign's page and save a card there "
            '("Save a new card"); the payment is then tried again:',
            until=words.utc_moment(retry_until),
        )
        + f"\n\n{campaign_url}\n\n"
        + _("If it is not fixed by then, the pledge is dropped and no money is taken.")
        + "\n",
    )


def pledge_dropped(
    words: Words, campaign_title: str, amount: int, currency: str, campaign_url: str
) -> PaymentMessage:
    """To the backer: the grace period ended unpaid."""
    _ = words.gettext
    facts = {"title": _one_line(campaign_title), "amount": words.money(amount, currency)}
    return PaymentMessage(
        _("Your pledge to %(title)s was dropped", **facts),
        _(
            "Your pledge of %(amount)s to %(title)s was dropped: its payment was not completed "
            "in time. No money was taken, and you owe nothing.",
            **facts,
        )
        + f"\n\n{campaign_url}\n",
    )


def dispute_opened(
    words: Words,
    campaign_title: str,
    amount: int,
    currency: str,
    reason_code: str,
    campaign_url: str,
) -> PaymentMessage:
    """To the creator: a backer's payment is disputed, and its money held back meanwhile."""
    _ = words.gettext
    facts = {"title": _one_line(campaign_title), "amount": words.money(amount, currency)}
    return PaymentMessage(
        _("A payment to %(title)s is disputed", **facts),
        _(
            "A backer's payment of %(amount)s to %(title)s is disputed with their bank: "
            "%(reason)s.",
            reason=dispute_reason(words, reason_code),
            **facts,
        )
        + "\n\n"
        + _(
            "Until the bank decides, %(amount)s is held back from the campaign's money. The "
            "campaign's public ledger shows the dispute, as it shows every payment:",
            **facts,
        )
        + f"\n\n{campaign_url}\n\n"
        + _("We will write again when the dispute is closed.")
        + "\n",
    )


def dispute_closed(
    words: Words,
    campaign_title: str,
    amount: int,
    currency: str,
    outcome: str,
    campaign_url: str,
) -> PaymentMessage:
    """To the creator: the dispute was won (the money comes back) or lost (it stays gone)."""
    _ = words.gettext
    facts = {"title": _one_line(campaign_title), "amount": words.money(amount, currency)}
    if outcome == "won":
        subject = _("A disputed payment to %(title)s was decided in your favour", **facts)
        decided = _(
            "The bank decided the dispute over a payment of %(amount)s to %(title)s in the "
            "campaign's favour: the %(amount)s held back is returned to the campaign.",
            **facts,
        )
    else:
        subject = _("A disputed payment to %(title)s was decided for the backer", **facts)
        decided = _(
            "The bank decided the dispute over a payment of %(amount)s to %(title)s in the "
            "backer's favour: the %(amount)s went back to them and stays out of the campaign.",
            **facts,
        )
    shows = _("The campaign's public ledger shows it:")
    return PaymentMessage(subject, f"{decided} {shows}\n\n{campaign_url}\n")


def _one_line(text: str) -> str:
    """A title on one line: in a subject, a line break must not start a header of its own."""
    return re.sub(r"\s+", " ", text).strip()
