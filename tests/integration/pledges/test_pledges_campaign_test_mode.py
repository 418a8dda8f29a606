"""Each campaign says whether its money is real: decided at drafting and again at launch."""

from __future__ import annotations

import dataclasses

import flask
from flask.testing import FlaskClient

from services.pledges.domain.payments import RecordOnlyGateway
from tests.factories import ready_payout_account
from tests.integration.pledges.helpers import (
    API,
    draft_campaign,
    new_account,
    outbox_events,
)


class MovingGateway(RecordOnlyGateway):
    """Stands in for a gateway that charges cards: only its answer to "does money move" differs."""

    provider = "stripe"
    moves_money = True


def use_gateway(app: flask.Flask, gateway_class: type[RecordOnlyGateway]) -> None:
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=gateway_class
    )


def test_with_the_record_only_gateway_a_campaign_is_in_test_mode_everywhere(
    app: flask.Flask, client: FlaskClient
) -> None:
    creator = new_account(app, "creator")
    campaign = draft_campaign(client, creator)
    assert campaign["test_mode"] is True
    launched = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    assert launched.json["test_mode"] is True
    assert client.get(f"{API}/campaigns/{campaign['id']}").json["test_mode"] is True
    events = outbox_events(app, campaign["id"])
    assert [(e.type, e.payload["test_mode"]) for e in events] == [
        ("campaign.created", True),
        ("campaign.launched", True),
    ]


def test_the_gateway_in_use_at_launch_decides_again(app: flask.Flask, client: FlaskClient) -> None:
    creator = new_account(app, "creator")
    ready_payout_account(app, creator.id)
    campaign = draft_campaign(client, creator)
    use_gateway(app, MovingGateway)
    launched = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    assert launched.status_code == 200, launched.json
    assert launched.json["test_mode"] is False
    # Stored, not only answered: a later read and the next events say so too.
    assert client.get(f"{API}/campaigns/{campaign['id']}").json["test_mode"] is False
    events = outbox_events(app, campaign["id"])
    assert [(e.type, e.payload["test_mode"]) for e in events] == [
        ("campaign.created", True),
        ("campaign.launched", False),
    ]


def test_a_campaign_drafted_where_money_moves_is_not_in_test_mode(
    app: flask.Flask, client: FlaskClient
) -> None:
    use_gateway(app, MovingGateway)
    campaign = draft_campaign(client, new_account(app, "creator"))
    assert campaign["test_mode"] is False
    assert outbox_events(app, campaign["id"])[0].payload["test_mode"] is False
