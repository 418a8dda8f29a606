"""Creators' payout accounts over HTTP, against stripe-mock: set-up
once per creator, the state read back, test mode, who may ask, and the launch rule."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from services.pledges.adapters.tables import payout_accounts
from services.pledges.domain.payouts import PayoutAccountState
from tests.factories import make_app
from tests.integration.pledges.helpers import (
    Account,
    assert_problem,
    draft_campaign,
    new_account,
    snapshot,
)
from tests.payment_gateways import MovingGateway
from tests.stripe_support import (
    TEST_SECRET_KEY,
    TEST_WEBHOOK_SECRET,
    RecordingProxy,
    server_error,
)

API = "/api/v1"
SITE = "https://fundtrail.example"
PAYMENT_ENVIRONMENT = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "SITE_PUBLIC_URL",
)


@pytest.fixture(autouse=True)
def no_payment_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own Stripe keys must not change what these tests see."""
    for name in PAYMENT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy(stripe_mock: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(stripe_mock) as recording:
        yield recording


@pytest.fixture
def stripe_app(database_url: str, tmp_path: Path, proxy: RecordingProxy) -> Iterator[flask.Flask]:
    """The pledges service with Stripe configured (through the recording proxy)."""
    extra = {
        "stripe_secret_key": TEST_SECRET_KEY,
        "stripe_webhook_secret": TEST_WEBHOOK_SECRET,
        "stripe_api_base": proxy.url,
        "site_url": SITE,
    }
    app = make_app("pledges", database_url, tmp_path, extra=extra)
    yield app
    app.extensions["fundtrail"].engine.dispose()


def stored(app: flask.Flask) -> list[dict[str, object]]:
    with app.extensions["fundtrail"].engine.connect() as connection:
        rows = connection.execute(sa.select(payout_accounts)).mappings().all()
    return [dict(row) for row in rows]


def test_a_creator_sets_up_payouts_once_and_reads_its_state(
    stripe_app: flask.Flask, proxy: RecordingProxy
) -> None:
    client = stripe_app.test_client()
    creator = new_account(stripe_app, "creator")

    first = client.post(f"{API}/me/payout-account", headers=creator.headers)
    second = client.post(f"{API}/me/payout-account", headers=creator.headers)

    assert first.status_code == 201 and second.status_code == 201, first.json
    assert set(first.json) == {"onboarding_url"}
    assert first.json["onboarding_url"].startswith("https://")
    # One account per creator, whatever reaches Stripe: both creations carry the creator's key,
    # and the second request did not even ask (the account was stored).
    made = proxy.sent("POST", "/v1/accounts")
    assert [r.headers["Idempotency-Key"] for r in made] == [
        f"fundtrail:payout-account:{creator.id}"
    ]
    assert made[0].form["type"] == ["express"]
    links = proxy.sent("POST", "/v1/account_links")
    assert len(links) == 2
    assert len({r.headers["Idempotency-Key"] for r in links}) == 2  # a fresh link each time
    for link in links:
        assert link.form["refresh_url"] == [f"{SITE}/console/payouts"]
        assert link.form["return_url"] == [f"{SITE}/console/payouts"]
        assert link.form["type"] == ["account_onboarding"]
    rows = stored(stripe_app)
    assert len(rows) == 1
    account_id = rows[0]["account_id"]
    assert rows[0]["creator_id"] == creator.id
    assert str(account_id).startswith("acct_")
    assert (rows[0]["details_submitted"], rows[0]["charges_enabled"]) == (False, False)
    assert links[0].form["account"] == [account_id]

    before = snapshot(stripe_app)
    state = client.get(f"{API}/me/payout-account", headers=creator.headers)

    assert state.status_code == 200, state.json
    assert set(state.json) == {
        "account_id",
        "details_submitted",
        "charges_enabled",
        "payouts_enabled",
    }
    # Charges were not enabled in our copy, so the state was read back from Stripe ...
    assert [r.path for r in proxy.sent("GET", "/v1/accounts/")] == [f"/v1/accounts/{account_id}"]
    assert all(isinstance(state.json[k], bool) for k in set(state.json) - {"account_id"})
    assert snapshot(stripe_app) == before  # ... and nothing was written by reading


def test_stripe_not_answering_is_a_503_and_writes_nothing(
    stripe_app: flask.Flask, proxy: RecordingProxy
) -> None:
    client = stripe_app.test_client()
    creator = new_account(stripe_app, "creator")
    proxy.answer_next("POST", *[server_error()] * 4)  # the first try and every retry
    before = snapshot(stripe_app)

    response = client.post(f"{API}/me/payout-account", headers=creator.headers)

    assert_problem(response, 503)
    assert "payment provider did not answer" in response.json["detail"]
    assert TEST_SECRET_KEY not in response.get_data(as_text=True)
    assert snapshot(stripe_app) == before


@pytest.mark.parametrize("role", ["backer", "auditor"])
def test_only_creators_have_payout_accounts(
    stripe_app: flask.Flask, proxy: RecordingProxy, role: str
) -> None:
    client = stripe_app.test_client()
    someone = new_account(stripe_app, role)
    before = snapshot(stripe_app)

    assert_problem(client.post(f"{API}/me/payout-account", headers=someone.headers), 403)
    assert_problem(client.get(f"{API}/me/payout-account", headers=someone.headers), 403)
    assert_problem(client.post(f"{API}/me/payout-account"), 401)

    assert snapshot(stripe_app) == before and proxy.sent() == []


def test_before_setting_up_there_is_no_account_to_show(
    stripe_app: flask.Flask, proxy: RecordingProxy
) -> None:
    creator = new_account(stripe_app, "creator")
    response = stripe_app.test_client().get(f"{API}/me/payout-account", headers=creator.headers)
    assert_problem(response, 404)
    assert "no payout account yet" in response.json["detail"]
    assert proxy.sent() == []


def test_in_test_mode_no_payout_account_is_needed(
    client: FlaskClient, app: flask.Flask, creator: Account
) -> None:
    before = snapshot(app)

    response = client.post(f"{API}/me/payout-account", headers=creator.headers)

    assert_problem(response, 409)
    assert "test mode" in response.json["detail"]
    assert "no payout account is needed" in response.json["detail"]
    assert_problem(client.get(f"{API}/me/payout-account", headers=creator.headers), 404)
    assert snapshot(app) == before


def moving_money(app: flask.Flask) -> None:
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=MovingGateway
    )


