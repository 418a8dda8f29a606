"""The updates service's read model of campaigns: written from events, read by the API."""

from __future__ import annotations

import uuid

from sqlalchemy.engine import Connection

from services.updates.adapters.tables import campaigns
from services.updates.domain import CampaignFacts
from shared import campaign_read_model


class CampaignReadModel(campaign_read_model.CampaignReadModel):
    """`shared.campaign_read_model` on the updates service's `campaigns` table."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, campaigns)

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
            language=row["language"],
        )
