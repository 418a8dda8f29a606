"""Backers save a card through Stripe Checkout (setup mode), against stripe-mock: the calls and
keys sent, the pledge's latest page, the provider's word making it `card_saved`, and refusals.

stripe-mock stores nothing: a recording proxy shows what the service sent, and the card's
arrival is the handler the webhook endpoint calls, given the session stripe-mock answered."""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from services.pledges import commands, handlers
from services.pledges.adapters.stripe_payments import StripePayments
from tests.factories import make_app, ready_payout_account
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    install_clock,
    live_campaign,
    new_account,
    pledge,
    snapshot,
)
from tests.stripe_support import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, Canned, RecordingProxy

SITE = "https://fundtrail.example"


@pytest.fixture
def proxy(stripe_mock: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(stripe_mock) as recording:
        yield recording


@pytest.fixture
def stripe_app(database_url: str, tmp_path: Path, proxy: RecordingProxy) -> Iterator[flask.Flask]:
    app = make_app(
        "pledges",
        database_url,
        tmp_path,
        extra={
            "stripe_secret_key": TEST_SECRET_KEY,
            "stripe_webhook_secret": TEST_WEBHOOK_SECRET,
            "stripe_api_base": proxy.url,
            "site_url": SITE,
        },
    )
    yield app
    app.extensions["fundtrail"].engine.dispose()


def card_page(client: FlaskClient, pledge_id: str, account: Account) -> TestResponse:
    return client.post(f"{API}/pledges/{pledge_id}/payment-method", headers=account.headers)


def test_a_backer_saves_a_card_through_checkout_and_the_pledge_says_card_saved(
    stripe_app: flask.Flask, proxy: RecordingProxy
) -> None:
    client = stripe_app.test_client()
    creator, backer = new_account(stripe_app, "creator"), new_account(stripe_app, "backer")
    ready_payout_account(stripe_app, creator.id)
    campaign = live_campaign(client, creator)
    mine = pledge(client, campaign, backer, 2_500)

    first = card_page(client, mine["id"], backer)
    second = card_page(client, mine["id"], backer)

    assert (first.status_code, second.status_code) == (201, 201), first.json
    assert set(first.json) == {"checkout_url"}
    assert first.json["checkout_url"].startswith("https://")
    customers = proxy.sent("POST", "/v1/customers")
    assert len(customers) == 1  # one customer per backer, kept after the first page
    assert customers[0].headers["Idempotency-Key"] == f"fundtrail:customer:{backer.id}"
    sessions = proxy.sent("POST", "/v1/checkout/sessions")
    assert [s.headers["Idempotency-Key"] for s in sessions] == [
        f"fundtrail:checkout:{mine['id']}:1",
        f"fundtrail:checkout:{mine['id']}:2",
    ]
    form = sessions[0].form
    assert form["mode"] == ["setup"] and form["currency"] == ["eur"]
    assert form["success_url"] == [f"{SITE}/campaigns/{campaign['id']}?card=saving"]
    assert form["cancel_url"] == [f"{SITE}/campaigns/{campaign['id']}"]
    assert form["metadata[pledge_id]"] == [mine["id"]]

    # Nothing is saved until Stripe says so.
    shown = client.get(f"{API}/pledges/{mine['id']}", headers=backer.headers).json
    assert shown["payment_status"] == "none"

    dependencies = stripe_app.extensions["fundtrail"]
    pledge_id = uuid.UUID(mine["id"])
    stored = handlers.pledge_for(pledge_id, backer.id, dependencies.uow_factory())
    assert stored.checkout_session_id and stored.checkout_session_id.startswith("cs_")
    saved = handlers.card_saved(
        commands.SaveCard(
            pledge_id,
            stored.checkout_session_id,
            "pm_card_visa",
            datetime.now(UTC),
        ),
        dependencies.uow_factory(),
        dependencies.payment_gateway,
        dependencies.clock,
    )
    assert saved.changed

    shown = client.get(f"{API}/pledges/{mine['id']}", headers=backer.headers).json
    assert shown["payment_status"] == "card_saved"
    assert "pm_card_visa" not in str(shown)
    mine_listed = client.get(f"{API}/me/pledges", headers=backer.headers).json["pledges"]
    assert [p["payment_status"] for p in mine_listed] == ["card_saved"]

    # Pledging again is refused and leaves the card; a change keeps the card it was saved with.
    again = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 9_000}, headers=backer.headers
    )
    assert_problem(again, 409)
    assert again.json["pledge_id"] == mine["id"]
    changed = client.patch(
        f"{API}/pledges/{mine['id']}", json={"amount": 4_000}, headers=backer.headers
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["amount"], changed.json["payment_status"]) == (4_000, "card_saved")
    kept = handlers.pledge_for(pledge_id, backer.id, dependencies.uow_factory())
    assert kept.payment_method_id == "pm_card_visa"
    mine_listed = client.get(f"{API}/me/pledges", headers=backer.headers).json["pledges"]
    assert [(p["id"], p["payment_status"]) for p in mine_listed] == [(mine["id"], "card_saved")]


