"""A backer's own pledges on one campaign, asked of the service rather than found by paging."""

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
    pledge,
    snapshot,
)


def test_the_caller_s_pledges_on_one_campaign_and_no_one_else_s(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account, clock: object
) -> None:
    campaign = live_campaign(client, creator)
    other_campaign = live_campaign(client, creator)
    mine = pledge(client, campaign, backer, 2_500)
    pledge(client, other_campaign, backer, 1_000)
    pledge(client, campaign, new_account(app, "backer"), 9_000)
    cancelled = client.post(f"{API}/pledges/{mine['id']}/cancel", headers=backer.headers).json
    again = pledge(client, campaign, backer, 4_000)

    response = client.get(
        f"{API}/me/pledges", query_string={"campaign_id": campaign["id"]}, headers=backer.headers
    )

    assert response.status_code == 200
    assert response.json["pledges"] == [again, cancelled]  # newest first, every state


def test_a_campaign_the_caller_never_backed_lists_nothing(
    client: FlaskClient, creator: Account, backer: Account
) -> None:
    pledge(client, live_campaign(client, creator), backer, 2_500)

    for campaign_id in (live_campaign(client, creator)["id"], str(uuid.uuid4())):
        response = client.get(
            f"{API}/me/pledges", query_string={"campaign_id": campaign_id}, headers=backer.headers
        )
        assert response.status_code == 200
        assert response.json == {"pledges": []}


def test_a_campaign_id_that_is_no_id_is_refused_and_nothing_is_written(
    app: flask.Flask, client: FlaskClient, backer: Account
) -> None:
    before = snapshot(app)

    response = client.get(
        f"{API}/me/pledges", query_string={"campaign_id": "not-a-uuid"}, headers=backer.headers
    )

    assert_problem(response, 422, "campaign_id")
    assert snapshot(app) == before


def test_the_filter_is_documented(client: FlaskClient) -> None:
    spec = client.get(f"{API}/openapi.json").json
    parameters = spec["paths"]["/api/v1/me/pledges"]["get"]["parameters"]
    [campaign_id] = [p for p in parameters if p["name"] == "campaign_id"]
    assert campaign_id["in"] == "query"
    assert campaign_id["schema"]["format"] == "uuid"
    assert "campaign" in campaign_id["description"]
