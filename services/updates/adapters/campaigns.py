"""The updates service's read model of campaigns: written from events, read by the API."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.updates.adapters.tables import campaigns
from services.updates.domain import CampaignFacts
from shared.events.catalog import CampaignEvent


class CampaignReadModel:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, event: CampaignEvent) -> None:
        """Store the campaign as `event` leaves it, unless a newer event was already applied.

        Events of one campaign share a partition, so they arrive in order; a redelivered or
        replayed older one must still not roll the campaign back (say, from live to draft).
        """
        row = {
            "creator_id": event.creator_id,
            "title": event.title,
            "status": event.status,
            "updated_at": event.occurred_at,
            "goal_amount": event.goal_amount,
            "currency": event.currency,
        }
        held = self._connection.execute(
            sa.select(campaigns.c.updated_at).where(campaigns.c.id == event.campaign_id)
        ).scalar_one_or_none()
        if held is None:
            self._connection.execute(campaigns.insert().values(id=event.campaign_id, **row))
        elif held <= event.occurred_at:
            self._connection.execute(
                campaigns.update().where(campaigns.c.id == event.campaign_id).values(**row)
            )

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = (
            self._connection.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    def facts(self, campaign_id: uuid.UUID) -> CampaignFacts | None:
        """The campaign as the domain's rules need it, or None if never heard of."""
        row = self.get(campaign_id)
        if row is None:
            return None
        return CampaignFacts(
            campaign_id=row["id"],
            creator_id=row["creator_id"],
            title=row["title"],
            status=row["status"],
            goal_amount=row["goal_amount"],
            currency=row["currency"],
            updated_at=row["updated_at"],
        )
