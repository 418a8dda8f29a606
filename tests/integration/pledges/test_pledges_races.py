"""Races, with real threads and real concurrent requests: the last slots of a limited tier, two
settles at once, one idempotency key sent twice at once, refunds that together would overdraw.

Each runs on PostgreSQL (row locks) and on SQLite (its single writer)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.pledges import handlers
from services.pledges.domain import RecordOnlyGateway
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    live_campaign,
    new_account,
    outbox_events,
    pledge,
    settle,
)

pytestmark = pytest.mark.both_databases

T = TypeVar("T")


def all_at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Run every job in its own thread, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures
    return results


def post(
    app: flask.Flask, path: str, account: Account, body: object = None, **headers: str
) -> Callable[[], tuple[int, Any]]:
    def request() -> tuple[int, Any]:
        # A client per thread: each request is independent, as from separate processes.
        response = app.test_client().post(path, json=body, headers={**account.headers, **headers})
        return response.status_code, response.json

    return request


def test_backers_racing_for_the_last_slots_take_exactly_the_limit(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    limit, racers = 3, 16
    campaign = live_campaign(
        client,
        creator,
        tiers=[
            {"name": "Signed first edition", "min_amount": 2_000, "limit": limit},
        ],
    )
    tier_id = campaign["tiers"][0]["id"]
    backers = [new_account(app, "backer") for _ in range(racers)]
    path = f"{API}/campaigns/{campaign['id']}/pledges"

    results = all_at_once(
        [post(app, path, b, {"amount": 2_000, "tier_id": tier_id}) for b in backers]
    )

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: limit, 409: racers - limit}, results
    assert all("tier_id" in body["errors"] for status, body in results if status == 409)
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert (view["tiers"][0]["taken"], view["tiers"][0]["remaining"]) == (limit, 0)
    assert (view["backers_count"], view["pledged_amount"]) == (limit, limit * 2_000)
    pledges = app.extensions["fundtrail"].tables["pledges"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        holding = connection.execute(
            sa.select(sa.func.count()).where(pledges.c.tier_id == uuid.UUID(tier_id))
        ).scalar_one()
    assert holding == limit
    created = [e for e in outbox_events(app, campaign["id"]) if e.type == "pledge.created"]
    winners = {body["id"] for status, body in results if status == 201}
    assert {str(e.payload["pledge_id"]) for e in created} == winners


def test_concurrent_settles_settle_once_with_one_set_of_events(
    app: flask.Flask, client: FlaskClient, creator: Account, clock: MovableClock
) -> None:
    campaign = live_campaign(client, creator, goal_amount=10_000, tiers=[])
    amounts = [3_000, 4_000, 5_000]
    for amount in amounts:
        pledge(client, campaign, new_account(app, "backer"), amount)
    admin = new_account(app, "admin")
    clock.travel(days=31)
    path = f"{API}/campaigns/{campaign['id']}/settle"
    context = app.extensions["fundtrail"]

    def scheduled() -> tuple[int, Any]:
        done = handlers.settle_due(context.uow_factory, RecordOnlyGateway, clock)
        return 200, [str(s.campaign.id) for s in done]

    results = all_at_once(
        [post(app, path, creator), post(app, path, admin), post(app, path, creator), scheduled]
    )

    assert [status for status, _ in results] == [200, 200, 200, 200]
    assert {body["status"] for _, body in results[:3]} == {"succeeded"}
    assert len({body["ended_at"] for _, body in results[:3]}) == 1
    types = Counter(e.type for e in outbox_events(app, campaign["id"]))
    assert types["campaign.succeeded"] == 1
    assert types["pledge.collected"] == len(amounts)
    assert types["campaign.failed"] + types["pledge.released"] == 0
    assert settle(client, campaign, creator)["status"] == "succeeded"


def test_one_backer_pledging_several_times_at_once_holds_one_pledge(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    # The backer's active pledge is read in the round trip that takes the campaign's lock, but
    # after the lock: each request must see the pledge the one before it committed, and so
    # be refused (a second pledge no longer changes the first), naming the one that won.
    campaign = live_campaign(client, creator)
    path = f"{API}/campaigns/{campaign['id']}/pledges"

    results = all_at_once([post(app, path, backer, {"amount": 1_000 * n}) for n in range(1, 7)])

    assert sorted(status for status, _ in results) == [201] + [409] * 5, results
    (won,) = (body for status, body in results if status == 201)
    assert {body["pledge_id"] for status, body in results if status == 409} == {won["id"]}
    view = client.get(f"{API}/campaigns/{campaign['id']}").json
    assert view["backers_count"] == 1
    assert view["pledged_amount"] == won["amount"]


def test_one_idempotency_key_sent_twice_at_once_pledges_once(
    app: flask.Flask, client: FlaskClient, creator: Account, backer: Account
) -> None:
    campaign = live_campaign(client, creator)
    other = live_campaign(client, creator)
    same = f"{API}/campaigns/{campaign['id']}/pledges"
    elsewhere = f"{API}/campaigns/{other['id']}/pledges"
    key = {"Idempotency-Key": "double-click"}

    results = all_at_once(
        [
            post(app, same, backer, {"amount": 5_000}, **key),
            post(app, same, backer, {"amount": 5_000}, **key),
            post(app, elsewhere, backer, {"amount": 5_000}, **key),
        ]
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 201, 422] or statuses == [201, 422, 422], results
    created = {body["id"] for status, body in results if status == 201}
    assert len(created) == 1  # a replay repeats the one pledge, never makes a second
    all_pledges = [
        e
        for cid in (campaign["id"], other["id"])
        for e in outbox_events(app, cid)
        if e.type == "pledge.created"
    ]
    assert [str(e.payload["pledge_id"]) for e in all_pledges] == list(created)


def test_concurrent_refunds_never_return_more_than_was_collected(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    backer: Account,
    clock: MovableClock,
) -> None:
    campaign = live_campaign(client, creator, funding_model="flexible")
    made = pledge(client, campaign, backer, 10_000)
    clock.travel(days=31)
    settle(client, campaign, creator)
    path = f"{API}/pledges/{made['id']}/refund"

    results = all_at_once(
        [post(app, path, creator, {"amount": 4_000, "reason": f"Refund {i}"}) for i in range(5)]
    )

    assert Counter(status for status, _ in results) == {200: 2, 409: 3}
    final = client.get(f"{API}/pledges/{made['id']}", headers=backer.headers).json
    assert final["refunded_amount"] == 8_000
    refunds = [e for e in outbox_events(app, campaign["id"]) if e.type == "pledge.refunded"]
    assert [e.payload["refunded_total"] for e in refunds] == [4_000, 8_000]
