"""Helpers for the pledges API tests: a movable clock, accounts, campaigns in each state, and
ways to see exactly what a request wrote."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import sqlalchemy as sa
from flask.testing import FlaskClient

from shared.events import Envelope, decode
from tests.factories import bearer, campaign_body, create_account, set_clock

API = "/api/v1"


class MovableClock:
    """Real time, shifted by `offset`: time still moves (so records keep their order), and a
    test can jump past a deadline with `travel`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def travel(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Account:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def install_clock(app: flask.Flask) -> MovableClock:
    clock = MovableClock()
    set_clock(app, clock)
    return clock


def new_account(app: flask.Flask, role: str) -> Account:
    return Account(*create_account(app, role))


def snapshot(app: flask.Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the service, the outbox included: equal snapshots before
    and after a request mean it inserted, updated and deleted nothing."""
    context = app.extensions["fundtrail"]
    with context.engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
            for name, table in context.tables.items()
        }


def outbox_events(app: flask.Flask, campaign_id: str | None = None) -> list[Envelope]:
    """The events waiting in the outbox, in order, optionally those of one campaign."""
    context = app.extensions["fundtrail"]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.topic, outbox.c.value).order_by(outbox.c.id)
        ).all()
    events = [decode(value) for topic, value in rows if topic == "pledges.events"]
    if campaign_id is not None:
        events = [e for e in events if str(e.campaign_id) == campaign_id]
    return events


def event_types(app: flask.Flask, campaign_id: str) -> list[str]:
    return [event.type for event in outbox_events(app, campaign_id)]


def draft_campaign(client: FlaskClient, creator: Account, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"{API}/campaigns", json=campaign_body(**overrides), headers=creator.headers
    )
    assert response.status_code == 201, response.json
    campaign: dict[str, Any] = response.json
    return campaign


def live_campaign(client: FlaskClient, creator: Account, **overrides: Any) -> dict[str, Any]:
    campaign = draft_campaign(client, creator, **overrides)
    response = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    assert response.status_code == 200, response.json
    launched: dict[str, Any] = response.json
    return launched


def pledge(
    client: FlaskClient,
    campaign: dict[str, Any],
    backer: Account,
    amount: int,
    tier_id: str | None = None,
    **headers: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {"amount": amount}
    if tier_id is not None:
        body["tier_id"] = tier_id
    response = client.post(
        f"{API}/campaigns/{campaign['id']}/pledges",
        json=body,
        headers={**backer.headers, **headers},
    )
    assert response.status_code in (200, 201), response.json
    made: dict[str, Any] = response.json
    return made


def settle(client: FlaskClient, campaign: dict[str, Any], actor: Account) -> dict[str, Any]:
    response = client.post(f"{API}/campaigns/{campaign['id']}/settle", headers=actor.headers)
    assert response.status_code == 200, response.json
    settled: dict[str, Any] = response.json
    return settled


def assert_problem(response: Any, status: int, field: str | None = None) -> None:
    """A problem+json answer with `status`, naming `field` among its errors if given."""
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
