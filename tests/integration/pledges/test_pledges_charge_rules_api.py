"""Where money moves, a campaign or pledge Stripe could not charge is refused up front: 422
problem+json naming the field and the reason, and nothing written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient

from tests.factories import campaign_body, make_app, ready_payout_account
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    draft_campaign,
    live_campaign,
    snapshot,
)
from tests.payment_gateways import MovingGateway


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    # The rules are the domain's; the database plays no part, so one is enough.
    app = make_app("pledges", sqlite_url, tmp_path)
    yield app
    app.extensions["fundtrail"].engine.dispose()


def money_moves(app: flask.Flask) -> None:
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=MovingGateway
    )


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        (
            {"currency": "IRR", "goal_amount": 100_000, "tiers": [], "budget": []},
            "currency",
            "Stripe cannot take payments in IRR",
        ),
        (
            {"goal_amount": 40},
            "goal_amount",
            "must be at least €0.50: the smallest amount Stripe can charge in EUR",
        ),
        (
            {"tiers": [{"name": "A sticker", "min_amount": 25}]},
            "tiers[0].min_amount",
            "must be at least €0.50",
        ),
        (
            {"currency": "HUF", "tiers": [{"name": "A sticker", "min_amount": 174}]},
            "tiers[0].min_amount",
            "must be at least HUF",
        ),
        (
            {"currency": "TWD", "tiers": [{"name": "A copy", "min_amount": 30_050}]},
            "tiers[0].min_amount",
            "must be a whole number of TWD",
        ),
    ],
)
def test_a_campaign_stripe_could_not_charge_is_refused_at_creation(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    overrides: dict[str, object],
    field: str,
    reason: str,
) -> None:
    money_moves(app)
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns", json=campaign_body(**overrides), headers=creator.headers
    )
    assert_problem(response, 422, field)
    assert response.json["errors"][field][0].startswith(reason)
    assert snapshot(app) == before


def test_a_campaign_in_a_currency_stripe_counts_in_hundredths_is_taken(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    # Fundtrail counts IDR and HUF in whole units, Stripe in hundredths: the adapter converts.
    money_moves(app)
    for currency, tier in (("IDR", 50_000), ("HUF", 175)):
        tiers = [{"name": "A copy", "min_amount": tier}]
        body = campaign_body(currency=currency, goal_amount=10_000_000, tiers=tiers)
        made = client.post(f"{API}/campaigns", json=body, headers=creator.headers)
        assert made.status_code == 201, made.json
        assert (made.json["currency"], made.json["tiers"][0]["min_amount"]) == (currency, tier)


def test_the_same_campaign_is_taken_in_test_mode(client: FlaskClient, creator: Account) -> None:
    campaign = draft_campaign(client, creator, goal_amount=40, tiers=[])
    assert (campaign["goal_amount"], campaign["test_mode"]) == (40, True)


def test_a_test_mode_draft_is_refused_at_launch_once_money_moves(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator, currency="IRR", goal_amount=100_000, budget=[])
    ready_payout_account(app, creator.id)
    money_moves(app)
    before = snapshot(app)
    response = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    assert_problem(response, 422, "currency")
    assert snapshot(app) == before
    assert client.get(f"{API}/campaigns/{campaign['id']}", headers=creator.headers).json[
        "status"
    ] == ("draft")


def test_a_pledge_below_stripes_minimum_is_refused(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    money_moves(app)
    ready_payout_account(app, creator.id)
    campaign = live_campaign(client, creator, tiers=[])
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 49}, headers=backer.headers
    )
    assert_problem(response, 422, "amount")
    assert response.json["errors"]["amount"] == [
        "must be at least €0.50: the smallest amount Stripe can charge in EUR"
    ]
    assert snapshot(app) == before
    made = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 50}, headers=backer.headers
    )
    assert made.status_code == 201, made.json
    changed = client.patch(
        f"{API}/pledges/{made.json['id']}", json={"amount": 10}, headers=backer.headers
    )
    assert_problem(changed, 422, "amount")
