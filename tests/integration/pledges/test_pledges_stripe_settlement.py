"""Settlement through the Stripe gateway against stripe-mock, behind a recording proxy: the
charge Stripe accepts (parameters and idempotency key as sent, not as the mock answers), pledges
left collecting until signed webhooks move them on, no card and declines failing once, Stripe
down rolling back and repeating the same keys, released cards detached, refunds keyed once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from services.pledges.domain.charge_rules import STRIPE_CHARGE_RULES
from tests.factories import make_app, ready_payout_account
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    install_clock,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
    snapshot,
)
from tests.stripe_support import (
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    Canned,
    RecordingProxy,
    card_declined,
    raw_request,
    server_error,
    sign_webhook,
    stripe_event,
)

pytestmark = pytest.mark.both_databases

WEBHOOK = f"{API}/payments/stripe/webhook"
AMOUNT = 5_000
FEE_BPS = 250  # 2.5 %: 125 of 5,000


@pytest.fixture
def proxy(stripe_mock: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(stripe_mock) as recording:
        yield recording


def stripe_app(database_url: str, tmp_path: Path, proxy: RecordingProxy) -> flask.Flask:
    """The pledges app as bootstrap wires it with Stripe keys: no gateway swapped in."""
    return make_app(
        "pledges",
        database_url,
        tmp_path,
        extra={
            "stripe_secret_key": TEST_SECRET_KEY,
            "stripe_webhook_secret": TEST_WEBHOOK_SECRET,
            "stripe_api_base": proxy.url,
            "platform_fee_bps": FEE_BPS,
            "payment_grace": "2d",
        },
    )


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path, proxy: RecordingProxy) -> Iterator[flask.Flask]:
    app = stripe_app(sqlite_url, tmp_path, proxy)
    yield app
    app.extensions["fundtrail"].engine.dispose()


class Funded:
    """A live campaign past its deadline: one pledge with a saved card, one without."""

    def __init__(
        self, app: flask.Flask, *, goal: int = AMOUNT, currency: str = "EUR", amount: int = AMOUNT
    ) -> None:
        self.app, self.client = app, app.test_client()
        self.clock = install_clock(app)
        self.creator = new_account(app, "creator")
        ready_payout_account(app, self.creator.id)
        self.campaign = live_campaign(
            self.client, self.creator, goal_amount=goal, currency=currency
        )
        # What Stripe's objects say: the amount in Stripe's units (IDR in hundredths).
        self.stripe_amount = STRIPE_CHARGE_RULES.to_provider_units(amount, currency)
        self.currency = currency.lower()
        self.carded_backer = new_account(app, "backer")
        self.carded = pledge(self.client, self.campaign, self.carded_backer, amount)["id"]
        self.bare_backer = new_account(app, "backer")
        self.bare = pledge(self.client, self.campaign, self.bare_backer, 1_000)["id"]
        save_card(app, self.client, self.carded, self.carded_backer)
        self.clock.travel(days=31)

    def seen(self, pledge_id: str, who: Account) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(
            f"{API}/pledges/{pledge_id}", headers=who.headers
        ).json
        return body

    def reference(self, pledge_id: str) -> str:
        dependencies = self.app.extensions["fundtrail"]
        with dependencies.uow_factory() as uow:
            stored = uow.pledges.get(uuid.UUID(pledge_id))
        assert stored is not None and stored.payment_reference is not None
        return stored.payment_reference

    def intent(self, intent_id: str, status: str = "succeeded", **extra: Any) -> dict[str, Any]:
        return {
            "id": intent_id,
            "object": "payment_intent",
            "amount": self.stripe_amount,
            "currency": self.currency,
            "status": status,
            "metadata": {"campaign_id": self.campaign["id"], "pledge_id": self.carded},
            **extra,
        }

    def accepted(self) -> Canned:
        """Stripe's answer to the charge: a PaymentIntent on its way (stripe-mock's own fixture
        is one still needing a payment method, which would read as a decline)."""
        return Canned(200, self.intent(f"pi_{uuid.uuid4().hex[:24]}", "processing"))

    def deliver(self, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        body = stripe_event(event_type, data)
        response = self.client.post(
            WEBHOOK,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign_webhook(body, TEST_WEBHOOK_SECRET),
            },
        )
        assert response.status_code == 200, response.json
        answer: dict[str, Any] = response.json
        return answer

    def types(self) -> list[str]:
        return [e.type for e in outbox_events(self.app, self.campaign["id"])]


def save_card(app: flask.Flask, client: FlaskClient, pledge_id: str, backer: Account) -> None:
    """The backer opens Stripe Checkout (through stripe-mock) and Stripe says a card was saved."""
    response = client.post(f"{API}/pledges/{pledge_id}/payment-method", headers=backer.headers)
    assert response.status_code == 201, response.json
    dependencies = app.extensions["fundtrail"]
    stored = handlers.pledge_for(uuid.UUID(pledge_id), backer.id, dependencies.uow_factory())
    assert stored.checkout_session_id is not None
    handlers.card_saved(
        commands.SaveCard(stored.id, stored.checkout_session_id, "pm_card_visa", datetime.now(UTC)),
        dependencies.uow_factory(),
        dependencies.payment_gateway,
    )


def customer_of(app: flask.Flask, account: Account) -> str | None:
    with app.extensions["fundtrail"].uow_factory() as uow:
        return uow.payment_customers.of(account.id)


def charges(proxy: RecordingProxy) -> list[Any]:
    return proxy.sent("POST", "/v1/payment_intents")


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("payment_intent.succeeded", "paid"), ("payment_intent.payment_failed", "payment_failed")],
)
def test_settlement_charges_the_saved_card_and_stripe_s_webhook_moves_it_on(
    database_url: str, tmp_path: Path, proxy: RecordingProxy, event_type: str, status: str
) -> None:
    app = stripe_app(database_url, tmp_path, proxy)
    try:
        funded = Funded(app)
        assert app.test_client().get(f"{API}/payments").json["moves_money"] is True
        proxy.answer_next("POST", funded.accepted())

        settle(funded.client, funded.campaign, funded.creator)

        # What the adapter sent, as recorded; and Stripe's schema (stripe-mock) accepts it.
        (charge,) = charges(proxy)
        replayed = raw_request("POST", proxy.upstream + charge.path, charge.headers, charge.body)
        assert replayed[0] == 200, replayed[2]
        assert charge.headers["Idempotency-Key"] == f"fundtrail:charge:{funded.carded}:1"
        assert {name: values[0] for name, values in charge.form.items()} == {
            "amount": str(AMOUNT),
            "currency": "eur",
            "customer": customer_of(app, funded.carded_backer),
            "payment_method": "pm_card_visa",
            "off_session": "true",
            "confirm": "true",
            "transfer_data[destination]": f"acct_{funded.creator.id.hex[:16]}",
            "application_fee_amount": "125",
            "metadata[campaign_id]": funded.campaign["id"],
            "metadata[pledge_id]": funded.carded,
        }
        assert funded.seen(funded.carded, funded.carded_backer)["payment_status"] == "collecting"
        bare = funded.seen(funded.bare, funded.bare_backer)
        assert (bare["payment_status"], bare["payment_retry_until"] is not None) == (
            "payment_failed",
            True,
        )
        assert funded.types().count("pledge.payment_failed") == 1  # the bare pledge's
        intent_id = funded.reference(funded.carded)
        assert intent_id.startswith("pi_")

        if event_type == "payment_intent.succeeded":
            proxy.answer_next("GET", Canned(200, funded.intent(intent_id, latest_charge=None)))
            data = funded.intent(intent_id)
        else:
            data = funded.intent(
                intent_id,
                "requires_payment_method",
                last_payment_error={"code": "card_declined", "decline_code": "expired_card"},
            )
        assert funded.deliver(event_type, data)["took_effect"] is True

        assert funded.seen(funded.carded, funded.carded_backer)["payment_status"] == status
        expected = "pledge.collected" if status == "paid" else "pledge.payment_failed"
        assert funded.types()[-1] == expected
        assert len(charges(proxy)) == 1  # nothing was charged again
    finally:
        app.extensions["fundtrail"].engine.dispose()


def test_a_card_declined_at_once_fails_once_though_stripe_s_webhook_follows(
    app: flask.Flask, proxy: RecordingProxy
) -> None:
    funded = Funded(app)
    declined = {
        "id": "pi_declined",
        "object": "payment_intent",
        "status": "requires_payment_method",
    }
    proxy.answer_next("POST", card_declined("insufficient_funds", payment_intent=declined))

    settle(funded.client, funded.campaign, funded.creator)

    shown = funded.seen(funded.carded, funded.carded_backer)
    assert shown["payment_status"] == "payment_failed"
    assert funded.reference(funded.carded) == "pi_declined"
    failures = funded.types().count("pledge.payment_failed")
    assert failures == 2  # both pledges: one declined, one without a card

    webhook = funded.deliver(
        "payment_intent.payment_failed",
        funded.intent(
            "pi_declined",
            "requires_payment_method",
            last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"},
        ),
    )

    assert webhook == {"received": True, "duplicate": False, "took_effect": False}
    assert funded.types().count("pledge.payment_failed") == failures
    assert funded.seen(funded.carded, funded.carded_backer) == shown


def test_stripe_down_rolls_the_settlement_back_and_settling_again_sends_the_same_key(
    app: flask.Flask, proxy: RecordingProxy
) -> None:
    funded = Funded(app)
    # Stripe's 500, told not to be retried by the client, so the test waits for no backoff: the
    # settlement sees Stripe down after its retries.
    down = server_error()
    proxy.answer_next(
        "POST",
        Canned(500, down.body, {**down.headers, "Stripe-Should-Retry": "false"}),
        funded.accepted(),
    )
    before = snapshot(app)

    response = funded.client.post(
        f"{API}/campaigns/{funded.campaign['id']}/settle", headers=funded.creator.headers
    )

    assert_problem(response, 503)
    assert response.headers["Retry-After"]
    assert TEST_SECRET_KEY not in response.get_data(as_text=True)
    assert snapshot(app) == before  # no pledge failed, nothing settled, no event
    assert settle(funded.client, funded.campaign, funded.creator)["status"] == "succeeded"
    keys = {c.headers["Idempotency-Key"] for c in charges(proxy)}
    assert keys == {f"fundtrail:charge:{funded.carded}:1"}  # two requests, one charge at Stripe
    assert len(charges(proxy)) == 2
    assert funded.seen(funded.carded, funded.carded_backer)["payment_status"] == "collecting"


def test_a_failed_campaign_charges_nobody_and_detaches_the_saved_card(
    app: flask.Flask, proxy: RecordingProxy
) -> None:
    funded = Funded(app, goal=100_000)  # all or nothing, far short

    assert settle(funded.client, funded.campaign, funded.creator)["status"] == "failed"

    assert charges(proxy) == []
    (detach,) = proxy.sent("POST", "/v1/payment_methods/")
    assert detach.path == "/v1/payment_methods/pm_card_visa/detach"
    assert detach.headers["Idempotency-Key"] == "fundtrail:detach:pm_card_visa"
    released = [e for e in outbox_events(app, funded.campaign["id"]) if e.type == "pledge.released"]
    assert {e.payload["payment_reference"] for e in released} == {
        f"stripe:release:{funded.carded}:card-detached",
        f"stripe:release:{funded.bare}:no-card",
    }


def test_a_refund_goes_to_stripe_once_with_its_own_key_and_carries_stripe_s_refund_id(
    app: flask.Flask, proxy: RecordingProxy
) -> None:
    funded = Funded(app)
    proxy.answer_next("POST", funded.accepted())
    settle(funded.client, funded.campaign, funded.creator)
    intent_id = funded.reference(funded.carded)
    proxy.answer_next("GET", Canned(200, funded.intent(intent_id, latest_charge=None)))
    funded.deliver("payment_intent.succeeded", funded.intent(intent_id))

    response = funded.client.post(
        f"{API}/pledges/{funded.carded}/refund",
        json={"reason": "Out of stock", "amount": 2_000},
        headers=funded.creator.headers,
    )

    assert response.status_code == 200, response.json
    assert response.json["refunded_amount"] == 2_000
    (refund,) = proxy.sent("POST", "/v1/refunds")
    assert refund.headers["Idempotency-Key"].startswith("fundtrail:refund:")
    form = {name: values[0] for name, values in refund.form.items()}
    assert (form["payment_intent"], form["amount"]) == (intent_id, "2000")
    assert (form["reverse_transfer"], form["refund_application_fee"]) == ("true", "true")
    refunded = [e for e in outbox_events(app, funded.campaign["id"]) if e.type == "pledge.refunded"]
    assert refunded[-1].payload["payment_reference"].startswith("re_")


def test_an_idr_pledge_is_charged_refunded_and_disputed_in_hundredths_and_booked_in_rupiah(
    app: flask.Flask, proxy: RecordingProxy
) -> None:
    # Fundtrail counts IDR in whole rupiah (CLDR), Stripe's API in hundredths.
    funded = Funded(app, goal=50_000, currency="IDR", amount=50_000)
    proxy.answer_next("POST", funded.accepted())
    settle(funded.client, funded.campaign, funded.creator)

    (charge,) = charges(proxy)
    replayed = raw_request("POST", proxy.upstream + charge.path, charge.headers, charge.body)
    assert replayed[0] == 200, replayed[2]
    form = {name: values[0] for name, values in charge.form.items()}
    # 2.5 % of 50 000 rupiah is 1 250 rupiah: 125 000 hundredths.
    assert (form["amount"], form["currency"]) == ("5000000", "idr")
    assert form["application_fee_amount"] == "125000"

    # Stripe's fee is its own figure, in hundredths: 1 450.45 rupiah is booked as 1 450.
    intent_id = funded.reference(funded.carded)
    paid = funded.intent(
        intent_id,
        application_fee_amount=125_000,
        latest_charge={
            "id": "ch_idr",
            "object": "charge",
            "amount": 5_000_000,
            "amount_refunded": 0,
            "disputed": False,
            "balance_transaction": {
                "id": "txn_idr",
                "object": "balance_transaction",
                "amount": 5_000_000,
                "currency": "idr",
                "fee": 145_045,
                "net": 4_854_955,
            },
        },
    )
    assert funded.deliver("payment_intent.succeeded", paid)["took_effect"] is True
    events = outbox_events(app, funded.campaign["id"])
    assert [e.payload["amount"] for e in events if e.type == "pledge.collected"] == [50_000]
    fees = {
        e.payload["fee_kind"]: (e.payload["amount"], e.payload["currency"])
        for e in events
        if e.type == "payment.fee_charged"
    }
    assert fees == {"processing": (1_450, "IDR"), "platform": (1_250, "IDR")}

    response = funded.client.post(
        f"{API}/pledges/{funded.carded}/refund",
        json={"reason": "Out of stock", "amount": 20_000},
        headers=funded.creator.headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["refunded_amount"] == 20_000
    (refund,) = proxy.sent("POST", "/v1/refunds")
    assert {name: values[0] for name, values in refund.form.items()}["amount"] == "2000000"
    refunded = [e for e in outbox_events(app, funded.campaign["id"]) if e.type == "pledge.refunded"]
    assert refunded[-1].payload["amount"] == 20_000

    # A chargeback of what was kept, as Stripe's signed webhook writes it: 30 000.00 IDR.
    proxy.answer_next("GET", Canned(200, funded.intent(intent_id)))
    dispute = {"id": "dp_idr", "object": "dispute", "amount": 3_000_000, "currency": "idr"}
    dispute |= {"payment_intent": intent_id, "reason": "fraudulent", "status": "needs_response"}
    assert funded.deliver("charge.dispute.created", dispute)["took_effect"] is True
    (opened,) = [
        e for e in outbox_events(app, funded.campaign["id"]) if e.type == "payment.dispute_opened"
    ]
    assert (opened.payload["amount"], opened.payload["currency"]) == (30_000, "IDR")
