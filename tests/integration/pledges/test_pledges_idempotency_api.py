"""`Idempotency-Key` on SQLite and PostgreSQL: a retry gets the first answer and pledges nothing
more; the same key with another request is refused; keys belong to one account."""

from __future__ import annotations

import flask
import pytest
from flask.testing import FlaskClient

from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    event_types,
    live_campaign,
    new_account,
    snapshot,
)

pytestmark = pytest.mark.both_databases


def post_pledge(
    client: FlaskClient, campaign_id: str, backer: Account, key: str | None, body: object
) -> flask.Response:
    headers = {**backer.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(f"{API}/campaigns/{campaign_id}/pledges", json=body, headers=headers)


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_pledges_once(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    body = {"amount": 5_000, "tier_id": campaign["tiers"][0]["id"]}
    first = post_pledge(client, campaign["id"], backer, "order-7", body)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    after_first = snapshot(app)

    retry = post_pledge(client, campaign["id"], backer, "order-7", body)
    # The same request spelled differently (key order, whitespace) is the same request.
    respelled = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges",
        data=f'{{ "tier_id": "{body["tier_id"]}",   "amount": 5000 }}',
        content_type="application/json",
        headers={**backer.headers, "Idempotency-Key": "order-7"},
    )

    for again in (retry, respelled):
        assert (again.status_code, again.json) == (201, first.json)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Location"] == first.headers["Location"]
    assert snapshot(app) == after_first
    assert event_types(app, campaign["id"]).count("pledge.created") == 1
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["backers_count"], view["pledged_amount"], view["tiers"][0]["taken"]) == (
        1,
        5_000,
        1,
    )


def test_the_same_key_with_another_request_is_refused_and_writes_nothing(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    other_campaign = live_campaign(client, creator)
    assert post_pledge(client, campaign["id"], backer, "k1", {"amount": 5_000}).status_code == 201
    before = snapshot(app)

    for campaign_id, body in (
        (campaign["id"], {"amount": 6_000}),
        (campaign["id"], {"amount": 5_000, "currency": "EUR"}),
        (other_campaign["id"], {"amount": 5_000}),
    ):
        response = post_pledge(client, campaign_id, backer, "k1", body)
        assert_problem(response, 422, "Idempotency-Key")
    assert snapshot(app) == before


def test_keys_belong_to_one_account(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    mine = post_pledge(client, campaign["id"], backer, "shared-key", {"amount": 5_000})
    someone = new_account(app, "backer")
    theirs = post_pledge(client, campaign["id"], someone, "shared-key", {"amount": 5_000})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]
    assert theirs.json["backer_id"] == str(someone.id)


def test_the_first_answer_stands_even_after_the_pledge_changed(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    first = post_pledge(client, campaign["id"], backer, "k-change", {"amount": 5_000})
    client.post(f"{API}/pledges/{first.json['id']}/cancel", headers=backer.headers)
    before = snapshot(app)
    retry = post_pledge(client, campaign["id"], backer, "k-change", {"amount": 5_000})
    assert (retry.status_code, retry.json) == (201, first.json)
    assert snapshot(app) == before


def test_pledging_again_with_a_new_key_is_refused_and_the_first_key_still_replays(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    # Pledging again once changed the pledge (200); now only its own key's retry answers.
    campaign = live_campaign(client, creator)
    first = post_pledge(client, campaign["id"], backer, "first", {"amount": 5_000})
    before = snapshot(app)
    again = post_pledge(client, campaign["id"], backer, "second-tab", {"amount": 8_000})
    assert_problem(again, 409)
    assert (again.json["pledge_id"], again.json["amount"]) == (first.json["id"], 5_000)
    assert snapshot(app) == before
    retry = post_pledge(client, campaign["id"], backer, "first", {"amount": 5_000})
    assert (retry.status_code, retry.json) == (201, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    types = event_types(app, campaign["id"])
    assert types.count("pledge.created") == 1 and "pledge.changed" not in types


def test_a_refused_request_does_not_use_up_its_key(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    assert_problem(post_pledge(client, campaign["id"], backer, "k-fix", {"amount": 0}), 422)
    fixed = post_pledge(client, campaign["id"], backer, "k-fix", {"amount": 100})
    assert fixed.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_malformed_keys_are_refused(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account, key: str
) -> None:
    campaign = live_campaign(client, creator)
    before = snapshot(app)
    headers = {**backer.headers, "Idempotency-Key": key.encode().decode("latin-1")}
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 5_000}, headers=headers
    )
    assert_problem(response, 422, "Idempotency-Key")
    assert snapshot(app) == before
