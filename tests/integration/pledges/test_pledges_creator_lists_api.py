"""What a creator lists: their own campaigns (drafts included) and every
pledge of a campaign of theirs, with the backer's name and never the e-mail."""

from __future__ import annotations

import uuid
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from services.pledges import commands, handlers
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


def named_backer(app: flask.Flask, name: str, email: str) -> Account:
    dependencies = app.extensions["fundtrail"]
    new = handlers.create_account(
        commands.CreateAccount(role="backer", name=name, email=email),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return Account(new.account.id, new.token)


def mine(client: FlaskClient, account: Account, **params: Any) -> Any:
    return client.get(f"{API}/me/campaigns", query_string=params, headers=account.headers)


def pledges_of(client: FlaskClient, campaign_id: str, account: Account, **params: Any) -> Any:
    return client.get(
        f"{API}/campaigns/{campaign_id}/pledges", query_string=params, headers=account.headers
    )


# --- GET /me/campaigns ----------------------------------------------------------------------


def test_a_creator_lists_their_own_campaigns_drafts_included_newest_first(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    other = new_account(app, "creator")
    live_campaign(client, other, title="Their live one")
    draft_campaign(client, other, title="Their secret draft")
    first = live_campaign(client, creator, title="My first")
    clock.travel(seconds=5)
    second = draft_campaign(client, creator, title="My draft")

    response = mine(client, creator)

    assert response.status_code == 200, response.json
    listed = response.json["campaigns"]
    assert [(c["id"], c["title"], c["status"]) for c in listed] == [
        (second["id"], "My draft", "draft"),
        (first["id"], "My first", "live"),
    ]
    assert {c["creator_id"] for c in listed} == {str(creator.id)}
    assert [c["title"] for c in mine(client, creator, status="draft").json["campaigns"]] == [
        "My draft"
    ]
    # Their drafts are theirs: the other creator sees only their own two.
    assert {c["title"] for c in mine(client, other).json["campaigns"]} == {
        "Their live one",
        "Their secret draft",
    }


def test_my_campaigns_pages_with_bounded_limit_and_offset(
    client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    made = []
    for number in range(3):
        made.append(draft_campaign(client, creator, title=f"Draft {number}")["id"])
        clock.travel(seconds=5)
    newest_first = list(reversed(made))

    pages = [
        [c["id"] for c in mine(client, creator, limit=2, offset=offset).json["campaigns"]]
        for offset in (0, 2, 4)
    ]

    assert pages == [newest_first[:2], newest_first[2:], []]
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "many"}):
        assert_problem(mine(client, creator, **bad), 422)


def test_my_campaigns_needs_a_token_and_is_empty_for_a_backer(
    client: FlaskClient, creator: Account, backer: Account
) -> None:
    draft_campaign(client, creator)

    assert_problem(client.get(f"{API}/me/campaigns"), 401)
    assert mine(client, backer).json == {"campaigns": []}


# --- GET /campaigns/{id}/pledges --------------------------------------------------------------


def test_the_creator_sees_every_pledge_of_their_campaign_with_names_never_e_mails(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    ada = named_backer(app, "Ada Lovelace", "ada@example.org")
    bob = named_backer(app, "Bob Builder", "bob@example.org")
    campaign = live_campaign(client, creator, funding_model="flexible", goal_amount=10_000)
    tier_id = campaign["tiers"][0]["id"]
    first = pledge(client, campaign, ada, 4_000, tier_id=tier_id)
    clock.travel(seconds=5)
    second = pledge(client, campaign, bob, 2_500)
    clock.travel(days=31)
    settle(client, campaign, creator)
    refunded = client.post(
        f"{API}/pledges/{first['id']}/refund",
        json={"amount": 1_000, "reason": "Late delivery"},
        headers=creator.headers,
    )
    assert refunded.status_code == 200, refunded.json

    response = pledges_of(client, campaign["id"], creator)

    assert response.status_code == 200, response.json
    listed = response.json["pledges"]
    assert [
        (p["id"], p["backer_name"], p["status"], p["amount"], p["refunded_amount"], p["tier_id"])
        for p in listed
    ] == [
        (second["id"], "Bob Builder", "collected", 2_500, 0, None),
        (first["id"], "Ada Lovelace", "refunded", 4_000, 1_000, tier_id),
    ]
    assert all(p["currency"] == "EUR" and p["created_at"] for p in listed)
    assert "example.org" not in response.get_data(as_text=True)
    assert "email" not in listed[0] and "payment_reference" not in listed[0]


def test_campaign_pledges_page_with_bounded_limit_and_offset(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    campaign = live_campaign(client, creator)
    made = []
    for _ in range(3):
        made.append(pledge(client, campaign, new_account(app, "backer"), 3_000)["id"])
        clock.travel(seconds=5)
    newest_first = list(reversed(made))

    pages = [
        [
            p["id"]
            for p in pledges_of(client, campaign["id"], creator, limit=2, offset=o).json["pledges"]
        ]
        for o in (0, 2, 4)
    ]

    assert pages == [newest_first[:2], newest_first[2:], []]
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"offset": 10**7}):
        assert_problem(pledges_of(client, campaign["id"], creator, **bad), 422)


def test_other_creators_and_backers_are_refused_and_admins_may_look(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    pledge(client, campaign, backer, 3_000)
    other = new_account(app, "creator")
    admin = new_account(app, "admin")
    before = snapshot(app)

    for refused in (other, backer):
        response = pledges_of(client, campaign["id"], refused)
        assert_problem(response, 403)
        assert "pledges" not in response.json
    assert_problem(client.get(f"{API}/campaigns/{campaign['id']}/pledges"), 401)
    as_admin = pledges_of(client, campaign["id"], admin)
    assert as_admin.status_code == 200
    assert [p["backer_id"] for p in as_admin.json["pledges"]] == [str(backer.id)]
    assert snapshot(app) == before


@pytest.mark.parametrize("whose", ["unknown", "someone else's draft"])
def test_an_unknown_campaign_or_someone_elses_draft_is_a_404(
    app: flask.Flask, client: FlaskClient, creator: Account, whose: str
) -> None:
    other = new_account(app, "creator")
    campaign_id = str(uuid.uuid4()) if whose == "unknown" else draft_campaign(client, other)["id"]

    response = pledges_of(client, campaign_id, creator)

    assert_problem(response, 404)
    assert campaign_id in response.json["detail"]
    if whose != "unknown":  # its creator sees the (empty) list of their draft
        assert pledges_of(client, campaign_id, other).json == {"pledges": []}


def test_both_lists_are_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get(f"{API}/openapi.json").json
    mine_op = spec["paths"]["/api/v1/me/campaigns"]["get"]
    pledges_op = spec["paths"]["/api/v1/campaigns/{campaign_id}/pledges"]["get"]

    assert {"200", "401", "422"} <= set(mine_op["responses"])
    assert {"200", "401", "403", "404", "422"} <= set(pledges_op["responses"])
    assert {p["name"] for p in mine_op["parameters"] if p["in"] == "query"} >= {
        "status",
        "limit",
        "offset",
    }
    item = spec["components"]["schemas"]["CampaignPledgeOut"]["properties"]
    assert {"id", "status", "amount", "refunded_amount", "tier_id", "backer_name"} <= set(item)
    assert "email" not in item
