"""Stripe's webhook endpoint on SQLite and PostgreSQL, with Stripe's reads answered by stripe-mock
behind a recording proxy: signed events collect, fail and dispute pledges once each; forged,
stale or unsigned deliveries write nothing; the outbox holds the events, Kafka is never asked."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.pledges.domain import CollectionRequest, Pledge
from tests.factories import make_app
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    live_campaign,
    outbox_events,
    pledge,
    settle,
    snapshot,
)
from tests.integration.pledges.test_pledges_races import all_at_once
from tests.payment_gateways import PendingGateway
from tests.stripe_support import (
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    Canned,
    RecordingProxy,
    server_error,
    sign_webhook,
    stripe_event,
)

pytestmark = pytest.mark.both_databases

WEBHOOK = f"{API}/payments/stripe/webhook"


class StripeLikeGateway(PendingGateway):
    """Collections left pending under a PaymentIntent id, as settlement through Stripe leaves
    them: the webhooks then name that id."""

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        request = super().request_collection(pledge, attempt)
        named = dataclasses.replace(request, reference=f"pi_{uuid.uuid4().hex[:24]}")
        self.requests[-1] = named
        return named


@pytest.fixture
def proxy(stripe_mock: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(stripe_mock) as recording:
        yield recording


@pytest.fixture
def app(database_url: str, tmp_path: Path, proxy: RecordingProxy) -> Iterator[flask.Flask]:
    app = make_app(
        "pledges",
        database_url,
        tmp_path,
        extra={
            "stripe_secret_key": TEST_SECRET_KEY,
            "stripe_webhook_secret": TEST_WEBHOOK_SECRET,
            "stripe_api_base": proxy.url,
            "payment_grace": "2d",
        },
    )
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def gateway(app: flask.Flask) -> StripeLikeGateway:
    gateway = StripeLikeGateway()
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=lambda: gateway
    )
    return gateway


@dataclasses.dataclass
class Collecting:
    campaign_id: str
    pledge_id: str
    intent_id: str


@pytest.fixture
def collecting(
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    gateway: StripeLikeGateway,
) -> Collecting:
    """A succeeded campaign whose one pledge's money was asked of Stripe."""
    campaign = live_campaign(client, creator, goal_amount=5_000)
    made = pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)
    settle(client, campaign, creator)
    intent = gateway.latest(uuid.UUID(made["id"])).reference
    return Collecting(campaign["id"], made["id"], intent)


def intent(paid: Collecting, status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    return {
        "id": paid.intent_id,
        "object": "payment_intent",
        "amount": 5_000,
        "currency": "eur",
        "status": status,
        "metadata": {"campaign_id": paid.campaign_id, "pledge_id": paid.pledge_id},
        **extra,
    }


def read_back(paid: Collecting, fee: int = 175, platform_fee: int = 100) -> Canned:
    """Stripe's answer to reading the PaymentIntent back, with its charge's balance transaction."""
    return Canned(
        200,
        {
            **intent(paid),
            "application_fee_amount": platform_fee,
            "latest_charge": {
                "id": "ch_paid",
                "object": "charge",
                "amount": 5_000,
                "amount_refunded": 0,
                "disputed": False,
                "balance_transaction": {
                    "id": "txn_paid",
                    "object": "balance_transaction",
                    "fee": fee,
                    "net": 5_000 - fee,
                },
            },
        },
    )


def deliver(client: FlaskClient, body: bytes, signature: str | None = "sign") -> Any:
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["Stripe-Signature"] = sign_webhook(body, TEST_WEBHOOK_SECRET)
    elif signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post(WEBHOOK, data=body, headers=headers)


def inbox(app: flask.Flask) -> list[tuple[str, str, bool]]:
    table = app.extensions["fundtrail"].tables["stripe_events"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.event_id, table.c.event_type, table.c.took_effect).order_by(
                table.c.received_at
            )
        )
        return [(r.event_id, r.event_type, r.took_effect) for r in rows]


def seen(client: FlaskClient, pledge_id: str, who: Account) -> dict[str, Any]:
    response = client.get(f"{API}/pledges/{pledge_id}", headers=who.headers)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json
    return body


def types_after(app: flask.Flask, campaign_id: str, before: int) -> list[str]:
    return [e.type for e in outbox_events(app, campaign_id)[before:]]


