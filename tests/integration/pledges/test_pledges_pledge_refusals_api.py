"""Pledges refused: every kind of bad input, someone else's pledge, a
campaign that is not live, a sold-out tier; each answered with a problem naming the field, and
nothing written."""

from __future__ import annotations

from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    assert_problem,
    draft_campaign,
    live_campaign,
    new_account,
    pledge,
    settle,
    snapshot,
)

UNKNOWN = "7f7f7f7f-0000-4000-8000-000000000000"


# --- bad input --------------------------------------------------------------------------------

BAD_PLEDGES: list[tuple[str, dict[str, Any], int]] = [
    ("amount", {"amount": 0}, 422),
    ("amount", {"amount": -500}, 422),
    ("amount", {"amount": 12.5}, 422),
    ("amount", {"amount": "5000"}, 422),
    ("amount", {"amount": True}, 422),
    ("amount", {"amount": 10**12 + 1}, 422),
    ("amount", {"amount": 10**40}, 422),
    ("amount", {}, 422),
    ("amount", {"amount": None}, 422),
    ("currency", {"amount": 5_000, "currency": "USD"}, 422),
    ("currency", {"amount": 5_000, "currency": "euros"}, 422),
    ("tier_id", {"amount": 5_000, "tier_id": UNKNOWN}, 422),
    ("tier_id", {"amount": 5_000, "tier_id": "tier-1"}, 422),
    ("amount", {"amount": 2_999, "tier": 0}, 422),  # below the tier's 3000 minimum
    ("surprise", {"amount": 5_000, "surprise": "x"}, 422),
]


@pytest.mark.parametrize(
    ("field", "body", "status"),
    BAD_PLEDGES,
    ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_PLEDGES)],
)
def test_bad_pledges_are_refused_naming_the_field_and_write_nothing(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    field: str,
    body: dict[str, Any],
    status: int,
) -> None:
    campaign = live_campaign(client, creator)
    body = dict(body)  # the parameter is shared by both databases' runs
    if body.pop("tier", None) is not None:
        body["tier_id"] = campaign["tiers"][0]["id"]
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json=body, headers=backer.headers
    )
    assert_problem(response, status, field)
    assert snapshot(app) == before


def test_malformed_and_non_json_bodies_are_refused(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/pledges"
    before = snapshot(app)
    assert_problem(
        client.post(
            path, data='{"amount": 5', content_type="application/json", headers=backer.headers
        ),
        400,
    )
    assert_problem(
        client.post(
            path,
            data="amount=5000",
            content_type="application/x-www-form-urlencoded",
            headers=backer.headers,
        ),
        415,
        "Content-Type",
    )
    assert_problem(client.post(path, data='{"amount": 5000}', headers=backer.headers), 415)
    assert_problem(client.post(path, json=[5_000], headers=backer.headers), 422)
    app.config["MAX_CONTENT_LENGTH"] = 1_000
    assert_problem(
        client.post(path, json={"amount": 5_000, "pad": "x" * 2_000}, headers=backer.headers), 413
    )
    assert snapshot(app) == before


@pytest.mark.parametrize("state", ["draft", "cancelled", "succeeded", "failed", "past_deadline"])
def test_pledging_to_a_campaign_that_is_not_live_is_a_conflict(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    state: str,
) -> None:
    if state == "draft":
        campaign = draft_campaign(client, creator)
    else:
        campaign = live_campaign(client, creator, goal_amount=5_000)
    if state == "cancelled":
        client.post(f"{API}/campaigns/{campaign['id']}/cancel", headers=creator.headers)
    if state in ("succeeded", "failed", "past_deadline"):
        if state == "succeeded":
            pledge(client, campaign, new_account(app, "backer"), 5_000)
        clock.travel(days=31)
        if state != "past_deadline":
            assert settle(client, campaign, creator)["status"] == state
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 5_000}, headers=backer.headers
    )
    assert_problem(response, 409)
    assert snapshot(app) == before


def test_pledging_to_an_unknown_campaign_is_a_404(
    app: flask.Flask, client: FlaskClient, backer: Account
) -> None:
    before = snapshot(app)
    assert_problem(
        client.post(
            f"{API}/campaigns/{UNKNOWN}/pledges", json={"amount": 5_000}, headers=backer.headers
        ),
        404,
    )
    assert snapshot(app) == before


