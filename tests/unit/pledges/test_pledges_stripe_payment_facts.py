"""A PaymentIntent as Stripe's JSON holds it, read into Fundtrail's facts: amounts in our units,
and a fee only where it is in the campaign's currency."""

from __future__ import annotations

from typing import Any

from services.pledges.adapters.stripe_payments import payment_facts


def intent(currency: str, amount: int, transaction: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "pi_1",
        "status": "succeeded",
        "amount": amount,
        "currency": currency,
        "metadata": {},
        "latest_charge": {"id": "ch_1", "amount_refunded": 0, "balance_transaction": transaction},
    }


def test_a_fee_in_the_campaign_s_currency_is_read_in_our_units() -> None:
    facts = payment_facts(intent("idr", 5_000_000, {"currency": "idr", "fee": 145_045, "net": 0}))

    assert (facts.amount, facts.currency) == (50_000, "IDR")
    assert (facts.processing_fee, facts.net) == (1_450, 48_550)


def test_a_fee_settled_in_another_currency_stays_unknown_rather_than_booked_wrong() -> None:
    # A EUR charge on a platform that settles in USD: the fee is in cents of a dollar.
    facts = payment_facts(intent("eur", 5_000, {"currency": "usd", "fee": 175, "net": 5_200}))

    assert facts.amount == 5_000
    assert (facts.processing_fee, facts.net) == (None, None)
