"""Stripe webhooks are believed only when Stripe signed them, recently, with our secret."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import stripe

from services.pledges.adapters.stripe_webhooks import (
    TOLERANCE_SECONDS,
    StripeEvent,
    WebhookRejected,
    verify_webhook,
)
from tests.stripe_support import TEST_WEBHOOK_SECRET, sign_webhook, stripe_event

SECRET = TEST_WEBHOOK_SECRET
INTENT = {"id": "pi_123", "object": "payment_intent", "amount": 1500, "currency": "eur"}


def signed(payload: bytes, **kwargs: object) -> tuple[bytes, str]:
    return payload, sign_webhook(payload, SECRET, **kwargs)  # type: ignore[arg-type]


def test_a_genuine_event_comes_out_typed() -> None:
    body = stripe_event("payment_intent.succeeded", INTENT, event_id="evt_1", created=1_790_000_000)
    event = verify_webhook(*signed(body), SECRET)
    assert event == StripeEvent(
        id="evt_1",
        type="payment_intent.succeeded",
        created=datetime.fromtimestamp(1_790_000_000, UTC),
        data_object=INTENT,
        livemode=False,
        account=None,
    )
    assert "pi_123" not in repr(event)  # the object may hold what logs should not


def test_a_connect_event_names_its_account() -> None:
    body = stripe_event("account.updated", {"id": "acct_1", "object": "account"}, account="acct_1")
    assert verify_webhook(*signed(body), SECRET).account == "acct_1"


def test_our_signer_signs_as_the_library_does() -> None:
    """The test helper is an independent signer: it must agree with Stripe's own."""
    body = stripe_event("charge.refunded", {"id": "ch_1", "object": "charge"})
    moment = int(time.time())
    ours = sign_webhook(body, SECRET, timestamp=moment)
    theirs = stripe.WebhookSignature.generate_signature_header(
        body.decode(), SECRET, timestamp=moment
    )
    assert ours == theirs


def test_any_of_several_signatures_may_match_while_a_secret_rotates() -> None:
    body = stripe_event("payment_intent.succeeded", INTENT)
    moment = int(time.time())
    old = sign_webhook(body, "whsec_old", timestamp=moment).split(",")[1]
    header = f"{sign_webhook(body, SECRET, timestamp=moment)},{old}"
    assert verify_webhook(body, header, SECRET).type == "payment_intent.succeeded"


def forged_deliveries() -> list[tuple[str, bytes, str | None]]:
    body = stripe_event("payment_intent.succeeded", INTENT)
    now = int(time.time())
    good = sign_webhook(body, SECRET, timestamp=now)
    tampered = body.replace(b"1500", b"9500")
    return [
        ("another secret", body, sign_webhook(body, "whsec_attacker")),
        ("a changed body", tampered, good),
        ("a changed timestamp", body, good.replace(f"t={now}", f"t={now + 1}")),
        ("stale", body, sign_webhook(body, SECRET, timestamp=now - TOLERANCE_SECONDS - 5)),
        ("no header", body, None),
        ("an empty header", body, ""),
        ("no timestamp", body, good.split(",")[1]),
        ("no v1 signature", body, f"t={now},v0=abc"),
        ("garbage", body, "t=yesterday,v1=zz"),
        ("the v1 of another scheme", body, good.replace("v1=", "v2=")),
    ]


@pytest.mark.parametrize(
    ("case", "payload", "header"), forged_deliveries(), ids=[c[0] for c in forged_deliveries()]
)
def test_a_forged_stale_or_missing_signature_is_rejected(
    case: str, payload: bytes, header: str | None
) -> None:
    with pytest.raises(WebhookRejected) as rejected:
        verify_webhook(payload, header, SECRET)
    assert SECRET not in str(rejected.value)
    assert "1500" not in str(rejected.value)


def test_within_the_tolerance_a_signature_is_still_good() -> None:
    body = stripe_event("payment_intent.succeeded", INTENT)
    header = sign_webhook(body, SECRET, timestamp=int(time.time()) - TOLERANCE_SECONDS + 30)
    assert verify_webhook(body, header, SECRET).id.startswith("evt_")


def test_without_a_secret_nothing_is_believed() -> None:
    body = stripe_event("payment_intent.succeeded", INTENT)
    with pytest.raises(WebhookRejected, match="no webhook secret"):
        verify_webhook(body, sign_webhook(body, ""), "")


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe not text",
        b"{not json",
        b"[1, 2]",
        b'"a string"',
        b"{}",
        json.dumps({"id": "evt_1", "object": "event", "type": "x", "created": 1}).encode(),
        json.dumps(
            {"id": "evt_1", "object": "event", "type": "x", "created": "1", "data": {"object": {}}}
        ).encode(),
        json.dumps(
            {"id": "", "object": "event", "type": "x", "created": 1, "data": {"object": {}}}
        ).encode(),
        json.dumps(
            {"id": "evt_1", "object": "event", "type": "x", "created": 1, "data": {"object": []}}
        ).encode(),
        json.dumps(
            {"id": "evt_1", "object": "charge", "type": "x", "created": 1, "data": {"object": {}}}
        ).encode(),
        json.dumps(
            {
                "id": "evt_1",
                "object": "event",
                "type": "x",
                "created": 10**30,
                "data": {"object": {}},
            }
        ).encode(),
        json.dumps(
            {"id": 5, "object": "event", "type": "x", "created": 1, "data": {"object": {}}}
        ).encode(),
    ],
)
def test_a_signed_body_that_is_no_stripe_event_is_rejected_the_same_way(payload: bytes) -> None:
    """Even correctly signed (a bug at Stripe, a secret shared by mistake), a body of another
    shape is one refusal, not a crash."""
    with pytest.raises(WebhookRejected):
        verify_webhook(*signed(payload), SECRET)
