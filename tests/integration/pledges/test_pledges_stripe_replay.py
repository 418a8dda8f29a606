"""`fundtrail payments replay --since DATE` against stripe-mock behind the recording proxy:
Stripe's event list goes through the webhook's dispatch and inbox, and what was taken in
already is skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask
import pytest
from click.testing import CliRunner

from services.cli import main as fundtrail_cli
from tests.integration.pledges import test_pledges_stripe_webhooks_api as webhooks
from tests.integration.pledges.helpers import Account, outbox_events
from tests.integration.pledges.test_pledges_stripe_webhooks_api import (
    Collecting,
    deliver,
    inbox,
    intent,
    read_back,
    seen,
)
from tests.stripe_support import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET, Canned, RecordingProxy

pytestmark = pytest.mark.both_databases

# The webhook tests' fixtures: Stripe configured, reached through the proxy; a pledge collecting.
proxy = webhooks.proxy
app = webhooks.app
gateway = webhooks.gateway
collecting = webhooks.collecting


def replay(app: flask.Flask, tmp_path: Path, proxy: RecordingProxy, since: str) -> Any:
    settings = app.extensions["fundtrail"].settings
    env = {
        "PLEDGES_DATABASE_URL": settings.database_url,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "FUNDTRAIL_LOG_FORMAT": "json",
        "STRIPE_SECRET_KEY": TEST_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
        "STRIPE_API_BASE": proxy.url,
    }
    return CliRunner().invoke(fundtrail_cli, ["payments", "replay", "--since", since], env=env)


def listed(*events: dict[str, Any]) -> Canned:
    return Canned(200, {"object": "list", "url": "/v1/events", "has_more": False, "data": events})


def test_replaying_stripe_s_list_takes_each_event_in_once(
    app: flask.Flask, tmp_path: Path, proxy: RecordingProxy
) -> None:
    first = replay(app, tmp_path, proxy, "2009-01-01")
    again = replay(app, tmp_path, proxy, "2009-01-01")

    assert first.exit_code == 0, first.output
    assert "1 Stripe events" in first.output and "1 no effect" in first.output
    assert again.exit_code == 0, again.output
    assert "1 already taken in" in again.output
    # stripe-mock's one fixture event, stored once with no effect.
    assert [(kind, took) for _, kind, took in inbox(app)] == [("plan.created", False)]
    asked = proxy.sent("GET", "/v1/events")
    assert len(asked) == 2
    assert "created[gte]=1230768000" in asked[0].path.replace("%5B", "[").replace("%5D", "]")


def test_a_payment_missed_during_an_outage_is_collected_by_the_replay(
    app: flask.Flask,
    client: flask.testing.FlaskClient,
    backer: Account,
    tmp_path: Path,
    proxy: RecordingProxy,
    collecting: Collecting,
) -> None:
    missed = json.loads(_event_json("payment_intent.succeeded", intent(collecting), "evt_missed"))
    delivered = json.loads(_event_json("customer.created", {"id": "cus_x"}, "evt_delivered"))
    assert deliver(client, json.dumps(delivered).encode()).status_code == 200
    proxy.answer_next("GET", listed(missed, delivered), read_back(collecting))

    result = replay(app, tmp_path, proxy, "2026-01-01")

    assert result.exit_code == 0, result.output
    assert "1 took effect" in result.output and "1 already taken in" in result.output
    assert seen(client, collecting.pledge_id, backer)["payment_status"] == "paid"
    types = [e.type for e in outbox_events(app, collecting.campaign_id)]
    assert types[-3:] == ["pledge.collected", "payment.fee_charged", "payment.fee_charged"]
    assert ("evt_missed", "payment_intent.succeeded", True) in inbox(app)


def test_replay_without_stripe_says_so(app: flask.Flask, tmp_path: Path) -> None:
    settings = app.extensions["fundtrail"].settings
    env = {"PLEDGES_DATABASE_URL": settings.database_url, "FUNDTRAIL_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(
        fundtrail_cli, ["payments", "replay", "--since", "2026-01-01"], env=env
    )
    assert result.exit_code == 1
    assert "Stripe is not configured" in result.output


def _event_json(event_type: str, data: dict[str, Any], event_id: str) -> bytes:
    from tests.stripe_support import stripe_event

    return stripe_event(event_type, data, event_id=event_id)
