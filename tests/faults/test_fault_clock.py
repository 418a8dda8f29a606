"""R12: the clocks of the API and the settler disagree around a campaign's deadline.

The API process and `fundtrail settle` each read their own clock (the services take a Clock).
Skewed three seconds apart either way, a pledge must never be accepted and then left out of
the settlement (lost), nor collected twice; a pledge refused because of the skew is refused
clearly (409 problem+json), never a 500. What keeps it so is the campaign's state under its
row lock, not the clocks agreeing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from services.pledges import handlers
from shared.events import decode
from tests.factories import bearer, campaign_body, create_account, make_app, set_clock

pytestmark = pytest.mark.postgres

SKEW = timedelta(seconds=3)


class TrueTime:
    """The one real time of the test, and clocks that run ahead of it or behind."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def skewed(self, by: timedelta) -> Callable[[], datetime]:
        return lambda: self.now + by


def collected_events(app: flask.Flask) -> Counter[str]:
    """How many `pledge.collected` each pledge has in the outbox."""
    dependencies = app.extensions["fundtrail"]
    outbox = dependencies.tables["outbox"]
    with dependencies.engine.connect() as connection:
        values = connection.execute(sa.select(outbox.c.value)).scalars()
        events = [decode(value) for value in values]
    return Counter(str(e.payload["pledge_id"]) for e in events if e.type == "pledge.collected")


def settle(app: flask.Flask, clock: Callable[[], datetime]) -> int:
    """One pass of `fundtrail settle` on its own clock: how many campaigns it settled."""
    dependencies = app.extensions["fundtrail"]
    return len(handlers.settle_due(dependencies.uow_factory, dependencies.payment_gateway, clock))


def test_r12_clock_skew_around_a_deadline_loses_and_doubles_no_pledge(
    postgres_url: str, tmp_path: Path, report: Callable[..., Any]
) -> None:
    app = make_app("pledges", postgres_url, tmp_path)
    _, creator = create_account(app, "creator")
    backers = [create_account(app, "backer")[1] for _ in range(8)]
    client = app.test_client()
    start = datetime.now(UTC).replace(microsecond=0)
    time = TrueTime(start)
    accepted: list[str] = []
    refused: list[Any] = []

    def pledge(campaign_id: str, token: str) -> None:
        response = client.post(
            f"/api/v1/campaigns/{campaign_id}/pledges",
            json={"amount": 2_500},
            headers=bearer(token),
        )
        if response.status_code == 201:
            accepted.append(response.json["id"])
        else:
            refused.append(response)

    def live_campaign(deadline: datetime) -> str:
        set_clock(app, time.skewed(timedelta(0)))
        body = campaign_body(deadline=deadline.isoformat(), funding_model="flexible", tiers=[])
        campaign = client.post("/api/v1/campaigns", json=body, headers=bearer(creator)).json
        launched = client.post(
            f"/api/v1/campaigns/{campaign['id']}/launch", headers=bearer(creator)
        )
        assert launched.status_code == 200, launched.json
        return str(campaign["id"])

    # The API's clock slow, the settler's fast: the settler settles two seconds before the
    # deadline while the API still thinks there are five to go.
    deadline = start + timedelta(hours=1)
    slow_api = live_campaign(deadline)
    set_clock(app, time.skewed(-SKEW))
    settler = time.skewed(SKEW)
    time.now = deadline - timedelta(seconds=10)
    for token in backers[:4]:
        pledge(slow_api, token)
    time.now = deadline - timedelta(seconds=2)
    assert settle(app, settler) == 1
    for token in backers[4:6]:
        pledge(slow_api, token)  # after the settlement: refused, though the API's clock is early
    early_refusals = len(refused)

    # The API's clock fast, the settler's slow: the API stops taking pledges a little early and
    # the settler settles a little late; in between, nothing is settled twice.
    deadline = start + timedelta(hours=2)
    set_clock(app, time.skewed(timedelta(0)))
    time.now = start
    fast_api = live_campaign(deadline)
    set_clock(app, time.skewed(SKEW))
    settler = time.skewed(-SKEW)
    time.now = deadline - timedelta(seconds=10)
    for token in backers[:4]:
        pledge(fast_api, token)
    time.now = deadline - timedelta(seconds=1)
    assert settle(app, settler) == 0  # the settler thinks it is four seconds early
    for token in backers[4:6]:
        pledge(fast_api, token)  # the API thinks the deadline has passed
    time.now = deadline + timedelta(seconds=4)
    assert settle(app, settler) == 1
    assert settle(app, time.skewed(timedelta(minutes=5))) == 0  # settled once

    collected = collected_events(app)
    app.extensions["fundtrail"].engine.dispose()
    lost = sum(1 for pledge_id in accepted if collected[pledge_id] == 0)
    duplicated = sum(count - 1 for count in collected.values() if count > 1)
    unasked = set(collected) - set(accepted)
    report(
        12,
        "clock skew around a deadline",
        produced=len(accepted) + len(refused),
        faults=2,
        lost=lost + len(unasked),
        duplicated=duplicated,
        accepted=len(accepted),
        refused=len(refused),
    )
    assert len(accepted) == 8 and early_refusals == 2 and len(refused) == 4
    for response in refused:
        assert response.status_code == 409, response.json
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"]