def test_when_money_moves_launch_waits_for_a_payout_account_that_takes_charges(
    client: FlaskClient, app: flask.Flask, creator: Account
) -> None:
    moving_money(app)
    campaign = draft_campaign(client, creator)
    launch = f"{API}/campaigns/{campaign['id']}/launch"
    before = snapshot(app)

    refused = client.post(launch, headers=creator.headers)

    assert_problem(refused, 409)
    assert refused.json["detail"].startswith("Connect a payout account before launching")
    assert snapshot(app) == before
    assert (
        client.get(f"{API}/campaigns/{campaign['id']}", headers=creator.headers).json["status"]
        == "draft"
    )

    # A payout account whose charges are not enabled yet is refused too ...
    dependencies = app.extensions["fundtrail"]
    with dependencies.uow_factory() as uow:
        uow.payout_accounts.add_if_absent(
            PayoutAccountState.started(
                creator.id, "acct_test_creator", datetime(2026, 12, 1, tzinfo=UTC)
            )
        )
        uow.commit()
    assert_problem(client.post(launch, headers=creator.headers), 409)

    # ... until Stripe says charges are enabled.
    assert handlers.payout_account_updated(
        commands.PayoutAccountUpdated(
            account_id="acct_test_creator",
            details_submitted=True,
            charges_enabled=True,
            payouts_enabled=False,
            occurred_at=datetime(2026, 12, 2, tzinfo=UTC),
        ),
        dependencies.uow_factory(),
    )
    launched = client.post(launch, headers=creator.headers)
    assert launched.status_code == 200, launched.json
    assert launched.json["status"] == "live"


def test_another_creators_notice_changes_nothing_here(app: flask.Flask) -> None:
    before = snapshot(app)
    assert not handlers.payout_account_updated(
        commands.PayoutAccountUpdated(
            account_id=f"acct_{uuid.uuid4().hex[:16]}",
            details_submitted=True,
            charges_enabled=True,
            payouts_enabled=True,
            occurred_at=datetime(2026, 12, 2, tzinfo=UTC),
        ),
        app.extensions["fundtrail"].uow_factory(),
    )
    assert snapshot(app) == before
