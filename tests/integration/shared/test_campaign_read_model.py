"""The campaign read model the ledger and updates share: the newest snapshot wins, on any table
that holds some of a campaign event's fields."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shared.campaign_read_model import CampaignReadModel
from shared.db import UtcDateTime
from shared.events.catalog import CampaignEvent
from shared.events.typed import to_event
from tests.integration.ledger.ledger_support import campaign_event

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

metadata = sa.MetaData()
#: A service that keeps only a title and a status.
titles = sa.Table(
    "campaign_titles",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)


def test_the_newest_snapshot_wins_and_a_late_older_one_changes_nothing() -> None:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()

    def event(event_type: str, status: str, minutes: int) -> CampaignEvent:
        at = T0 + timedelta(minutes=minutes)
        envelope = campaign_event(
            event_type, campaign_id, creator_id, status=status, occurred_at=at
        )
        typed = to_event(envelope)
        assert isinstance(typed, CampaignEvent)
        return typed

    with engine.begin() as connection:
        model = CampaignReadModel(connection, titles)
        assert model.record(event("campaign.created", "draft", 0)) is True
        assert model.record(event("campaign.launched", "live", 5)) is True
        # A redelivered draft arrives after the launch: the campaign stays live.
        assert model.record(event("campaign.created", "draft", 0)) is False
        assert model.get(campaign_id) == {
            "id": campaign_id,
            "title": "Board game",
            "status": "live",
            "updated_at": T0 + timedelta(minutes=5),
        }
        assert model.get(uuid.uuid4()) is None
    engine.dispose()
