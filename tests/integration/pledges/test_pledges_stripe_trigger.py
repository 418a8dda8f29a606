"""`fundtrail payments trigger`: Stripe's side of the story played locally against a served
pledges service whose Stripe is stripe-mock. Each event goes over HTTP through the real
webhook endpoint (signature check, inbox, handlers), and the pledge moves as Stripe's own
event would move it; what cannot happen yet is refused with the reason."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from services.cli import main as fundtrail_cli
from services.pledges import commands, handlers
from tests.factories import make_app
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
)
from tests.integration.pledges.test_pledges_stripe_webhooks_api import StripeLikeGateway
from tests.integration.site.site_support import serve
from tests.stripe_support import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET

CREATOR_EMAIL = "maker@example.test"
BACKER_EMAIL = "second@example.test"


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path, stripe_mock: str) -> Iterator[flask.Flask]:
    # What is tested is the command and the endpoint, not the database: SQLite alone.
    app = make_app(
        "pledges",
        sqlite_url,
        tmp_path,
        extra={
            "stripe_secret_key": TEST_SECRET_KEY,
            "stripe_webhook_secret": TEST_WEBHOOK_SECRET,
            "stripe_api_base": stripe_mock,
        },
    )
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=StripeLikeGateway
    )
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def webhook(app: flask.Flask) -> Iterator[str]:
    server, url = serve(app)
    yield f"{url}{API}/payments/stripe/webhook"
    server.shutdown()
    server.server_close()


def named_account(app: flask.Flask, role: str, email: str) -> Account:
    dependencies = app.extensions["fundtrail"]
    made = handlers.create_account(
        commands.CreateAccount(role=role, name=role.title(), email=email),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return Account(made.account.id, made.token)


@pytest.fixture
def creator(app: flask.Flask) -> Account:
    return named_account(app, "creator", CREATOR_EMAIL)


def trigger(app: flask.Flask, tmp_path: Path, *args: str, secret_key: str = "") -> Result:
    env = {
        "PLEDGES_DATABASE_URL": app.extensions["fundtrail"].settings.database_url,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "FUNDTRAIL_LOG_FORMAT": "json",
        "STRIPE_SECRET_KEY": secret_key or TEST_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
        "STRIPE_API_BASE": "http://127.0.0.1:1",  # trigger never calls Stripe itself
    }
    return CliRunner().invoke(fundtrail_cli, ["payments", "trigger", *args], env=env)


def status_of(client: FlaskClient, pledge_id: str, backer: Account) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"{API}/pledges/{pledge_id}", headers=backer.headers).json
    return found


def opened_id(output: str) -> str:
    found = re.search(r"charge\.dispute\.created (evt_test_\w+)", output)
    assert found, output
    return found.group(1)


def test_a_creator_s_onboarding_finishes_and_the_campaign_may_launch(
    app: flask.Flask, client: FlaskClient, creator: Account, tmp_path: Path, webhook: str
) -> None:
    started = client.post(f"{API}/me/payout-account", headers=creator.headers)
    assert started.status_code == 201, started.json

    result = trigger(app, tmp_path, "payouts-ready", "--creator", CREATOR_EMAIL, "--to", webhook)

    assert result.exit_code == 0, result.output
    assert "account.updated" in result.output and "took effect" in result.output
    state = client.get(f"{API}/me/payout-account", headers=creator.headers).json
    assert state["charges_enabled"] is True and state["payouts_enabled"] is True


def test_a_card_is_saved_then_one_payment_fails_another_succeeds_and_is_disputed(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    clock: MovableClock,
    tmp_path: Path,
    webhook: str,
) -> None:
    campaign = live_campaign(client, creator, goal_amount=5_000)
    backers = [new_account(app, "backer"), named_account(app, "backer", BACKER_EMAIL)]
    pledges = [pledge(client, campaign, backer, 3_000)["id"] for backer in backers]
    opened = client.post(f"{API}/pledges/{pledges[0]}/payment-method", headers=backers[0].headers)
    assert opened.status_code == 201, opened.json

    saved = trigger(app, tmp_path, "card-saved", "--pledge", pledges[0], "--to", webhook)

    assert saved.exit_code == 0, saved.output
    assert status_of(client, pledges[0], backers[0])["payment_status"] == "card_saved"

    clock.travel(days=31)
    settle(client, campaign, creator)
    failed = trigger(
        app, tmp_path, "payment-failed", "--pledge", pledges[0], "--decline-code",
        "insufficient_funds", "--to", webhook,
    )  # fmt: skip
    paid = trigger(
        app, tmp_path, "payment-succeeded", "--campaign", campaign["id"], "--backer",
        BACKER_EMAIL, "--to", webhook,
    )  # fmt: skip
    disputed = trigger(
        app, tmp_path, "dispute-opened", "--campaign", campaign["id"], "--to", webhook
    )

    assert failed.exit_code == 0, failed.output
    first = status_of(client, pledges[0], backers[0])
    assert first["payment_status"] == "payment_failed"
    assert first["payment_retry_until"] is not None
    assert paid.exit_code == 0, paid.output
    assert status_of(client, pledges[1], backers[1])["payment_status"] == "paid"
    # Only the paid pledge can be disputed: --campaign picks it and passes the other by.
    assert disputed.exit_code == 0, disputed.output
    assert [line for line in disputed.output.splitlines() if line.startswith("pledge ")] == [
        f"pledge {pledges[1]}: charge.dispute.created {opened_id(disputed.output)}: took effect"
    ]
    opened_disputes = [
        event.payload
        for event in outbox_events(app, campaign["id"])
        if event.type == "payment.dispute_opened"
    ]
    assert [(str(d["pledge_id"]), d["amount"]) for d in opened_disputes] == [(pledges[1], 3_000)]


def test_an_event_that_cannot_happen_yet_is_refused_with_the_reason(
    app: flask.Flask, client: FlaskClient, creator: Account, tmp_path: Path, webhook: str
) -> None:
    campaign = live_campaign(client, creator)
    backer = new_account(app, "backer")
    made = pledge(client, campaign, backer, 3_000)["id"]

    early = trigger(app, tmp_path, "payment-succeeded", "--pledge", made, "--to", webhook)
    no_page = trigger(app, tmp_path, "card-saved", "--pledge", made, "--to", webhook)
    unknown = trigger(app, tmp_path, "card-saved", "--pledge", str(uuid.uuid4()), "--to", webhook)
    stranger = trigger(
        app, tmp_path, "card-saved", "--campaign", campaign["id"], "--backer",
        "nobody@example.test", "--to", webhook,
    )  # fmt: skip
    live = trigger(
        app, tmp_path, "card-saved", "--pledge", made, "--to", webhook, secret_key="sk_live_123"
    )

    assert early.exit_code == 1 and "no Stripe payment yet" in early.output
    assert no_page.exit_code == 1 and "has not opened a card page" in no_page.output
    assert unknown.exit_code == 1 and "no such pledge" in unknown.output
    assert stranger.exit_code == 1 and "no pledge by nobody@example.test" in stranger.output
    assert live.exit_code == 1 and "test keys" in live.output
    assert status_of(client, made, backer)["payment_status"] == "none"


def test_a_delivery_the_endpoint_refuses_fails_the_command(
    app: flask.Flask, client: FlaskClient, creator: Account, tmp_path: Path
) -> None:
    campaign = live_campaign(client, creator)
    backer = new_account(app, "backer")
    made = pledge(client, campaign, backer, 3_000)["id"]
    client.post(f"{API}/pledges/{made}/payment-method", headers=backer.headers)
    # A service that checks with another secret answers 400, as Stripe's endpoint would.
    other = make_app(
        "pledges",
        app.extensions["fundtrail"].settings.database_url,
        tmp_path,
        extra={
            "stripe_secret_key": TEST_SECRET_KEY,
            "stripe_webhook_secret": "whsec_another",
            "stripe_api_base": "http://127.0.0.1:1",
        },
    )
    server, url = serve(other)
    try:
        result = trigger(
            app,
            tmp_path,
            "card-saved",
            "--pledge",
            made,
            "--to",
            f"{url}{API}/payments/stripe/webhook",
        )
    finally:
        server.shutdown()
        server.server_close()
        other.extensions["fundtrail"].engine.dispose()

    assert result.exit_code == 1
    assert "refused (400)" in result.output
    assert status_of(client, made, backer)["payment_status"] == "none"
