"""Asynchronous collection on SQLite and PostgreSQL: settlement asks a pending gateway for the
money; the provider's answers (through the collection handlers, as its webhooks will) show in
the API, the campaign's totals and the outbox; `fundtrail settle` drops unpaid pledges."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from services.cli import main as fundtrail_cli
from services.pledges import commands, handlers
from services.pledges.domain import DEFAULT_PAYMENT_GRACE
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
    snapshot,
)
from tests.integration.pledges.test_pledges_settlement_api import _cli_env
from tests.payment_gateways import PendingGateway

pytestmark = pytest.mark.both_databases


@pytest.fixture
def gateway(app: flask.Flask) -> PendingGateway:
    """One pending gateway for every request of the app, so the test can read its requests."""
    gateway = PendingGateway()
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=lambda: gateway
    )
    return gateway


def report(app: flask.Flask, command: Any) -> handlers.PaymentResult:
    """A provider's answer, handed to its handler as the webhook will."""
    dependencies = app.extensions["fundtrail"]
    if isinstance(command, commands.CollectionSucceeded):
        return handlers.collection_succeeded(
            command, dependencies.uow_factory(), dependencies.clock
        )
    return handlers.collection_failed(command, dependencies.uow_factory(), dependencies.clock)


def seen(client: FlaskClient, pledge_id: str, who: Account) -> dict[str, Any]:
    response = client.get(f"{API}/pledges/{pledge_id}", headers=who.headers)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json
    return body


def test_failure_retry_and_success_show_to_backer_and_creator(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    gateway: PendingGateway,
) -> None:
    campaign = live_campaign(client, creator, goal_amount=5_000)
    made = pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)

    settled = settle(client, campaign, creator)

    assert settled["status"] == "succeeded"
    collecting = seen(client, made["id"], backer)
    assert (collecting["status"], collecting["payment_status"]) == ("collecting", "collecting")
    assert collecting["payment_retry_until"] is None
    assert [e.type for e in outbox_events(app, campaign["id"])][-1] == "campaign.succeeded"

    pledge_id = uuid.UUID(made["id"])
    first = gateway.latest(pledge_id).reference
    assert report(app, commands.CollectionFailed(pledge_id, first, "card_declined")).changed
    before = snapshot(app)
    assert not report(app, commands.CollectionFailed(pledge_id, first, "card_declined")).changed
    assert snapshot(app) == before

    failed = seen(client, made["id"], backer)
    assert (failed["status"], failed["payment_status"]) == ("payment_failed", "payment_failed")
    retry_until = failed["payment_retry_until"]
    assert retry_until.endswith("+00:00")
    [as_creator] = client.get(
        f"{API}/campaigns/{campaign['id']}/pledges", headers=creator.headers
    ).json["pledges"]
    assert (as_creator["payment_status"], as_creator["payment_retry_until"]) == (
        "payment_failed",
        retry_until,
    )
    [mine] = client.get(f"{API}/me/pledges", headers=backer.headers).json["pledges"]
    assert mine["payment_status"] == "payment_failed"
    failure = outbox_events(app, campaign["id"])[-1]
    assert failure.type == "pledge.payment_failed"
    assert failure.payload["reason_code"] == "card_declined"
    assert failure.payload["retry_until"].isoformat() == retry_until
    # Never card details: the pledge, the money, the reason's code and the deadline only.
    assert set(failure.payload) == {
        "campaign_id",
        "pledge_id",
        "backer_id",
        "amount",
        "currency",
        "tier_id",
        "payment_reference",
        "reason_code",
        "retry_until",
    }

    dependencies = app.extensions["fundtrail"]
    handlers.retry_collection(
        commands.RetryCollection(pledge_id, actor_id=backer.id),
        dependencies.uow_factory(),
        gateway,
        dependencies.clock,
    )
    assert seen(client, made["id"], backer)["payment_status"] == "collecting"
    second = gateway.latest(pledge_id)
    assert (second.attempt, second.reference != first) == (2, True)

    assert report(app, commands.CollectionSucceeded(pledge_id, second.reference, 175)).changed
    assert not report(app, commands.CollectionFailed(pledge_id, first, "card_declined")).changed

    paid = seen(client, made["id"], creator)
    assert (paid["status"], paid["payment_status"], paid["payment_retry_until"]) == (
        "collected",
        "paid",
        None,
    )
    collected = outbox_events(app, campaign["id"])[-1]
    assert collected.type == "pledge.collected"
    assert (collected.payload["fee_amount"], collected.payload["payment_reference"]) == (
        175,
        second.reference,
    )
    # Only now may the creator give some of it back.
    refund = client.post(
        f"{API}/pledges/{made['id']}/refund",
        json={"amount": 1_000, "reason": "late"},
        headers=creator.headers,
    )
    assert refund.status_code == 200, refund.json
    assert refund.json["payment_status"] == "refunded"


def test_a_pledge_still_collecting_cannot_be_refunded(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    gateway: PendingGateway,
) -> None:
    campaign = live_campaign(client, creator, goal_amount=5_000)
    made = pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)
    settle(client, campaign, creator)
    before = snapshot(app)

    response = client.post(
        f"{API}/pledges/{made['id']}/refund", json={"reason": "x"}, headers=creator.headers
    )

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert snapshot(app) == before


def test_fundtrail_settle_drops_pledges_unpaid_when_their_grace_period_ends(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    clock: MovableClock,
    gateway: PendingGateway,
    tmp_path: Path,
) -> None:
    # Everything happened more than the grace period ago, by the app's clock; the command line
    # runs at the real time, when the failed payment's grace period is over.
    clock.travel(days=-40)
    deadline = datetime.now(UTC) - timedelta(days=10)
    campaign = live_campaign(client, creator, goal_amount=5_000, deadline=deadline.isoformat())
    unpaid_by, paid_by = new_account(app, "backer"), new_account(app, "backer")
    unpaid = pledge(client, campaign, unpaid_by, 5_000)
    paid = pledge(client, campaign, paid_by, 3_000)
    clock.travel(days=31)
    settle(client, campaign, creator)
    unpaid_id, paid_id = uuid.UUID(unpaid["id"]), uuid.UUID(paid["id"])
    report(app, commands.CollectionFailed(unpaid_id, gateway.latest(unpaid_id).reference, "x"))
    report(app, commands.CollectionSucceeded(paid_id, gateway.latest(paid_id).reference))
    assert timedelta(days=9) > DEFAULT_PAYMENT_GRACE

    result = CliRunner().invoke(fundtrail_cli, ["settle"], env=_cli_env(app, tmp_path))

    assert result.exit_code == 0, result.output
    assert f"{unpaid_id} dropped" in result.output
    assert "Dropped 1 unpaid pledge(s)." in result.output
    assert seen(client, unpaid["id"], unpaid_by)["payment_status"] == "dropped"
    assert seen(client, paid["id"], paid_by)["payment_status"] == "paid"
    totals = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (totals["status"], totals["pledged_amount"], totals["backers_count"]) == (
        "succeeded",
        3_000,
        1,
    )
    dropped = outbox_events(app, campaign["id"])[-1]
    assert (dropped.type, dropped.payload["pledge_id"]) == ("pledge.dropped", unpaid_id)

    before = snapshot(app)
    again = CliRunner().invoke(fundtrail_cli, ["settle"], env=_cli_env(app, tmp_path))
    assert "Dropped 0 unpaid pledge(s)." in again.output
    assert snapshot(app) == before
