"""The updates service's campaign read model follows the campaign, and ignores stale events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest

from shared.consumer import Outcome
from shared.events import Envelope, encode
from tests.factories import consume, make_app
from tests.integration.ledger.ledger_support import campaign_event

pytestmark = pytest.mark.both_databases

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = make_app("updates", database_url, tmp_path)
    yield app
    app.extensions["fundtrail"].engine.dispose()


def deliver(app: flask.Flask, envelope: Envelope) -> Outcome:
    return consume(app, encode(envelope), "pledges.events")


def status(app: flask.Flask, campaign_id: uuid.UUID) -> object:
    response = app.test_client().get(f"/api/v1/campaigns/{campaign_id}")
    return response.json["status"] if response.status_code == 200 else response.status_code


def test_the_read_model_follows_launch_and_settlement(app: flask.Flask) -> None:
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
    steps = [
        ("campaign.created", "draft"),
        ("campaign.launched", "live"),
        ("campaign.succeeded", "succeeded"),
    ]
    seen = []
    for minutes, (event_type, after) in enumerate(steps):
        event = campaign_event(
            event_type,
            campaign_id,
            creator_id,
            status=after,
            occurred_at=T0 + timedelta(minutes=minutes),
        )
        assert deliver(app, event).status == "handled"
        seen.append(status(app, campaign_id))

    # A draft is nobody's business here (its creator sees it in the pledges service).
    assert seen == [404, "live", "succeeded"]


def test_a_cancelled_campaign_is_shown_cancelled(app: flask.Flask) -> None:
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
    deliver(app, campaign_event("campaign.launched", campaign_id, creator_id, occurred_at=T0))
    deliver(
        app,
        campaign_event(
            "campaign.cancelled",
            campaign_id,
            creator_id,
            status="cancelled",
            occurred_at=T0 + timedelta(minutes=1),
        ),
    )
    assert status(app, campaign_id) == "cancelled"


def test_a_stale_event_does_not_roll_the_campaign_back(app: flask.Flask) -> None:
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
    launched = campaign_event(
        "campaign.launched", campaign_id, creator_id, occurred_at=T0 + timedelta(minutes=5)
    )
    late_draft_edit = campaign_event(
        "campaign.updated", campaign_id, creator_id, status="draft", occurred_at=T0
    )

    assert deliver(app, launched).status == "handled"
    assert deliver(app, late_draft_edit).status == "handled"

    assert status(app, campaign_id) == "live"
