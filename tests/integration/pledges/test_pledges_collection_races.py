"""The provider's answers delivered many times at once, with real threads, on PostgreSQL (row
locks) and SQLite (its single writer): each answer has one effect and one event."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Callable

import flask
import pytest
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    live_campaign,
    outbox_events,
    pledge,
    settle,
)
from tests.integration.pledges.test_pledges_races import all_at_once
from tests.payment_gateways import PendingGateway

pytestmark = pytest.mark.both_databases

DELIVERIES = 12


@pytest.mark.parametrize("answer", ["succeeded", "failed"])
def test_the_same_answer_delivered_many_times_at_once_has_one_effect(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
    answer: str,
) -> None:
    gateway = PendingGateway()
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"], payment_gateway=lambda: gateway
    )
    campaign = live_campaign(client, creator, goal_amount=5_000)
    made = pledge(client, campaign, backer, 5_000)
    clock.travel(days=31)
    settle(client, campaign, creator)
    pledge_id = uuid.UUID(made["id"])
    reference = gateway.latest(pledge_id).reference
    dependencies = app.extensions["fundtrail"]

    def deliver() -> bool:
        uow = dependencies.uow_factory()
        if answer == "succeeded":
            command = commands.CollectionSucceeded(pledge_id, reference, 150)
            return handlers.collection_succeeded(command, uow, clock).changed
        failure = commands.CollectionFailed(pledge_id, reference, "card_declined")
        return handlers.collection_failed(failure, uow, clock).changed

    jobs: list[Callable[[], bool]] = [deliver] * DELIVERIES
    changed = all_at_once(jobs)

    assert changed.count(True) == 1
    expected = {
        "succeeded": ("pledge.collected", "paid"),
        "failed": ("pledge.payment_failed", "payment_failed"),
    }
    event_type, payment_status = expected[answer]
    types = Counter(e.type for e in outbox_events(app, campaign["id"]))
    assert types[event_type] == 1
    assert types["pledge.collected"] + types["pledge.payment_failed"] == 1
    shown = client.get(f"{API}/pledges/{made['id']}", headers=backer.headers).json
    assert shown["payment_status"] == payment_status
    totals = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (totals["pledged_amount"], totals["backers_count"]) == (5_000, 1)
