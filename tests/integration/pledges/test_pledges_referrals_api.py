"""Where backers come from: a pledge keeps the source it was made with, and the campaign's
creator reads counts and sums per source (GROUP BY in SQL, so on both databases)."""

from __future__ import annotations

import uuid
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
    settle,
    snapshot,
)

pytestmark = pytest.mark.both_databases


def _pledge(
    client: FlaskClient, campaign_id: str, backer: Account, amount: int, **body: Any
) -> Any:
    return client.post(
        f"{API}/campaigns/{campaign_id}/pledges",
        json={"amount": amount, **body},
        headers=backer.headers,
    )


def _referrals(client: FlaskClient, campaign_id: str, viewer: Account | None) -> Any:
    headers = {} if viewer is None else viewer.headers
    return client.get(f"{API}/campaigns/{campaign_id}/referrals", headers=headers)


def test_the_creator_and_admins_see_standing_pledges_and_amounts_per_source(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    # A draft of one's own has no pledges yet, and says so rather than failing.
    mine = draft_campaign(client, creator)["id"]
    others_draft = draft_campaign(client, new_account(app, "creator"))["id"]
    assert _referrals(client, mine, creator).json == {"currency": "EUR", "sources": []}
    campaign = live_campaign(client, creator, goal_amount=1_000)
    cid = campaign["id"]
    b = [new_account(app, "backer") for _ in range(6)]
    first = _pledge(client, cid, b[0], 2_000, source=" WhatsApp ")
    assert first.status_code == 201, first.json
    # A change (pledging again is refused now) keeps the share that first brought the backer.
    assert _pledge(client, cid, b[0], 3_000, source="newsletter").status_code == 409
    changed = client.patch(
        f"{API}/pledges/{first.json['id']}", json={"amount": 3_000}, headers=b[0].headers
    )
    assert changed.status_code == 200, changed.json
    _pledge(client, cid, b[1], 1_500, source="whatsapp")
    refunded = _pledge(client, cid, b[2], 4_000, source="news.ycombinator.com").json
    _pledge(client, cid, b[3], 1_000)  # no source: a direct visit
    gone = _pledge(client, cid, b[4], 9_000, source="newsletter").json
    client.post(f"{API}/pledges/{gone['id']}/cancel", headers=b[4].headers)
    wholly = _pledge(client, cid, b[5], 7_000, source="x.com").json

    before = snapshot(app)
    link = _pledge(
        client, cid, new_account(app, "backer"), 500, source="https://evil.example/p?q=1"
    )
    assert_problem(link, 422, "source")
    assert snapshot(app)["pledges"] == before["pledges"]

    clock.travel(days=31)
    settle(client, campaign, creator)
    for pledge_id, body in (
        (refunded["id"], {"amount": 1_000, "reason": "Shipping was cheaper"}),
        (wholly["id"], {"reason": "Backer asked"}),
    ):
        done = client.post(f"{API}/pledges/{pledge_id}/refund", json=body, headers=creator.headers)
        assert done.status_code == 200, done.json

    answer = _referrals(client, cid, creator)

    assert answer.status_code == 200, answer.json
    assert answer.json == {
        "currency": "EUR",
        "sources": [
            {"source": "whatsapp", "pledges": 2, "amount": 4_500},
            {"source": "news.ycombinator.com", "pledges": 1, "amount": 3_000},
            {"source": None, "pledges": 1, "amount": 1_000},
        ],
    }

    # Only the creator and admins: others are refused, unknown campaigns and others' drafts are
    # not found, and nobody signed in is asked to.
    as_admin = _referrals(client, cid, new_account(app, "admin"))
    assert as_admin.json == answer.json
    for outsider in (b[0], new_account(app, "creator")):
        refused = _referrals(client, cid, outsider)
        assert_problem(refused, 403)
        assert "sources" not in refused.json
    assert_problem(_referrals(client, cid, None), 401)
    for unknown in (str(uuid.uuid4()), others_draft):
        assert_problem(_referrals(client, unknown, creator), 404)
