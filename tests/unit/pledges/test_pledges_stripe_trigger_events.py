"""The events `fundtrail payments trigger` plays: signed so that the webhook's own check takes
them, shaped as Stripe's, and refused for a pledge whose payment is not where they could
happen."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.pledges.adapters import stripe_trigger
from services.pledges.adapters.stripe_webhooks import WebhookRejected, verify_webhook
from services.pledges.domain.pledges import Pledge
from services.pledges.domain.values import PledgeStatus

SECRET = "whsec_local"
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def a_pledge(status: PledgeStatus, **fields: object) -> Pledge:
    made = Pledge(
        id=uuid.uuid4(),
        campaign_id=uuid.uuid4(),
        backer_id=uuid.uuid4(),
        amount=4_500,
        currency="EUR",
        tier_id=None,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_a_triggered_event_passes_the_webhook_s_check_and_names_the_pledge() -> None:
    collecting = a_pledge(PledgeStatus.COLLECTING, payment_reference="pi_123")

    signed = stripe_trigger.sign(*stripe_trigger.payment_succeeded(collecting), SECRET)
    event = verify_webhook(signed.body, signed.signature, SECRET)

    assert (event.id, event.type, event.livemode) == (signed.id, "payment_intent.succeeded", False)
    assert event.data_object["id"] == "pi_123"
    assert event.data_object["amount"] == 4_500 and event.data_object["currency"] == "eur"
    assert event.data_object["metadata"] == {
        "campaign_id": str(collecting.campaign_id),
        "pledge_id": str(collecting.id),
    }
    with pytest.raises(WebhookRejected):
        verify_webhook(signed.body, signed.signature, "whsec_someone_else")


def test_a_played_success_carries_its_fees_for_the_books() -> None:
    collecting = a_pledge(PledgeStatus.COLLECTING, payment_reference="pi_123")

    _, paid = stripe_trigger.payment_succeeded(collecting, platform_fee_bps=500)

    transaction = paid["latest_charge"]["balance_transaction"]
    # 2.9 % of 45.00 is 1.305, rounded down to 1.30, plus 0.30.
    assert (transaction["fee"], transaction["net"]) == (160, 4_340)
    assert paid["application_fee_amount"] == 225
    assert stripe_trigger.payment_succeeded(collecting)[1]["application_fee_amount"] is None
    assert stripe_trigger.processing_fee(10) == 10  # never more than the charge


def test_played_events_write_amounts_in_stripe_s_units_as_stripe_would() -> None:
    # 50 000 rupiah are 5 000 000 to Stripe (hundredths); the handlers convert them back.
    collecting = a_pledge(
        PledgeStatus.COLLECTING, payment_reference="pi_1", amount=50_000, currency="IDR"
    )
    paid = a_pledge(
        PledgeStatus.COLLECTED,
        payment_reference="pi_1",
        amount=50_000,
        currency="IDR",
        refunded_amount=20_000,
    )

    _, succeeded = stripe_trigger.payment_succeeded(collecting, platform_fee_bps=250)
    _, opened = stripe_trigger.dispute(paid, status="needs_response")
    _, refunded = stripe_trigger.charge_refunded(paid)

    assert (succeeded["amount"], succeeded["currency"]) == (5_000_000, "idr")
    assert succeeded["application_fee_amount"] == 125_000
    transaction = succeeded["latest_charge"]["balance_transaction"]
    # 2.9 % of 5 000 000 plus 30, in Stripe's hundredths: 1 450.30 rupiah.
    assert (transaction["amount"], transaction["fee"]) == (5_000_000, 145_030)
    assert opened["amount"] == 3_000_000  # what was not refunded: 30 000 rupiah
    assert (refunded["amount"], refunded["amount_refunded"]) == (5_000_000, 2_000_000)


def test_a_failure_carries_the_decline_code_and_a_dispute_the_payment_expanded() -> None:
    collecting = a_pledge(PledgeStatus.COLLECTING, payment_reference="pi_9")
    paid = a_pledge(PledgeStatus.COLLECTED, payment_reference="pi_9")

    _, failed = stripe_trigger.payment_failed(collecting, "insufficient_funds")
    kind, opened = stripe_trigger.dispute(paid, status="needs_response")
    closed_kind, closed = stripe_trigger.dispute(paid, status="won", amount=1_000)

    assert failed["last_payment_error"]["decline_code"] == "insufficient_funds"
    assert (kind, opened["amount"], opened["status"]) == (
        "charge.dispute.created",
        4_500,
        "needs_response",
    )
    assert opened["payment_intent"]["metadata"]["pledge_id"] == str(paid.id)
    assert (closed_kind, closed["amount"]) == ("charge.dispute.closed", 1_000)
    partly_refunded = a_pledge(PledgeStatus.REFUNDED, payment_reference="pi_9", refunded_amount=500)
    assert stripe_trigger.dispute(partly_refunded, status="needs_response")[1]["amount"] == 4_000
    body = json.loads(stripe_trigger.sign(kind, opened, SECRET).body)
    assert body["object"] == "event" and body["data"]["object"]["object"] == "dispute"


@pytest.mark.parametrize(
    ("build", "pledge", "reason"),
    [
        (stripe_trigger.payment_succeeded, a_pledge(PledgeStatus.PLEDGED), "no Stripe payment"),
        (
            stripe_trigger.payment_succeeded,
            a_pledge(PledgeStatus.COLLECTING, payment_reference="record-only:collection:1"),
            "no Stripe payment",
        ),
        (
            lambda p: stripe_trigger.dispute(p, status="needs_response"),
            a_pledge(PledgeStatus.PAYMENT_FAILED, payment_reference="pi_1"),
            "payment_failed, not paid or refunded",
        ),
        (
            lambda p: stripe_trigger.dispute(p, status="won", amount=9_999),
            a_pledge(PledgeStatus.COLLECTED, payment_reference="pi_1"),
            "1 to 4500",
        ),
        (
            lambda p: stripe_trigger.dispute(p, status="needs_response", amount=4_000),
            a_pledge(PledgeStatus.REFUNDED, payment_reference="pi_1", refunded_amount=1_000),
            "1 to 3500",
        ),
        (stripe_trigger.card_saved, a_pledge(PledgeStatus.PLEDGED), "not opened a card page"),
        (
            stripe_trigger.charge_refunded,
            a_pledge(PledgeStatus.COLLECTED, payment_reference="pi_1"),
            "nothing of this pledge has been refunded",
        ),
    ],
)
def test_an_event_that_could_not_happen_is_refused_with_the_reason(
    build: object, pledge: Pledge, reason: str
) -> None:
    with pytest.raises(stripe_trigger.NotForTrigger, match=reason):
        build(pledge)  # type: ignore[operator]


def test_only_a_webhook_secret_signs() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        stripe_trigger.sign("payment_intent.succeeded", {}, "sk_test_123")


def test_each_card_page_finished_saves_a_card_of_its_own() -> None:
    # A backer fixing a failed payment opens a second page: Stripe saves a new payment method,
    # which the webhook's handler must not take for a repeat of the first.
    failed = a_pledge(
        PledgeStatus.PAYMENT_FAILED,
        checkout_session_id="cs_test_1",
        card_setup_attempt=1,
        payment_method_id=None,
    )
    _, first = stripe_trigger.card_saved(failed)
    failed.payment_method_id = first["setup_intent"]["payment_method"]
    failed.card_setup_attempt = 2

    _, second = stripe_trigger.card_saved(failed)

    assert first["setup_intent"]["payment_method"].startswith("pm_")
    assert second["setup_intent"]["payment_method"] != failed.payment_method_id
