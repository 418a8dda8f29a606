"""The updates service's read model of campaigns: written from events, read by the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.updates.adapters.tables import campaigns


class CampaignReadModel:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, snapshot: dict[str, Any], as_of: datetime) -> None:
        """Store (or replace) a campaign as a `campaign.*` event describes it."""
        row = {
            "id": snapshot["campaign_id"],
            "creator_id": snapshot["creator_id"],
            "title": snapshot["title"],
            "status": snapshot["status"],
            "updated_at": as_of,
        }
        self._connection.execute(sa.delete(campaigns).where(campaigns.c.id == row["id"]))
        self._connection.execute(campaigns.insert().values(**row))

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = (
            self._connection.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)