# --- refusals: nothing written -------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "t=1,v1=0000",
        sign_webhook(b"another body", TEST_WEBHOOK_SECRET),
        sign_webhook(b"", "whsec_someone_else"),
        "stale",
        "wrong-secret",
    ],
    ids=["missing", "garbled", "other-body", "other-secret-empty", "stale", "wrong-secret"],
)
def test_a_forged_stale_or_missing_signature_is_refused_and_writes_nothing(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, signature: str | None
) -> None:
    body = stripe_event("payment_intent.succeeded", intent(collecting))
    if signature == "stale":
        signature = sign_webhook(body, TEST_WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    elif signature == "wrong-secret":
        signature = sign_webhook(body, "whsec_forger")
    before = snapshot(app)

    response = deliver(client, body, signature)

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"]["Stripe-Signature"]
    assert TEST_WEBHOOK_SECRET not in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_without_stripe_the_endpoint_is_not_there(database_url: str, tmp_path: Path) -> None:
    plain = make_app("pledges", database_url, tmp_path)
    try:
        body = stripe_event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}})
        before = snapshot(plain)
        response = deliver(plain.test_client(), body)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert snapshot(plain) == before
    finally:
        plain.extensions["fundtrail"].engine.dispose()


def test_the_endpoint_is_public_and_documented(client: FlaskClient) -> None:
    spec = client.get(f"{API}/openapi.json").json
    operation = spec["paths"]["/api/v1/payments/stripe/webhook"]["post"]
    assert not operation.get("security")
    assert {"200", "400", "404", "503"} <= set(operation["responses"])


# --- payment_intent.succeeded ----------------------------------------------------------------


def test_a_paid_pledge_is_collected_then_its_fees_follow_in_order(
    app: flask.Flask,
    client: FlaskClient,
    backer: Account,
    collecting: Collecting,
    proxy: RecordingProxy,
) -> None:
    before = len(outbox_events(app, collecting.campaign_id))
    proxy.answer_next("GET", read_back(collecting, fee=175, platform_fee=100))
    body = stripe_event("payment_intent.succeeded", intent(collecting), event_id="evt_paid")

    response = deliver(client, body)

    assert response.status_code == 200, response.json
    assert response.json == {"received": True, "duplicate": False, "took_effect": True}
    assert seen(client, collecting.pledge_id, backer)["payment_status"] == "paid"
    events = outbox_events(app, collecting.campaign_id)[before:]
    assert [e.type for e in events] == [
        "pledge.collected",
        "payment.fee_charged",
        "payment.fee_charged",
    ]
    assert events[0].payload["fee_amount"] == 275
    fees = [(e.payload["fee_kind"], e.payload["amount"]) for e in events[1:]]
    assert fees == [("processing", 175), ("platform", 100)]
    assert {e.payload["provider_event_id"] for e in events[1:]} == {"evt_paid"}
    assert {e.payload["payment_reference"] for e in events[1:]} == {"ch_paid"}
    assert {e.campaign_id for e in events} == {uuid.UUID(collecting.campaign_id)}
    assert inbox(app) == [("evt_paid", "payment_intent.succeeded", True)]
    # The fee was read from Stripe's books, not taken from the event.
    assert [r.path.split("?")[0] for r in proxy.sent("GET")] == [
        f"/v1/payment_intents/{collecting.intent_id}"
    ]


def test_a_redelivered_event_has_no_second_effect(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, proxy: RecordingProxy
) -> None:
    proxy.answer_next("GET", read_back(collecting))
    body = stripe_event("payment_intent.succeeded", intent(collecting), event_id="evt_twice")
    assert deliver(client, body).status_code == 200
    outbox = outbox_events(app)

    again = deliver(client, body)

    assert again.status_code == 200
    assert again.json == {"received": True, "duplicate": True, "took_effect": False}
    assert outbox_events(app) == outbox
    assert inbox(app) == [("evt_twice", "payment_intent.succeeded", True)]
    assert len(proxy.sent("GET")) == 1  # a redelivery does not even ask Stripe


def test_stripe_unreachable_answers_503_writes_nothing_and_the_redelivery_works(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, proxy: RecordingProxy
) -> None:
    # The adapter retries three times itself: four failures in a row exhaust it.
    proxy.answer_next("GET", *[server_error() for _ in range(4)])
    body = stripe_event("payment_intent.succeeded", intent(collecting), event_id="evt_later")
    before = snapshot(app)

    response = deliver(client, body)

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert snapshot(app) == before

    proxy.answer_next("GET", read_back(collecting))
    assert deliver(client, body).json["took_effect"] is True
    assert inbox(app) == [("evt_later", "payment_intent.succeeded", True)]


