"""The ledger's read model of campaigns: written from events, read by the API and the journal."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import budget_lines, campaigns, journals
from shared.events.catalog import CampaignEvent


class CampaignReadModel:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, event: CampaignEvent) -> None:
        """Store a campaign as a `campaign.*` event describes it, unless a newer one is held.

        Updated in place, never deleted and re-inserted: the campaign's journal refers to it.
        """
        campaign_id, as_of = event.campaign_id, event.occurred_at
        row = {
            "creator_id": event.creator_id,
            "title": event.title,
            "currency": event.currency,
            "goal_amount": event.goal_amount,
            "funding_model": event.funding_model,
            "status": event.status,
            "deadline": event.deadline,
            "updated_at": as_of,
        }
        held = self._connection.execute(
            sa.select(campaigns.c.updated_at).where(campaigns.c.id == campaign_id)
        ).scalar_one_or_none()
        if held is None:
            self._connection.execute(campaigns.insert().values(id=campaign_id, **row))
        elif held > as_of:
            return  # an older snapshot arriving late changes nothing
        else:
            self._connection.execute(
                campaigns.update().where(campaigns.c.id == campaign_id).values(**row)
            )
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

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = (
            self._connection.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return {**row, "budget": self.budget(campaign_id)}

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
