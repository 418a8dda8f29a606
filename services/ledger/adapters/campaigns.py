"""The ledger's read model of campaigns: written from events, read by the API and the journal."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import budget_lines, campaigns, journals
from shared import campaign_read_model
from shared.events.catalog import CampaignEvent


class CampaignReadModel(campaign_read_model.CampaignReadModel):
    """`shared.campaign_read_model` on the ledger's `campaigns` table, with the planned budget
    beside it and each campaign's journal."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, campaigns)

    def record(self, event: CampaignEvent) -> bool:
        """Store a campaign as a `campaign.*` event describes it, unless a newer one is held;
        its budget lines are replaced with the event's."""
        if not super().record(event):
            return False  # an older snapshot arriving late changes nothing
        campaign_id = event.campaign_id
        self._connection.execute(
            sa.delete(budget_lines).where(budget_lines.c.campaign_id == campaign_id)
        )
        lines = [
            {
                "campaign_id": campaign_id,
                "category": line.category,
                "amount": line.amount,
                "position": position,
            }
            for position, line in enumerate(event.budget)
        ]
        if lines:
            self._connection.execute(budget_lines.insert(), lines)
        return True

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = super().get(campaign_id)
        return None if row is None else {**row, "budget": self.budget(campaign_id)}

    def budget(self, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
        """The planned budget lines, in the creator's order."""
        lines = (
            self._connection.execute(
                sa.select(budget_lines.c.category, budget_lines.c.amount)
                .where(budget_lines.c.campaign_id == campaign_id)
                .order_by(budget_lines.c.position, budget_lines.c.category)
            )
            .mappings()
            .all()
        )
        return [dict(line) for line in lines]

    def open_journal(self, campaign_id: uuid.UUID, now: datetime) -> bool:
        """Give a known campaign its (empty) journal, once; True if it was opened now."""
        exists = self._connection.execute(
            sa.select(journals.c.campaign_id).where(journals.c.campaign_id == campaign_id)
        ).first()
        if exists is not None:
            return False
        self._connection.execute(
            journals.insert().values(campaign_id=campaign_id, size=0, created_at=now)
        )
        return True
