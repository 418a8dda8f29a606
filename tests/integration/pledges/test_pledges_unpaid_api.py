"""What settlement left unpaid, for the campaign's creator: the pledges whose payment failed
(why, and until when the backer may fix it) and those dropped (when), with their totals."""

from __future__ import annotations

import uuid
from datetime import datetime

import flask
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    assert_problem,
    live_campaign,
    new_account,
    pledge,
    settle,
)
from tests.integration.pledges.test_pledges_collection_api import (
    gateway,  # noqa: F401  (the fixture: one pending gateway the test reads)
    report,
)
from tests.payment_gateways import PendingGateway


def test_the_creator_lists_failed_and_dropped_pledges_with_what_is_still_owed(
    app: flask.Flask,
    client: FlaskClient,
    creator: Account,
    clock: MovableClock,
    gateway: PendingGateway,  # noqa: F811
) -> None:
    campaign = live_campaign(client, creator, goal_amount=5_000)
    backers = [new_account(app, "backer") for _ in range(3)]
    made = [
        pledge(client, campaign, b, a) for b, a in zip(backers, (2_000, 3_000, 4_000), strict=True)
    ]
    ids = [uuid.UUID(m["id"]) for m in made]
    clock.travel(days=31)
    settle(client, campaign, creator)
    # The first fails at once and drops when its grace runs out; the second fails three days
    # later and may still be fixed; the third is paid.
    report(app, commands.CollectionFailed(ids[0], gateway.latest(ids[0]).reference, "expired_card"))
    clock.travel(days=3)
    report(
        app,
        commands.CollectionFailed(ids[1], gateway.latest(ids[1]).reference, "insufficient_funds"),
    )
    report(app, commands.CollectionSucceeded(ids[2], gateway.latest(ids[2]).reference))
    clock.travel(days=5)
    dependencies = app.extensions["fundtrail"]
    dropping_from = clock()
    assert [p.id for p in handlers.drop_unpaid(dependencies.uow_factory, dependencies.clock)] == [
        ids[0]
    ]

    listed = client.get(
        f"{API}/campaigns/{campaign['id']}/pledges?status=payment_failed&status=dropped",
        headers=creator.headers,
    )
    assert listed.status_code == 200, listed.json
    failed, dropped = sorted(listed.json["pledges"], key=lambda p: p["status"] != "payment_failed")
    assert (failed["id"], failed["amount"], failed["payment_failure_reason"]) == (
        made[1]["id"],
        3_000,
        "insufficient_funds",
    )
    assert failed["payment_retry_until"] is not None and failed["dropped_at"] is None
    assert (dropped["id"], dropped["amount"], dropped["payment_failure_reason"]) == (
        made[0]["id"],
        2_000,
        "expired_card",
    )
    assert dropped["payment_status"] == "dropped" and dropped["payment_retry_until"] is None
    assert dropping_from <= datetime.fromisoformat(dropped["dropped_at"]) <= clock()
    # Nothing about the backer beyond the name the list always carried: no e-mail, no card.
    assert not {"email", "payment_method_id", "checkout_session_id"} & set(failed)

    unpaid = client.get(f"{API}/campaigns/{campaign['id']}/pledges/unpaid", headers=creator.headers)
    assert unpaid.status_code == 200, unpaid.json
    assert unpaid.json == {
        "currency": "EUR",
        "payment_failed": {"pledges": 1, "amount": 3_000},
        "dropped": {"pledges": 1, "amount": 2_000},
    }
    # The pledge that was paid carries no reason.
    paid = client.get(f"{API}/pledges/{made[2]['id']}", headers=backers[2].headers).json
    assert (paid["payment_status"], paid["payment_failure_reason"], paid["dropped_at"]) == (
        "paid",
        None,
        None,
    )
    # The backer whose payment failed reads why on their own pledge.
    mine = client.get(f"{API}/pledges/{made[1]['id']}", headers=backers[1].headers).json
    assert mine["payment_failure_reason"] == "insufficient_funds"

    for outsider in (backers[0], new_account(app, "creator")):
        refused = client.get(
            f"{API}/campaigns/{campaign['id']}/pledges/unpaid", headers=outsider.headers
        )
        assert_problem(refused, 403)


def test_an_unknown_state_is_refused(client: FlaskClient, creator: Account) -> None:
    campaign = live_campaign(client, creator)
    refused = client.get(
        f"{API}/campaigns/{campaign['id']}/pledges?status=lost", headers=creator.headers
    )
    assert_problem(refused, 422, "status.0")
