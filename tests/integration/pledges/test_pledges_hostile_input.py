"""Hostile input to the pledges API: huge numbers, deep or unreadable
JSON, surrogates, invisible and bidi characters, absurd deadlines. Each is a problem naming
what is wrong, never a 500, and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from tests.factories import campaign_body
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    draft_campaign,
    live_campaign,
    snapshot,
)

HUGE = str(2**63)


def refused(app: flask.Flask, send: Any, status: int, field: str | None = None) -> Any:
    before = snapshot(app)
    response = send()
    assert_problem(response, status, field)
    assert snapshot(app) == before
    return response


@pytest.mark.parametrize("value", [HUGE, "9" * 5000, "-1"])
def test_a_page_offset_out_of_range_is_422_naming_it(
    app: flask.Flask, client: FlaskClient, backer: Account, value: str
) -> None:
    refused(app, lambda: client.get(f"{API}/campaigns?offset={value}"), 422, "offset")
    mine = f"{API}/me/pledges?offset={value}"
    refused(app, lambda: client.get(mine, headers=backer.headers), 422, "offset")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("[" * 5000, 400),  # RecursionError inside the decoder
        ('{"title": ' + "[" * 200 + "]" * 200 + "}", 400),
        ('{"goal_amount": ' + "9" * 5000 + "}", 400),  # past Python's 4300-digit limit
    ],
)
def test_unreadable_json_is_a_problem(
    app: flask.Flask, client: FlaskClient, creator: Account, raw: str, status: int
) -> None:
    response = refused(
        app,
        lambda: client.post(
            f"{API}/campaigns", data=raw, content_type="application/json", headers=creator.headers
        ),
        status,
    )
    assert "JSON body" in response.json["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Board \ud800 game"}, "title"),
        ({"description": "fine\n\udfff"}, "description"),
        ({"tiers": [{"name": "\ud83d", "min_amount": 100}]}, "tiers.0.name"),
        ({"budget": [{"category": "x\udc00", "amount": 100}]}, "budget.0.category"),
    ],
)
def test_a_lone_surrogate_in_text_is_422_naming_the_field(
    app: flask.Flask, client: FlaskClient, creator: Account, overrides: dict[str, Any], field: str
) -> None:
    raw = json.dumps(campaign_body(**overrides))  # ensure_ascii: "\ud800" as JSON allows it
    refused(
        app,
        lambda: client.post(
            f"{API}/campaigns", data=raw, content_type="application/json", headers=creator.headers
        ),
        422,
        field,
    )


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\ufeff", "\u2067", "\u200f", "\u061c"])
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda c: {"title": f"Safe{c}title"}, "title"),
        (lambda c: {"description": f"About{c}it"}, "description"),
        (lambda c: {"tiers": [{"name": f"Tier{c}", "min_amount": 100}]}, "tiers.0.name"),
        (lambda c: {"budget": [{"category": f"print{c}", "amount": 1}]}, "budget.0.category"),
    ],
)
def test_invisible_and_bidi_characters_in_public_text_are_refused(
    app: flask.Flask, client: FlaskClient, creator: Account, char: str, make: Any, field: str
) -> None:
    body = campaign_body(**make(char))
    response = refused(
        app, lambda: client.post(f"{API}/campaigns", json=body, headers=creator.headers), 422, field
    )
    assert f"U+{ord(char):04X}" in response.json["errors"][field][0]


def test_an_edit_is_held_to_the_same_text_rules(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    url = f"{API}/campaigns/{campaign['id']}"
    refused(
        app,
        lambda: client.patch(url, json={"title": "Evil\u202eeulav"}, headers=creator.headers),
        422,
        "title",
    )


@pytest.mark.parametrize(
    "deadline",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1900-01-01T00:00:00Z"],
)
def test_a_deadline_outside_the_calendar_window_is_422(
    app: flask.Flask, client: FlaskClient, creator: Account, deadline: str
) -> None:
    body = campaign_body(deadline=deadline)
    refused(
        app,
        lambda: client.post(f"{API}/campaigns", json=body, headers=creator.headers),
        422,
        "deadline",
    )


def test_a_deadline_more_than_a_year_ahead_is_422(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    body = campaign_body(deadline="2199-01-01T00:00:00Z")
    response = refused(
        app,
        lambda: client.post(f"{API}/campaigns", json=body, headers=creator.headers),
        422,
        "deadline",
    )
    assert "366 days" in response.json["errors"]["deadline"][0]


def test_a_refund_reason_with_a_surrogate_or_bidi_override_is_refused(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account, clock: Any
) -> None:
    campaign = live_campaign(client, creator, funding_model="flexible")
    made = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges", json={"amount": 5_000}, headers=backer.headers
    )
    assert made.status_code == 201, made.json
    clock.travel(days=31)
    settled = client.post(f"{API}/campaigns/{campaign['id']}/settle", headers=creator.headers)
    assert settled.status_code == 200, settled.json
    url = f"{API}/pledges/{made.json['id']}/refund"
    for raw in ('{"reason": "sorry \\ud800"}', json.dumps({"reason": "late\u202e"})):
        refused(
            app,
            lambda raw=raw: client.post(
                url, data=raw, content_type="application/json", headers=creator.headers
            ),
            422,
            "reason",
        )
    fine = client.post(url, json={"reason": "Sold out, sorry"}, headers=creator.headers)
    assert fine.status_code == 200 and fine.json["status"] == "refunded", fine.json


def test_a_draft_is_seen_only_by_its_creator(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    from tests.integration.pledges.helpers import new_account

    draft = draft_campaign(client, creator)
    live = live_campaign(client, creator)
    other = new_account(app, "creator")
    admin = new_account(app, "admin")
    url = f"{API}/campaigns/{draft['id']}"

    for headers in ({}, other.headers, admin.headers):
        assert_problem(client.get(url, headers=headers), 404)
        listed = client.get(f"{API}/campaigns", headers=headers).json["campaigns"]
        assert [c["id"] for c in listed] == [live["id"]]
        drafts = client.get(f"{API}/campaigns?status=draft", headers=headers)
        assert drafts.json == {"campaigns": []}

    mine = client.get(url, headers=creator.headers)
    assert mine.status_code == 200 and mine.json["status"] == "draft"
    listed = client.get(f"{API}/campaigns", headers=creator.headers).json["campaigns"]
    assert {c["id"] for c in listed} == {draft["id"], live["id"]}
    # A bad token on a public read is a 401, not a silent anonymous answer.
    assert_problem(client.get(url, headers={"Authorization": "Bearer nope"}), 401)