# --- failures --------------------------------------------------------------------------------


def test_a_declined_payment_fails_the_pledge_with_its_code_and_the_configured_grace(
    app: flask.Flask,
    client: FlaskClient,
    backer: Account,
    clock: MovableClock,
    collecting: Collecting,
) -> None:
    declined = intent(
        collecting,
        "requires_payment_method",
        last_payment_error={
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "payment_method": {"id": "pm_x", "card": {"last4": "4242"}},
        },
    )
    body = stripe_event("payment_intent.payment_failed", declined, event_id="evt_declined")

    response = deliver(client, body)

    assert response.json["took_effect"] is True
    view = seen(client, collecting.pledge_id, backer)
    assert view["payment_status"] == "payment_failed"
    hours = (datetime.fromisoformat(view["payment_retry_until"]) - clock()).total_seconds() / 3600
    assert 47.9 < hours <= 48  # FUNDTRAIL_PAYMENT_GRACE is 2d here
    failed = outbox_events(app, collecting.campaign_id)[-1]
    assert failed.type == "pledge.payment_failed"
    assert failed.payload["reason_code"] == "insufficient_funds"
    assert "4242" not in json.dumps(failed.payload, default=str)


def test_a_payment_asking_for_the_backer_fails_as_authentication_required(
    app: flask.Flask, client: FlaskClient, backer: Account, collecting: Collecting
) -> None:
    body = stripe_event("payment_intent.requires_action", intent(collecting, "requires_action"))
    assert deliver(client, body).json["took_effect"] is True
    failed = outbox_events(app, collecting.campaign_id)[-1]
    assert (failed.type, failed.payload["reason_code"]) == (
        "pledge.payment_failed",
        "authentication_required",
    )


def test_success_then_a_late_failure_leaves_the_pledge_paid(
    app: flask.Flask,
    client: FlaskClient,
    backer: Account,
    collecting: Collecting,
    proxy: RecordingProxy,
) -> None:
    proxy.answer_next("GET", read_back(collecting))
    deliver(client, stripe_event("payment_intent.succeeded", intent(collecting)))
    before = len(outbox_events(app))

    late = deliver(
        client,
        stripe_event(
            "payment_intent.payment_failed", intent(collecting, "requires_payment_method")
        ),
    )

    assert late.status_code == 200 and late.json["took_effect"] is False
    assert seen(client, collecting.pledge_id, backer)["payment_status"] == "paid"
    assert len(outbox_events(app)) == before


def test_failure_then_success_leaves_the_pledge_paid(
    app: flask.Flask,
    client: FlaskClient,
    backer: Account,
    collecting: Collecting,
    proxy: RecordingProxy,
) -> None:
    deliver(
        client,
        stripe_event(
            "payment_intent.payment_failed", intent(collecting, "requires_payment_method")
        ),
    )
    proxy.answer_next("GET", read_back(collecting))
    paid = deliver(client, stripe_event("payment_intent.succeeded", intent(collecting)))

    assert paid.json["took_effect"] is True
    assert seen(client, collecting.pledge_id, backer)["payment_status"] == "paid"
    assert types_after(app, collecting.campaign_id, -4)[-4:] == [
        "pledge.payment_failed",
        "pledge.collected",
        "payment.fee_charged",
        "payment.fee_charged",
    ]


# --- disputes, refunds and the rest ----------------------------------------------------------


def test_a_dispute_opens_and_closes_with_ids_read_from_stripe(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, proxy: RecordingProxy
) -> None:
    proxy.answer_next("GET", read_back(collecting))
    deliver(client, stripe_event("payment_intent.succeeded", intent(collecting)))
    charge = {
        "id": "ch_paid",
        "object": "charge",
        "amount": 5_000,
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": collecting.intent_id,
        "metadata": {"campaign_id": collecting.campaign_id, "pledge_id": collecting.pledge_id},
    }
    dispute = {"id": "dp_1", "object": "dispute", "charge": "ch_paid", "amount": 5_000}
    dispute |= {"currency": "eur", "reason": "fraudulent", "status": "needs_response"}
    proxy.answer_next("GET", Canned(200, charge))

    opened = deliver(client, stripe_event("charge.dispute.created", dispute, event_id="evt_dp1"))
    proxy.answer_next("GET", Canned(200, charge))
    closed = deliver(
        client,
        stripe_event("charge.dispute.closed", dispute | {"status": "won"}, event_id="evt_dp2"),
    )

    assert opened.json["took_effect"] is True and closed.json["took_effect"] is True
    events = outbox_events(app, collecting.campaign_id)[-2:]
    assert [e.type for e in events] == ["payment.dispute_opened", "payment.dispute_closed"]
    assert events[0].payload["reason"] == "fraudulent"
    assert events[0].payload["amount"] == 5_000
    assert events[1].payload["outcome"] == "won"
    assert {e.payload["dispute_reference"] for e in events} == {"dp_1"}
    assert [e.payload["provider_event_id"] for e in events] == ["evt_dp1", "evt_dp2"]
    assert [r.path.split("?")[0] for r in proxy.sent("GET")][-2:] == ["/v1/charges/ch_paid"] * 2


