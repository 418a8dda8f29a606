"""Stripe's side of the story, played locally: the webhook events Stripe would send about our
own pledges and payout accounts, signed with the endpoint's test secret.

stripe-mock answers every call but remembers nothing and sends no webhooks, and Stripe's hosted
pages (Checkout, Connect onboarding) cannot be reached offline. `fundtrail payments trigger`
stands in for a person finishing those pages and for Stripe reporting back, as the Stripe CLI's
`stripe trigger` does against Stripe's test mode: it builds the event from what our database
holds, signs it as Stripe does and delivers it to the webhook endpoint, which verifies and
handles it like any other. Test keys only: live events come from Stripe alone.

Where our handler would read an object back from Stripe, a stateless mock would answer with a
fixture that names no pledge and no card; so the events embed that object *expanded* (the
dispute's PaymentIntent, the Checkout session's SetupIntent), which the handlers use as they
would Stripe's answer. Stripe itself never expands objects in webhooks, so in production the
handlers always read.

Amounts are in Stripe's units, as Stripe writes them (`ChargeRules.to_provider_units`: a
50 000 IDR pledge is `"amount": 5000000`), so the handlers convert them as they must Stripe's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from services.pledges.domain.charge_rules import STRIPE_CHARGE_RULES
from services.pledges.domain.fees import platform_fee
from services.pledges.domain.payouts import PayoutAccountState
from services.pledges.domain.pledges import Pledge
from services.pledges.domain.values import PaymentStatus

#: Where a pledge must stand for Stripe to say something about its payment.
_CHARGED = (PaymentStatus.COLLECTING, PaymentStatus.PAYMENT_FAILED)
_PAID = (PaymentStatus.PAID, PaymentStatus.REFUNDED)

#: A test-mode API version string: our handlers read no version-specific field.
API_VERSION = "2026-10-28.endive"


class NotForTrigger(Exception):
    """The pledge or account is not where the asked-for event could happen."""


@dataclass(frozen=True)
class SignedEvent:
    """One event, ready to deliver: its body and the `Stripe-Signature` header for it."""

    id: str
    type: str
    body: bytes
    signature: str


def sign(event_type: str, data_object: dict[str, Any], secret: str) -> SignedEvent:
    """A Stripe event of `event_type` about `data_object`, signed with `secret` now."""
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook signing secret starts with whsec_")
    event_id = f"evt_test_{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": API_VERSION,
            "created": created,
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": data_object},
        },
        separators=(",", ":"),
    ).encode()
    digest = hmac.new(secret.encode(), f"{created}.".encode() + body, hashlib.sha256).hexdigest()
    return SignedEvent(event_id, event_type, body, f"t={created},v1={digest}")


# --- what Stripe would say about a pledge ------------------------------------------------------


def card_saved(pledge: Pledge) -> tuple[str, dict[str, Any]]:
    """The backer finished the pledge's latest Checkout page with Stripe's test card.

    Stripe makes a new PaymentMethod for each page finished, even for the same card number, and
    our handler takes a payment method it already holds as a repeat: so the card's id is one
    per page (the pledge and its page count), never one fixed test card. A backer fixing a
    failed payment with "the same" card is a new card to Stripe, and asked for again."""
    if pledge.checkout_session_id is None:
        raise NotForTrigger("the backer has not opened a card page for this pledge yet")
    return "checkout.session.completed", {
        "id": pledge.checkout_session_id,
        "object": "checkout.session",
        "mode": "setup",
        "status": "complete",
        "client_reference_id": str(pledge.id),
        "metadata": _ids(pledge),
        "setup_intent": {
            "id": f"seti_test_{pledge.id.hex[:24]}",
            "object": "setup_intent",
            "status": "succeeded",
            "payment_method": saved_card_id(pledge),
            "metadata": _ids(pledge),
        },
    }


def saved_card_id(pledge: Pledge) -> str:
    """The `pm_…` id Stripe would give the card saved on the pledge's latest page."""
    return f"pm_test_{pledge.id.hex[:16]}_{pledge.card_setup_attempt}"


def payment_succeeded(pledge: Pledge, platform_fee_bps: int = 0) -> tuple[str, dict[str, Any]]:
    """The charge went through: the PaymentIntent with its charge and the charge's balance
    transaction expanded, so the fees reach the books without asking a mock that has none."""
    intent = _intent(pledge, _CHARGED)
    amount = intent["amount"]
    # Stripe computes its fee in its own units: for IDR, a fraction of a rupiah at times.
    fee = processing_fee(amount)
    platform = platform_fee(pledge.amount, platform_fee_bps)
    charge_id = f"ch_test_{pledge.id.hex[:24]}"
    return "payment_intent.succeeded", {
        **intent,
        "status": "succeeded",
        "application_fee_amount": _stripe(platform, pledge.currency) if platform else None,
        "latest_charge": {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_refunded": 0,
            "disputed": False,
            "balance_transaction": {
                "id": f"txn_test_{pledge.id.hex[:24]}",
                "object": "balance_transaction",
                "amount": amount,
                "currency": pledge.currency.lower(),
                "fee": fee,
                "net": amount - fee,
                "source": charge_id,
            },
        },
    }


