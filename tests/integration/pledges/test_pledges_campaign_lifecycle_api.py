"""A campaign's life over HTTP: edit a draft, launch, cancel, and the
public view; who may do each, and what a refusal leaves behind (nothing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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
    event_types,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    snapshot,
)

# --- editing a draft --------------------------------------------------------------------------


def test_a_creator_edits_a_draft_and_the_new_version_is_published(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    kept_tier = campaign["tiers"][0]
    edit = {
        "title": "A better title",
        "goal_amount": 750_000,
        "tiers": [
            {"id": kept_tier["id"], "name": "A copy", "min_amount": 3_500, "limit": 50},
            {"name": "Two copies", "min_amount": 6_000},
        ],
        "budget": [
            {"category": "printing", "amount": 400_000},
            {"category": "shipping", "amount": 50_000},
        ],
    }
    response = client.patch(f"{API}/campaigns/{campaign['id']}", json=edit, headers=creator.headers)

    assert response.status_code == 200, response.json
    edited = response.json
    assert (edited["title"], edited["goal_amount"], edited["status"]) == (
        "A better title",
        750_000,
        "draft",
    )
    assert edited["description"] == campaign["description"]  # not named, so unchanged
    assert [(t["name"], t["min_amount"], t["limit"]) for t in edited["tiers"]] == [
        ("A copy", 3_500, 50),
        ("Two copies", 6_000, None),
    ]
    assert edited["tiers"][0]["id"] == kept_tier["id"]
    assert edited["budget"] == edit["budget"]
    mine = client.get(f"{API}/campaigns/{campaign['id']}", headers=creator.headers)
    assert mine.json["tiers"] == edited["tiers"]  # a draft: shown to its creator only

    updated = outbox_events(app, campaign["id"])[-1]
    assert updated.type == "campaign.updated"
    assert updated.payload["goal_amount"] == 750_000
    assert [t["name"] for t in updated.payload["tiers"]] == ["A copy", "Two copies"]
    assert updated.payload["status"] == "draft"


def test_an_edit_that_changes_nothing_publishes_nothing(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    before = snapshot(app)
    response = client.patch(
        f"{API}/campaigns/{campaign['id']}",
        json={"title": campaign["title"]},
        headers=creator.headers,
    )
    assert response.status_code == 200
    assert snapshot(app) == before


BAD_EDITS = [
    ("goal_amount", {"goal_amount": 0}),
    ("goal_amount", {"goal_amount": 2.5}),
    ("goal_amount", {"goal_amount": 10**15}),
    ("currency", {"currency": "XYZ"}),
    ("deadline", {"deadline": "2001-01-01T00:00:00+00:00"}),
    ("title", {"title": "t" * 201}),
    ("title", {"title": None}),
    ("tiers[0].min_amount", {"tiers": [{"name": "Free lunch", "min_amount": -1}]}),
    (
        "tiers[0].id",
        {
            "tiers": [
                {"name": "Stolen", "min_amount": 1, "id": "7f7f7f7f-0000-4000-8000-000000000000"}
            ]
        },
    ),
    ("budget[0].category", {"budget": [{"category": "c" * 65, "amount": 1}]}),
    ("nonsense", {"nonsense": True}),
]


@pytest.mark.parametrize(
    ("field", "edit"), BAD_EDITS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_EDITS)]
)
def test_bad_edits_are_refused_naming_the_field_and_write_nothing(
    app: flask.Flask, client: FlaskClient, creator: Account, field: str, edit: dict[str, Any]
) -> None:
    campaign = draft_campaign(client, creator)
    before = snapshot(app)
    response = client.patch(f"{API}/campaigns/{campaign['id']}", json=edit, headers=creator.headers)
    assert_problem(response, 422, field)
    assert snapshot(app) == before


def test_only_its_creator_edits_a_campaign_and_never_its_terms_after_launch(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = draft_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}"
    other_creator = new_account(app, "creator")
    before = snapshot(app)

    assert_problem(
        client.patch(path, json={"title": "Mine now"}, headers=other_creator.headers), 403
    )
    assert_problem(client.patch(path, json={"title": "Mine now"}, headers=backer.headers), 403)
    assert_problem(client.patch(path, json={"title": "Anyone?"}), 401)
    assert_problem(
        client.patch(
            f"{API}/campaigns/7f7f7f7f-0000-4000-8000-000000000000",
            json={"title": "Ghost"},
            headers=creator.headers,
        ),
        404,
    )
    assert_problem(
        client.patch(
            path,
            data="title=x",
            content_type="application/x-www-form-urlencoded",
            headers=creator.headers,
        ),
        415,
    )
    assert snapshot(app) == before

    client.post(f"{path}/launch", headers=creator.headers)
    launched = snapshot(app)
    # Its words may still be revised (test_pledges_campaign_revisions_api.py); never the goal.
    assert_problem(
        client.patch(path, json={"title": "Cheaper", "goal_amount": 1}, headers=creator.headers),
        409,
        "goal_amount",
    )
    assert snapshot(app) == launched


# --- launching --------------------------------------------------------------------------------


def test_launching_makes_a_draft_live_once(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/launch"
    response = client.post(path, headers=creator.headers)
    assert response.status_code == 200
    assert response.json["status"] == "live" and response.json["launched_at"]

    before = snapshot(app)
    assert_problem(client.post(path, headers=creator.headers), 409)
    assert snapshot(app) == before
    assert event_types(app, campaign["id"]) == ["campaign.created", "campaign.launched"]


def test_someone_else_cannot_launch_a_campaign(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = draft_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/launch"
    other_creator, admin = new_account(app, "creator"), new_account(app, "admin")
    before = snapshot(app)
    assert_problem(client.post(path, headers=other_creator.headers), 403)
    assert_problem(client.post(path, headers=backer.headers), 403)
    assert_problem(client.post(path, headers=admin.headers), 403)
    assert snapshot(app) == before


def test_a_draft_whose_deadline_has_passed_cannot_launch(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    campaign = draft_campaign(client, creator)
    clock.travel(days=31)
    before = snapshot(app)
    assert_problem(
        client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers),
        422,
        "deadline",
    )
    assert snapshot(app) == before


# --- cancelling -------------------------------------------------------------------------------


def test_cancelling_a_live_campaign_releases_its_pledges(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = live_campaign(client, creator)
    backers = [new_account(app, "backer") for _ in range(2)]
    made = [
        pledge(client, campaign, b, amount)
        for b, amount in zip(backers, (4_000, 7_000), strict=True)
    ]

    response = client.post(f"{API}/campaigns/{campaign['id']}/cancel", headers=creator.headers)

    assert response.status_code == 200
    assert response.json["status"] == "cancelled" and response.json["seconds_left"] == 0
    for backer, p in zip(backers, made, strict=True):
        assert client.get(f"{API}/pledges/{p['id']}", headers=backer.headers).json["status"] == (
            "released"
        )
    events = outbox_events(app, campaign["id"])
    assert [e.type for e in events][-3:] == [
        "campaign.cancelled",
        "pledge.released",
        "pledge.released",
    ]
    assert events[-3].payload["released_count"] == 2
    assert [str(e.payload["pledge_id"]) for e in events[-2:]] == [p["id"] for p in made]
    assert {e.payload["amount"] for e in events[-2:]} == {4_000, 7_000}


def test_a_draft_can_be_cancelled_but_not_twice(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/cancel"
    assert client.post(path, headers=creator.headers).json["status"] == "cancelled"
    before = snapshot(app)
    assert_problem(client.post(path, headers=creator.headers), 409)
    assert_problem(
        client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers), 409
    )
    assert snapshot(app) == before


def test_cancelling_after_the_deadline_is_refused_settle_instead(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator)
    pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)
    before = snapshot(app)
    response = client.post(f"{API}/campaigns/{campaign['id']}/cancel", headers=creator.headers)
    assert_problem(response, 409)
    assert "settle" in response.json["detail"]
    assert snapshot(app) == before


def test_only_its_creator_cancels_a_campaign(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/cancel"
    other_creator = new_account(app, "creator")
    before = snapshot(app)
    assert_problem(client.post(path, headers=other_creator.headers), 403)
    assert_problem(client.post(path, headers=backer.headers), 403)
    assert_problem(
        client.post(
            f"{API}/campaigns/7f7f7f7f-0000-4000-8000-000000000000/cancel", headers=creator.headers
        ),
        404,
    )
    assert snapshot(app) == before


# --- the public view --------------------------------------------------------------------------


def test_the_public_view_shows_totals_share_time_left_and_tiers_but_no_backers(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    deadline = datetime.now(UTC) + timedelta(days=10)
    campaign = live_campaign(
        client,
        creator,
        goal_amount=30_000,
        deadline=deadline.isoformat(),
        tiers=[
            {"name": "Limited", "min_amount": 5_000, "limit": 2},
            {"name": "Open", "min_amount": 1_000},
        ],
    )
    limited, open_tier = (t["id"] for t in campaign["tiers"])
    backers = [new_account(app, "backer") for _ in range(3)]
    pledge(client, campaign, backers[0], 5_000, limited)
    pledge(client, campaign, backers[1], 5_500, open_tier)
    pledge(client, campaign, backers[2], 9_999)

    asked_at = datetime.now(UTC)
    response = client.get(f"{API}/campaigns/{campaign['id']}")  # no token: public
    answered_at = datetime.now(UTC)
    view = response.json
    assert (view["pledged_amount"], view["backers_count"]) == (20_499, 3)
    assert view["funded_percent"] == 68  # 20499 / 30000 = 68.33...%, rounded down
    assert isinstance(view["funded_percent"], int)
    # Whole seconds left at some moment while the request was being answered.
    assert (deadline - answered_at).total_seconds() - 1 < view["seconds_left"]
    assert view["seconds_left"] <= (deadline - asked_at).total_seconds()
    assert [(t["name"], t["taken"], t["remaining"]) for t in view["tiers"]] == [
        ("Limited", 1, 1),
        ("Open", 1, None),
    ]
    text = response.get_data(as_text=True)
    for backer in backers:
        assert str(backer.id) not in text
    assert "9999" not in text  # no individual amount either
    listed = client.get(f"{API}/campaigns?status=live").json["campaigns"]
    assert [c["id"] for c in listed] == [campaign["id"]]
    assert not any(str(b.id) in json.dumps(listed) for b in backers)


def test_a_campaign_past_its_goal_shows_more_than_a_hundred_percent_and_no_time_after_it(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator, goal_amount=1_000, tiers=[])
    pledge(client, campaign, backer, 2_555)
    clock.travel(days=40)
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["funded_percent"], view["seconds_left"], view["status"]) == (255, 0, "live")