def test_only_backers_pledge(app: flask.Flask, client: FlaskClient, creator: Account) -> None:
    campaign = live_campaign(client, creator)
    admin = new_account(app, "admin")
    before = snapshot(app)
    for actor in (creator, admin):
        assert_problem(
            client.post(
                f"{API}/campaigns/{campaign['id']}/pledges",
                json={"amount": 5_000},
                headers=actor.headers,
            ),
            403,
        )
    assert_problem(
        client.post(f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 5_000}), 401
    )
    assert snapshot(app) == before


def test_a_sold_out_tier_is_a_conflict(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(
        client, creator, tiers=[{"name": "One", "min_amount": 100, "limit": 1}]
    )
    tier = campaign["tiers"][0]["id"]
    pledge(client, campaign, new_account(app, "backer"), 100, tier)
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges",
        json={"amount": 100, "tier_id": tier},
        headers=backer.headers,
    )
    assert_problem(response, 409, "tier_id")
    assert snapshot(app) == before


def test_nobody_changes_or_cancels_someone_elses_pledge(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    made = pledge(client, campaign, backer, 5_000)
    path = f"{API}/pledges/{made['id']}"
    other_backer = new_account(app, "backer")
    before = snapshot(app)
    assert_problem(client.patch(path, json={"amount": 1}, headers=other_backer.headers), 403)
    assert_problem(client.post(f"{path}/cancel", headers=other_backer.headers), 403)
    assert_problem(client.patch(path, json={"amount": 1}, headers=creator.headers), 403)
    assert_problem(client.post(f"{path}/cancel", headers=creator.headers), 403)
    assert_problem(
        client.patch(f"{API}/pledges/{UNKNOWN}", json={"amount": 1}, headers=backer.headers), 404
    )
    assert_problem(client.post(f"{API}/pledges/{UNKNOWN}/cancel", headers=backer.headers), 404)
    assert snapshot(app) == before


BAD_CHANGES: list[tuple[str, dict[str, Any], int]] = [
    ("amount", {"amount": 0}, 422),
    ("amount", {"amount": 1.5}, 422),
    ("amount", {"amount": 10**13}, 422),
    ("amount", {"amount": None}, 422),
    ("tier_id", {"tier_id": UNKNOWN}, 422),
    ("amount", {"tier_id": "first"}, 422),  # 2000 is below the first tier's 3000 minimum
    ("_schema", {}, 422),
    ("currency", {"currency": "EUR"}, 422),  # not a field of a change
]


@pytest.mark.parametrize(
    ("field", "body", "status"),
    BAD_CHANGES,
    ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_CHANGES)],
)
def test_bad_changes_are_refused_and_write_nothing(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    field: str,
    body: dict[str, Any],
    status: int,
) -> None:
    campaign = live_campaign(client, creator)
    made = pledge(client, campaign, backer, 2_000)
    body = dict(body)  # the parameter is shared by both databases' runs
    if body.get("tier_id") == "first":
        body["tier_id"] = campaign["tiers"][0]["id"]
    before = snapshot(app)
    response = client.patch(f"{API}/pledges/{made['id']}", json=body, headers=backer.headers)
    assert_problem(response, status, field)
    assert snapshot(app) == before


def test_a_cancelled_pledge_and_a_past_deadline_refuse_changes(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator)
    cancelled = pledge(client, campaign, backer, 5_000)
    client.post(f"{API}/pledges/{cancelled['id']}/cancel", headers=backer.headers)
    other = new_account(app, "backer")
    active = pledge(client, campaign, other, 6_000)
    before = snapshot(app)
    assert_problem(
        client.patch(
            f"{API}/pledges/{cancelled['id']}", json={"amount": 7_000}, headers=backer.headers
        ),
        409,
    )
    assert_problem(
        client.post(f"{API}/pledges/{cancelled['id']}/cancel", headers=backer.headers), 409
    )
    clock.travel(days=31)
    assert_problem(
        client.patch(
            f"{API}/pledges/{active['id']}", json={"amount": 7_000}, headers=other.headers
        ),
        409,
    )
    assert_problem(client.post(f"{API}/pledges/{active['id']}/cancel", headers=other.headers), 409)
    assert snapshot(app) == before