def test_someone_else_s_pledge_or_an_ended_campaign_is_refused_and_nothing_written(
    stripe_app: flask.Flask, proxy: RecordingProxy
) -> None:
    client = stripe_app.test_client()
    clock = install_clock(stripe_app)
    creator, backer = new_account(stripe_app, "creator"), new_account(stripe_app, "backer")
    other = new_account(stripe_app, "backer")
    ready_payout_account(stripe_app, creator.id)
    campaign = live_campaign(client, creator)
    mine = pledge(client, campaign, backer, 2_500)
    before = snapshot(stripe_app)

    assert_problem(card_page(client, mine["id"], other), 403)
    assert_problem(card_page(client, "6f1c1a43-0000-4000-8000-000000000000", backer), 404)
    clock.travel(days=400)
    ended = card_page(client, mine["id"], backer)
    assert_problem(ended, 409)
    assert "over" in ended.json["detail"]

    assert snapshot(stripe_app) == before
    assert proxy.sent("POST") == []


def test_without_stripe_a_pledge_needs_no_card_and_the_answer_says_so(
    client: FlaskClient, creator: Account, backer: Account, app: flask.Flask
) -> None:
    campaign = live_campaign(client, creator)
    mine = pledge(client, campaign, backer, 2_500)
    before = snapshot(app)

    answer = card_page(client, mine["id"], backer)

    assert_problem(answer, 409)
    assert "test mode" in answer.json["detail"] and "no card" in answer.json["detail"]
    assert snapshot(app) == before


def test_a_backer_s_customer_is_kept_once_even_when_two_first_cards_race(
    app: flask.Flask, backer: Account
) -> None:
    # Both requests asked Stripe with the account's key, so both hold the same customer; the
    # second to commit keeps the first's row instead of failing on the primary key.
    dependencies = app.extensions["fundtrail"]
    now = datetime.now(UTC)
    for _ in range(2):
        with dependencies.uow_factory() as uow:
            uow.payment_customers.add(backer.id, "cus_backer", now)
            uow.commit()
    with dependencies.uow_factory() as uow:
        assert uow.payment_customers.of(backer.id) == "cus_backer"


def test_a_card_page_is_read_back_from_stripe_with_the_card_it_saved(
    proxy: RecordingProxy,
) -> None:
    payments = StripePayments(TEST_SECRET_KEY, api_base=proxy.url, max_network_retries=0)

    # stripe-mock accepts the call as made (the SetupIntent expanded) ...
    mocked = payments.read_card_setup("cs_test_session")
    [sent] = proxy.sent("GET", "/v1/checkout/sessions/cs_test_session")
    assert "expand[0]=setup_intent" in urllib.parse.unquote(sent.path)
    assert mocked.session_id.startswith("cs_")

    # ... and a completed page gives the SetupIntent's card id, and nothing of the card.
    proxy.answer_next(
        "GET",
        Canned(
            200,
            {
                "id": "cs_test_done",
                "object": "checkout.session",
                "status": "complete",
                "metadata": {"pledge_id": "p1"},
                "setup_intent": {
                    "id": "seti_1",
                    "object": "setup_intent",
                    "payment_method": "pm_card_visa",
                },
            },
        ),
    )
    done = payments.read_card_setup("cs_test_done")
    assert (done.status, done.payment_method_id) == ("complete", "pm_card_visa")
    assert done.metadata == {"pledge_id": "p1"}
