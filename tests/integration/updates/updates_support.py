"""What the updates tests share: an app, a live campaign with backers, tokens, row counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa

from shared.consumer import Outcome
from shared.events import Envelope, decode, encode
from tests.factories import bearer, consume, issue_token, make_app
from tests.integration.ledger.ledger_support import campaign_event, pledge_event

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
#: The tables whose rows a refused request must leave untouched.
WRITTEN = ("updates", "update_revisions", "comments", "outbox")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = make_app("updates", database_url, tmp_path)
    yield app
    app.extensions["fundtrail"].engine.dispose()


def deliver(app: flask.Flask, envelope: Envelope, topic: str = "pledges.events") -> Outcome:
    return consume(app, encode(envelope), topic)


@dataclass
class World:
    """A live campaign in the updates service, with accounts standing in every relation to it."""

    app: flask.Flask
    var_dir: Path
    campaign_id: uuid.UUID = field(default_factory=uuid.uuid4)
    creator_id: uuid.UUID = field(default_factory=uuid.uuid4)
    backer_id: uuid.UUID = field(default_factory=uuid.uuid4)
    stranger_id: uuid.UUID = field(default_factory=uuid.uuid4)
    other_creator_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def launch(self) -> World:
        launched = campaign_event(
            "campaign.launched", self.campaign_id, self.creator_id, occurred_at=T0
        )
        assert deliver(self.app, launched).status == "handled"
        self.pledge(self.backer_id, 1_000)
        return self

    def pledge(self, backer_id: uuid.UUID, amount: int, **extra: Any) -> Envelope:
        envelope = pledge_event(
            "pledge.created", self.campaign_id, amount, backer_id=backer_id, **extra
        )
        assert deliver(self.app, envelope).status == "handled"
        return envelope

    def pledge_event(
        self, event_type: str, backer_id: uuid.UUID, amount: int, **extra: Any
    ) -> None:
        envelope = pledge_event(event_type, self.campaign_id, amount, backer_id=backer_id, **extra)
        assert deliver(self.app, envelope).status == "handled"

    def headers(self, who: str) -> dict[str, str]:
        role = {"creator": "creator", "other_creator": "creator"}.get(who, "backer")
        account_id = getattr(self, f"{who}_id")
        return bearer(issue_token(self.var_dir, role, account_id))

    def post(self, who: str = "creator", **body: Any) -> Any:
        payload = {"title": "Printing news", "body": "The *proofs* are in.", "visibility": "public"}
        payload.update(body)
        return self.app.test_client().post(
            f"/api/v1/campaigns/{self.campaign_id}/updates", json=payload, headers=self.headers(who)
        )

    def get(self, path: str, who: str | None = None) -> Any:
        headers = self.headers(who) if who else {}
        return self.app.test_client().get(path, headers=headers)


@pytest.fixture
def world(app: flask.Flask, tmp_path: Path) -> World:
    return World(app, tmp_path).launch()


def row_counts(app: flask.Flask) -> dict[str, int]:
    engine = app.extensions["fundtrail"].engine
    tables = app.extensions["fundtrail"].tables
    with engine.connect() as connection:
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(tables[name])
            ).scalar_one()
            for name in WRITTEN
        }


def published(app: flask.Flask, event_type: str | None = None) -> list[Envelope]:
    """The envelopes the service queued on its outbox (oldest first)."""
    engine = app.extensions["fundtrail"].engine
    outbox = app.extensions["fundtrail"].tables["outbox"]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(outbox.c.value).order_by(outbox.c.id)).scalars()
        envelopes = [decode(value) for value in rows]
    return [e for e in envelopes if event_type is None or e.type == event_type]


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
