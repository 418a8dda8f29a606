"""Refunds: the creator returns some or all of a collected pledge, with a
reason, never more than was collected."""

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
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
    snapshot,
)


def collected_pledge(
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    amount: int = 10_000,
    funding_model: str = "flexible",
) -> tuple[dict[str, Any], dict[str, Any]]:
    campaign = live_campaign(client, creator, funding_model=funding_model, goal_amount=10_000)
    made = pledge(client, campaign, backer, amount)
    clock.travel(days=31)
    settle(client, campaign, creator)
    clock.travel(days=-31)  # only the settle needed the later clock
    return campaign, made


def refund(client: FlaskClient, pledge_id: str, actor: Account, body: object) -> Any:
    return client.post(f"{API}/pledges/{pledge_id}/refund", json=body, headers=actor.headers)


def test_a_creator_refunds_part_then_the_rest_of_a_collected_pledge(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign, made = collected_pledge(client, creator, backer, clock)

    part = refund(client, made["id"], creator, {"amount": 2_500, "reason": "Broken in transit"})
    assert part.status_code == 200, part.json
    assert (part.json["status"], part.json["refunded_amount"], part.json["amount"]) == (
        "refunded",
        2_500,
        10_000,
    )
    rest = refund(client, made["id"], creator, {"reason": "Project scaled down"})
    assert rest.status_code == 200
    assert rest.json["refunded_amount"] == 10_000
    assert client.get(f"{API}/pledges/{made['id']}", headers=backer.headers).json == rest.json

    refunds = [e for e in outbox_events(app, campaign["id"]) if e.type == "pledge.refunded"]
    assert [
        (
            e.payload["amount"],
            e.payload["refunded_total"],
            e.payload["collected_amount"],
            e.payload["reason"],
        )
        for e in refunds
    ] == [
        (2_500, 2_500, 10_000, "Broken in transit"),
        (7_500, 10_000, 10_000, "Project scaled down"),
    ]
    assert all(e.payload["backer_id"] == backer.id for e in refunds)


def test_a_pledge_cannot_be_refunded_beyond_what_was_collected(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    _, made = collected_pledge(client, creator, backer, clock)
    refund(client, made["id"], creator, {"amount": 9_000, "reason": "Most of it"})
    before = snapshot(app)
    response = refund(client, made["id"], creator, {"amount": 1_001, "reason": "Too much"})
    assert_problem(response, 409, "amount")
    assert "€10.00" in response.json["detail"]
    assert (response.json["left"], response.json["collected"]) == (1_000, 10_000)
    assert (
        refund(client, made["id"], creator, {"amount": 1_000, "reason": "Exactly"}).status_code
        == 200
    )
    after = snapshot(app)
    assert_problem(refund(client, made["id"], creator, {"reason": "Nothing left"}), 409)
    assert snapshot(app) == after != before


@pytest.mark.parametrize("outcome", ["pledged", "released"])
def test_only_collected_pledges_can_be_refunded(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    outcome: str,
) -> None:
    campaign = live_campaign(client, creator, goal_amount=100_000)
    made = pledge(client, campaign, backer, 5_000)
    if outcome == "released":
        clock.travel(days=31)
        assert settle(client, campaign, creator)["status"] == "failed"
    before = snapshot(app)
    response = refund(client, made["id"], creator, {"reason": "Why not"})
    assert_problem(response, 409)
    assert outcome in response.json["detail"]
    assert snapshot(app) == before


def test_only_the_campaigns_creator_refunds(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    _, made = collected_pledge(client, creator, backer, clock)
    other_creator, admin = new_account(app, "creator"), new_account(app, "admin")
    before = snapshot(app)
    for stranger in (other_creator, backer, admin):
        assert_problem(refund(client, made["id"], stranger, {"reason": "Mine"}), 403)
    assert_problem(
        refund(client, "7f7f7f7f-0000-4000-8000-000000000000", creator, {"reason": "Ghost"}), 404
    )
    assert snapshot(app) == before


BAD_REFUNDS: list[tuple[str, dict[str, Any]]] = [
    ("reason", {}),
    ("reason", {"amount": 100}),
    ("reason", {"reason": "   "}),
    ("reason", {"reason": "r" * 1_001}),
    ("reason", {"reason": "hidden\x00text"}),
    ("amount", {"amount": 0, "reason": "Zero"}),
    ("amount", {"amount": -5, "reason": "Negative"}),
    ("amount", {"amount": 9.99, "reason": "Fraction"}),
    ("amount", {"amount": "100", "reason": "Text"}),
    ("amount", {"amount": 10**13, "reason": "Absurd"}),
]


@pytest.mark.parametrize(
    ("field", "body"), BAD_REFUNDS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_REFUNDS)]
)
def test_bad_refunds_are_refused_naming_the_field_and_write_nothing(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    field: str,
    body: dict[str, Any],
) -> None:
    _, made = collected_pledge(client, creator, backer, clock)
    before = snapshot(app)
    assert_problem(refund(client, made["id"], creator, body), 422, field)
    assert snapshot(app) == before