@pytest.mark.parametrize("event_type", ["charge.refunded", "customer.created"])
def test_other_events_are_stored_with_no_effect(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, event_type: str
) -> None:
    outbox = outbox_events(app)
    body = stripe_event(event_type, {"id": "ch_x", "object": "charge"}, event_id="evt_other")

    response = deliver(client, body)

    assert response.status_code == 200
    assert response.json == {"received": True, "duplicate": False, "took_effect": False}
    assert inbox(app) == [("evt_other", event_type, False)]
    assert outbox_events(app) == outbox


def test_an_event_for_a_pledge_we_do_not_hold_is_stored_with_no_effect(
    app: flask.Flask, client: FlaskClient, collecting: Collecting, proxy: RecordingProxy
) -> None:
    stranger = dataclasses.replace(collecting, pledge_id=str(uuid.uuid4()))
    proxy.answer_next("GET", read_back(stranger))
    outbox = outbox_events(app)
    body = stripe_event("payment_intent.succeeded", intent(stranger), event_id="evt_stranger")

    response = deliver(client, body)

    assert response.status_code == 200 and response.json["took_effect"] is False
    assert inbox(app) == [("evt_stranger", "payment_intent.succeeded", False)]
    assert outbox_events(app) == outbox


def test_no_card_detail_or_payload_is_kept(
    app: flask.Flask, client: FlaskClient, collecting: Collecting
) -> None:
    secret = intent(collecting, "requires_payment_method", client_secret="pi_x_secret_y")
    deliver(client, stripe_event("payment_intent.payment_failed", secret))
    table = app.extensions["fundtrail"].tables["stripe_events"]
    assert set(table.c.keys()) == {
        "event_id",
        "event_type",
        "created",
        "received_at",
        "took_effect",
    }
    stored = json.dumps(snapshot(app), default=str)
    assert "pi_x_secret_y" not in stored


# --- exactly once, all at once, and without Kafka ---------------------------------------------


def test_fifty_deliveries_of_one_event_at_once_have_one_effect(
    app: flask.Flask, collecting: Collecting
) -> None:
    body = stripe_event("payment_intent.succeeded", intent(collecting), event_id="evt_many")
    signature = sign_webhook(body, TEST_WEBHOOK_SECRET)
    before = len(outbox_events(app, collecting.campaign_id))

    def one() -> tuple[int, bool]:
        response = app.test_client().post(
            WEBHOOK, data=body, headers={"Stripe-Signature": signature}
        )
        return response.status_code, response.json["took_effect"]

    results = all_at_once([one] * 50)

    assert [status for status, _ in results] == [200] * 50
    assert sum(took for _, took in results) == 1
    new = types_after(app, collecting.campaign_id, before)
    assert new.count("pledge.collected") == 1
    assert inbox(app) == [("evt_many", "payment_intent.succeeded", True)]


def test_webhooks_never_touch_kafka(
    app: flask.Flask,
    client: FlaskClient,
    collecting: Collecting,
    proxy: RecordingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import kafka

    def no_kafka(*args: object, **kwargs: object) -> None:
        raise AssertionError("the webhook path asked Kafka")

    monkeypatch.setattr(kafka.KafkaProducer, "__init__", no_kafka)
    monkeypatch.setattr(kafka.KafkaConsumer, "__init__", no_kafka)
    monkeypatch.setattr(kafka.KafkaAdminClient, "__init__", no_kafka)
    proxy.answer_next("GET", read_back(collecting))

    response = deliver(client, stripe_event("payment_intent.succeeded", intent(collecting)))

    assert response.json["took_effect"] is True
    outbox = app.extensions["fundtrail"].tables["outbox"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        unsent = connection.execute(
            sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        ).scalar_one()
    assert unsent >= 3  # pledge.collected and its two fees wait for the relay
    assert len(inbox(app)) == 1
