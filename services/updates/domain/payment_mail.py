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
from datetime import UTC, datetime

from shared.money import format_amount
from shared.payment_reasons import payment_failure

#: Why a backer disputed a payment, for the creator, by Stripe's dispute reason.
DISPUTE_REASONS = {
    "fraudulent": "the cardholder told their bank they did not make this payment",
    "unrecognized": "the cardholder did not recognise the payment",
    "duplicate": "the cardholder says they were charged twice",
    "product_not_received": "the backer says they did not receive what they paid for",
    "product_unacceptable": "the backer says what they received was not as described",
    "credit_not_processed": "the backer says a refund they were promised never arrived",
    "subscription_canceled": "the backer says they cancelled before they were charged",
}
DISPUTE_OTHERWISE = "the bank gave no specific reason"


@dataclass(frozen=True)
class PaymentMessage:
    """One transactional message: its subject line and its plain text."""

    subject: str
    text: str


def dispute_reason(code: str) -> str:
    """Why the payment was disputed, in words."""
    return DISPUTE_REASONS.get(code, DISPUTE_OTHERWISE)


def utc_moment(moment: datetime) -> str:
    """`11 December 2026, 14:30 UTC`: a deadline states its time zone."""
    at = moment.astimezone(UTC)
    return f"{at.day} {at:%B %Y, %H:%M} UTC"


def payment_failed(
    campaign_title: str,
    amount: int,
    currency: str,
    reason_code: str,
    retry_until: datetime,
    campaign_url: str,
) -> PaymentMessage:
    """To the backer: which pledge, why, until when it can be fixed, and where."""
    title = _one_line(campaign_title)
    money = format_amount(amount, currency)
    return PaymentMessage(
        f"Your payment to {title} did not go through",
        f"Your pledge of {money} to {title} could not be paid: "
        f"{payment_failure(reason_code)}.\n\n"
        f"You can fix it until {utc_moment(retry_until)}. Open the campaign's page and save "
        'a card there ("Save a new card"); the payment is then tried again:\n\n'
        f"{campaign_url}\n\n"
        "If it is not fixed by then, the pledge is dropped and no money is taken.\n",
    )


def pledge_dropped(
    campaign_title: str, amount: int, currency: str, campaign_url: str
) -> PaymentMessage:
    """To the backer: the grace period ended unpaid."""
    title = _one_line(campaign_title)
    money = format_amount(amount, currency)
    return PaymentMessage(
        f"Your pledge to {title} was dropped",
        f"Your pledge of {money} to {title} was dropped: its payment was not completed in "
        "time. No money was taken, and you owe nothing.\n\n"
        f"{campaign_url}\n",
    )


def dispute_opened(
    campaign_title: str, amount: int, currency: str, reason_code: str, campaign_url: str
) -> PaymentMessage:
    """To the creator: a backer's payment is disputed, and its money held back meanwhile."""
    title = _one_line(campaign_title)
    money = format_amount(amount, currency)
    return PaymentMessage(
        f"A payment to {title} is disputed",
        f"A backer's payment of {money} to {title} is disputed with their bank: "
        f"{dispute_reason(reason_code)}.\n\n"
        f"Until the bank decides, {money} is held back from the campaign's money. The "
        "campaign's public ledger shows the dispute, as it shows every payment:\n\n"
        f"{campaign_url}\n\n"
        "We will write again when the dispute is closed.\n",
    )


def dispute_closed(
    campaign_title: str, amount: int, currency: str, outcome: str, campaign_url: str
) -> PaymentMessage:
    """To the creator: the dispute was won (the money comes back) or lost (it stays gone)."""
    title = _one_line(campaign_title)
    money = format_amount(amount, currency)
    if outcome == "won":
        subject = f"A disputed payment to {title} was decided in your favour"
        decided = (
            f"The bank decided the dispute over a payment of {money} to {title} in the "
            f"campaign's favour: the {money} held back is returned to the campaign."
        )
    else:
        subject = f"A disputed payment to {title} was decided for the backer"
        decided = (
            f"The bank decided the dispute over a payment of {money} to {title} in the "
            f"backer's favour: the {money} went back to them and stays out of the campaign."
        )
    return PaymentMessage(
        subject, f"{decided} The campaign's public ledger shows it:\n\n{campaign_url}\n"
    )


def _one_line(text: str) -> str:
    """A title on one line: in a subject, a line break must not start a header of its own."""
    return re.sub(r"\s+", " ", text).strip()