def processing_fee(amount: int) -> int:
    """A card fee of Stripe's shape for the played charge (`amount` in Stripe's units): its
    standard US price, 2.9 % plus 30 of Stripe's minor units, rounded down and never more
    than the charge. Played, not quoted: Stripe's real fee depends on the card and the
    country."""
    return min(amount, amount * 290 // 10_000 + 30)


def payment_failed(pledge: Pledge, decline_code: str) -> tuple[str, dict[str, Any]]:
    return "payment_intent.payment_failed", {
        **_intent(pledge, _CHARGED),
        "status": "requires_payment_method",
        "last_payment_error": {"type": "card_error", "code": "card_declined",
                               "decline_code": decline_code},
    }  # fmt: skip


def requires_action(pledge: Pledge) -> tuple[str, dict[str, Any]]:
    intent = _intent(pledge, _CHARGED)
    return "payment_intent.requires_action", {**intent, "status": "requires_action"}


def dispute(
    pledge: Pledge, *, status: str, reason: str = "fraudulent", amount: int | None = None
) -> tuple[str, dict[str, Any]]:
    """A chargeback on the pledge's payment: opened (`needs_response`), or closed `won`/`lost`."""
    intent = _intent(pledge, _PAID)
    # A cardholder disputes what they were charged and not given back.
    kept = pledge.amount - pledge.refunded_amount
    disputed = kept if amount is None else amount
    if not 0 < disputed <= kept:
        raise NotForTrigger(f"a dispute is for 1 to {kept} minor units (what was not refunded)")
    event_type = "charge.dispute.created" if status == "needs_response" else "charge.dispute.closed"
    return event_type, {
        "id": f"dp_test_{pledge.id.hex[:24]}",
        "object": "dispute",
        "amount": _stripe(disputed, pledge.currency),
        "currency": pledge.currency.lower(),
        "reason": reason,
        "status": status,
        "charge": f"ch_test_{pledge.id.hex[:24]}",
        "payment_intent": intent,  # expanded: see the module's note
    }


def charge_refunded(pledge: Pledge) -> tuple[str, dict[str, Any]]:
    """Stripe confirms the refunds the creator made: the charge with its refunded total."""
    intent = _intent(pledge, _PAID)
    if not pledge.refunded_amount:
        raise NotForTrigger("nothing of this pledge has been refunded")
    return "charge.refunded", {
        "id": f"ch_test_{pledge.id.hex[:24]}",
        "object": "charge",
        "amount": _stripe(pledge.amount, pledge.currency),
        "amount_refunded": _stripe(pledge.refunded_amount, pledge.currency),
        "currency": pledge.currency.lower(),
        "refunded": pledge.refunded_amount == pledge.amount,
        "payment_intent": intent["id"],
        "metadata": _ids(pledge),
    }


def payouts_ready(state: PayoutAccountState) -> tuple[str, dict[str, Any]]:
    """The creator finished Connect onboarding: details in, charges and payouts enabled."""
    return "account.updated", {
        "id": state.account_id,
        "object": "account",
        "type": "express",
        "details_submitted": True,
        "charges_enabled": True,
        "payouts_enabled": True,
    }


def _intent(pledge: Pledge, could_be: tuple[PaymentStatus, ...]) -> dict[str, Any]:
    """The pledge's PaymentIntent as Stripe holds it (settlement asked for it by this id), if
    the pledge's payment stands where the event could happen."""
    reference = pledge.payment_reference
    if reference is None or not reference.startswith("pi_"):
        raise NotForTrigger(
            f"the pledge's payment is {pledge.payment_status}: it has no Stripe payment yet "
            "(Stripe charges pledges at settlement)"
        )
    if pledge.payment_status not in could_be:
        raise NotForTrigger(
            f"the pledge's payment is {pledge.payment_status}, not "
            + " or ".join(status.value for status in could_be)
        )
    return {
        "id": pledge.payment_reference,
        "object": "payment_intent",
        "amount": _stripe(pledge.amount, pledge.currency),
        "currency": pledge.currency.lower(),
        "metadata": _ids(pledge),
    }


def _stripe(amount: int, currency: str) -> int:
    """An amount of ours as Stripe's API writes it."""
    return STRIPE_CHARGE_RULES.to_provider_units(amount, currency)


def _ids(pledge: Pledge) -> dict[str, str]:
    return {"campaign_id": str(pledge.campaign_id), "pledge_id": str(pledge.id)}
