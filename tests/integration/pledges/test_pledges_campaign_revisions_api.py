"""Tiers say what backers get and when; after launch a creator revises the campaign's words,
never what backers pledged on, and every version stays in its public history (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import flask
from flask.testing import FlaskClient

from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    draft_campaign,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    snapshot,
)

#: A month safely after the factory's deadline (30 days ahead).
LATER = (datetime.now(UTC) + timedelta(days=120)).strftime("%Y-%m")


def _tiers(**first: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": "A copy",
            "min_amount": 3_000,
            "limit": 100,
            "description": "The game, signed.",
            "delivery_month": LATER,
            **first,
        },
        {"name": "Two copies", "min_amount": 5_500, "description": "One for a friend."},
    ]


def test_tiers_carry_a_description_and_a_delivery_month(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    made = draft_campaign(client, creator, tiers=_tiers())
    assert [(t["description"], t["delivery_month"]) for t in made["tiers"]] == [
        ("The game, signed.", LATER),
        ("One for a friend.", None),
    ]
    read = client.get(f"{API}/campaigns/{made['id']}", headers=creator.headers).json
    assert read["tiers"][0]["delivery_month"] == LATER
    event = outbox_events(app, made["id"])[0]
    assert event.payload["tiers"][0]["description"] == "The game, signed."
    assert event.payload["tiers"][0]["delivery_month"] == LATER


def test_a_malformed_or_early_delivery_month_is_refused_and_nothing_written(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    before = snapshot(app)
    for month in ("2027-13", "March 2027", "2027-3", "27-03", ""):
        response = client.post(
            f"{API}/campaigns",
            json=_campaign(tiers=_tiers(delivery_month=month)),
            headers=creator.headers,
        )
        assert_problem(response, 422, "tiers[0].delivery_month")
    early = client.post(
        f"{API}/campaigns",
        json=_campaign(tiers=_tiers(delivery_month="2020-01")),
        headers=creator.headers,
    )
    assert_problem(early, 422, "tiers[0].delivery_month")
    assert "deadline" in early.json["errors"]["tiers[0].delivery_month"][0]
    assert snapshot(app) == before


def test_every_refused_term_is_named_at_once(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    before = snapshot(app)
    response = client.post(
        f"{API}/campaigns",
        json=_campaign(
            title=" ",
            goal_amount=0,
            currency="EURO",
            tiers=_tiers(delivery_month="2027-13", min_amount=0),
        ),
        headers=creator.headers,
    )
    assert_problem(response, 422)
    assert {
        "title",
        "goal_amount",
        "currency",
        "tiers[0].min_amount",
        "tiers[0].delivery_month",
    } <= set(response.json["errors"])
    assert snapshot(app) == before


def test_after_launch_the_story_and_tiers_words_are_revised_and_kept_in_history(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator, tiers=_tiers())
    path = f"{API}/campaigns/{campaign['id']}"
    first = campaign["tiers"][0]
    pledge(client, campaign, backer, 3_000, tier_id=first["id"])
    # Before any revision, the history is the launched version alone.
    history = client.get(f"{path}/revisions").json["revisions"]
    assert [r["description"] for r in history] == ["A board game about **trust**."]
    # Each version's story also comes rendered and sanitised, as the campaign's does.
    assert history[0]["description_html"] == "<p>A board game about <strong>trust</strong>.</p>\n"

    tiers = [
        {**tier, "id": tier["id"]}
        for tier in (
            {**_tiers()[0], "id": first["id"], "description": "The game, signed and numbered."},
            {**_tiers()[1], "id": campaign["tiers"][1]["id"]},
        )
    ]
    response = client.patch(
        path,
        json={"description": "Now with a second print run.", "tiers": tiers},
        headers=creator.headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["description"] == "Now with a second print run."
    assert response.json["tiers"][0]["description"] == "The game, signed and numbered."
    assert response.json["tiers"][0]["taken"] == 1
    assert response.json["revised_at"] is not None

    history = client.get(f"{path}/revisions").json["revisions"]
    assert [r["description"] for r in history] == [
        "A board game about **trust**.",
        "Now with a second print run.",
    ]
    assert [r["tiers"][0]["description"] for r in history] == [
        "The game, signed.",
        "The game, signed and numbered.",
    ]
    assert history[0]["revised_at"] == campaign["launched_at"]
    # Other services learn the new words, with the campaign still live.
    updated = [e for e in outbox_events(app, campaign["id"]) if e.type == "campaign.updated"]
    assert updated[-1].payload["status"] == "live"
    assert updated[-1].payload["tiers"][0]["description"] == "The game, signed and numbered."


def test_amounts_goal_deadline_and_limits_below_taken_are_refused_after_launch(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator, tiers=_tiers(limit=2))
    path = f"{API}/campaigns/{campaign['id']}"
    pledge(client, campaign, backer, 3_000, tier_id=campaign["tiers"][0]["id"])
    kept = [
        {**_tiers()[0], "id": campaign["tiers"][0]["id"], "limit": 2},
        {**_tiers()[1], "id": campaign["tiers"][1]["id"]},
    ]
    later = (datetime.fromisoformat(campaign["deadline"]) + timedelta(days=3)).isoformat()
    before = snapshot(app)
    for body, status, field in (
        ({"goal_amount": 1_000}, 409, "goal_amount"),
        ({"currency": "USD"}, 409, "currency"),
        ({"deadline": later}, 409, "deadline"),
        ({"funding_model": "flexible"}, 409, "funding_model"),
        ({"budget": []}, 409, "budget"),
        ({"description": "Sneaky", "goal_amount": 1_000}, 409, "goal_amount"),
        ({"tiers": [{**kept[0], "min_amount": 100}, kept[1]]}, 409, "tiers[0].min_amount"),
        ({"tiers": [kept[0]]}, 409, "tiers"),
        ({"tiers": [*kept, {"name": "New", "min_amount": 100}]}, 409, "tiers"),
        ({"tiers": [{**kept[0], "limit": 0}, kept[1]]}, 422, "tiers[0].limit"),
        (
            {"tiers": [{**kept[0], "delivery_month": "2020-01"}, kept[1]]},
            422,
            "tiers[0].delivery_month",
        ),
    ):
        assert_problem(client.patch(path, json=body, headers=creator.headers), status, field)
    assert snapshot(app) == before
    # Raising a limit is fine; lowering it to the places taken too, never below.
    raised = client.patch(
        path, json={"tiers": [{**kept[0], "limit": 1}, kept[1]]}, headers=creator.headers
    )
    assert raised.status_code == 200, raised.json
    assert raised.json["tiers"][0]["limit"] == 1


def test_only_its_creator_revises_and_a_draft_has_no_history(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}"
    other = new_account(app, "creator")
    before = snapshot(app)
    assert_problem(client.patch(path, json={"description": "Mine"}, headers=other.headers), 403)
    assert_problem(client.patch(path, json={"description": "Mine"}, headers=backer.headers), 403)
    assert snapshot(app) == before
    draft = draft_campaign(client, creator)
    assert_problem(client.get(f"{API}/campaigns/{draft['id']}/revisions"), 404)


def _campaign(**overrides: Any) -> dict[str, Any]:
    from tests.factories import campaign_body

    return campaign_body(**overrides)
