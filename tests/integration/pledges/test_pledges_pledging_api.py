"""Pledging over HTTP: pledge, pledge again, change, cancel, read."""

from __future__ import annotations

import uuid

import flask
from flask.testing import FlaskClient

from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    snapshot,
)

UNKNOWN = "7f7f7f7f-0000-4000-8000-000000000000"


def test_a_backer_pledges_for_a_tier_and_the_event_carries_what_consumers_need(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    tier = campaign["tiers"][0]
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges",
        json={"amount": 4_500, "tier_id": tier["id"], "currency": "EUR"},
        headers=backer.headers,
    )

    assert response.status_code == 201, response.json
    made = response.json
    assert (made["status"], made["amount"], made["currency"], made["tier_id"]) == (
        "pledged",
        4_500,
        "EUR",
        tier["id"],
    )
    assert made["backer_id"] == str(backer.id) and made["campaign_id"] == campaign["id"]
    assert response.headers["Location"] == f"{API}/pledges/{made['id']}"
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["pledged_amount"], view["backers_count"], view["tiers"][0]["taken"]) == (
        4_500,
        1,
        1,
    )

    event = outbox_events(app, campaign["id"])[-1]
    assert event.type == "pledge.created"
    assert event.payload == {
        "campaign_id": uuid.UUID(campaign["id"]),
        "pledge_id": uuid.UUID(made["id"]),
        "backer_id": backer.id,
        "amount": 4_500,
        "currency": "EUR",
        "tier_id": uuid.UUID(tier["id"]),
        "tier_name": tier["name"],  # for the mails about it
    }


def test_pledging_again_is_refused_naming_the_pledge_that_stands(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    # It used to answer 200 and replace the first pledge and its tier: a second form (another
    # tab) silently erased a pledge. A change is a PATCH of the pledge, asked for as one.
    campaign = live_campaign(client, creator)
    first = pledge(client, campaign, backer, 4_000, campaign["tiers"][0]["id"])
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 9_000}, headers=backer.headers
    )

    assert_problem(response, 409)
    body = response.json
    assert (body["pledge_id"], body["amount"], body["currency"], body["tier_id"]) == (
        first["id"],
        4_000,
        "EUR",
        campaign["tiers"][0]["id"],
    )
    assert "€40.00" in body["detail"] and "4000" not in body["detail"]
    assert snapshot(app) == before
    mine = client.get(f"{API}/pledges/{first['id']}", headers=backer.headers).json
    assert (mine["amount"], mine["tier_id"], mine["status"]) == (
        4_000,
        campaign["tiers"][0]["id"],
        "pledged",
    )
    changed = client.patch(
        f"{API}/pledges/{first['id']}",
        json={"amount": 9_000, "tier_id": None},
        headers=backer.headers,
    )
    assert changed.status_code == 200 and changed.json["id"] == first["id"]
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["pledged_amount"], view["backers_count"], view["tiers"][0]["taken"]) == (
        9_000,
        1,
        0,
    )
    changed_event = outbox_events(app, campaign["id"])[-1]
    assert changed_event.type == "pledge.changed"
    assert (changed_event.payload["previous_amount"], changed_event.payload["amount"]) == (
        4_000,
        9_000,
    )
    assert str(changed_event.payload["previous_tier_id"]) == campaign["tiers"][0]["id"]
    assert changed_event.payload["tier_id"] is None
    # The tiers' names travel too: the backer's mail says what the change replaced.
    assert changed_event.payload["previous_tier_name"] == campaign["tiers"][0]["name"]
    assert changed_event.payload["tier_name"] is None
    created = outbox_events(app, campaign["id"])[-2]
    assert created.type == "pledge.created"
    assert created.payload["tier_name"] == campaign["tiers"][0]["name"]


def test_a_tier_minimum_is_refused_with_its_figures_for_clients_to_word(
    client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator, tiers=[{"name": "Zine", "min_amount": 12_000}])
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges",
        json={"amount": 4_500, "tier_id": campaign["tiers"][0]["id"]},
        headers=backer.headers,
    )

    assert_problem(response, 422, "amount")
    body = response.json
    assert (body["tier"], body["min_amount"], body["currency"]) == ("Zine", 12_000, "EUR")
    assert body["detail"] == "the tier 'Zine' needs at least €120.00"


def test_a_backer_changes_and_cancels_a_pledge_and_may_pledge_afresh(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(
        client,
        creator,
        tiers=[
            {"name": "Small", "min_amount": 1_000},
            {"name": "Big", "min_amount": 10_000, "limit": 1},
        ],
    )
    small, big = (t["id"] for t in campaign["tiers"])
    made = pledge(client, campaign, backer, 2_000, small)
    path = f"{API}/pledges/{made['id']}"

    moved = client.patch(path, json={"amount": 12_000, "tier_id": big}, headers=backer.headers)
    assert moved.status_code == 200, moved.json
    assert (moved.json["amount"], moved.json["tier_id"]) == (12_000, big)
    kept_tier = client.patch(path, json={"amount": 15_000}, headers=backer.headers).json
    assert (kept_tier["amount"], kept_tier["tier_id"]) == (15_000, big)
    dropped = client.patch(path, json={"tier_id": None}, headers=backer.headers).json
    assert (dropped["amount"], dropped["tier_id"]) == (15_000, None)

    cancelled = client.post(f"{path}/cancel", headers=backer.headers)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["pledged_amount"], view["backers_count"]) == (0, 0)
    assert [t["taken"] for t in view["tiers"]] == [0, 0]

    again = pledge(client, campaign, backer, 1_500)
    assert again["id"] != made["id"]
    types = [e.type for e in outbox_events(app, campaign["id"])]
    assert types[2:] == [
        "pledge.created",
        "pledge.changed",
        "pledge.changed",
        "pledge.changed",
        "pledge.cancelled",
        "pledge.created",
    ]


def test_a_pledge_is_seen_by_its_backer_and_the_creator_only(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    made = pledge(client, campaign, backer, 5_000)
    path = f"{API}/pledges/{made['id']}"
    assert client.get(path, headers=backer.headers).json == made
    assert client.get(path, headers=creator.headers).json == made
    for stranger in (
        new_account(app, "backer"),
        new_account(app, "creator"),
        new_account(app, "auditor"),
    ):
        response = client.get(path, headers=stranger.headers)
        assert_problem(response, 403)
        assert "5000" not in response.get_data(as_text=True)
    assert_problem(client.get(path), 401)
    assert_problem(client.get(f"{API}/pledges/{UNKNOWN}", headers=backer.headers), 404)


def test_a_backer_lists_their_own_pledges_newest_first(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    first = pledge(client, live_campaign(client, creator), backer, 1_000)
    second = pledge(client, live_campaign(client, creator), backer, 2_000)
    pledge(client, live_campaign(client, creator), new_account(app, "backer"), 3_000)
    listed = client.get(f"{API}/me/pledges", headers=backer.headers).json["pledges"]
    assert [p["id"] for p in listed] == [second["id"], first["id"]]
    paged = client.get(f"{API}/me/pledges?limit=1&offset=1", headers=backer.headers).json
    assert [p["id"] for p in paged["pledges"]] == [first["id"]]
