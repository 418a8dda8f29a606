"""The ledger's read model of campaigns: written from events, read by the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import budget_lines, campaigns


class CampaignReadModel:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, snapshot: dict[str, Any], as_of: datetime) -> None:
        """Store (or replace) a campaign as a `campaign.*` event describes it."""
        row = {
            "id": snapshot["campaign_id"],
            "creator_id": snapshot["creator_id"],
            "title": snapshot["title"],
            "currency": snapshot["currency"],
            "goal_amount": snapshot["goal_amount"],
            "funding_model": snapshot["funding_model"],
            "status": snapshot["status"],
            "deadline": snapshot["deadline"],
            "updated_at": as_of,
        }
        self._connection.execute(sa.delete(budget_lines).where(budget_lines.c.campaign_id == row["id"]))
        self._connection.execute(sa.delete(campaigns).where(campaigns.c.id == row["id"]))
        self._connection.execute(campaigns.insert().values(**row))
        lines = [
            {"campaign_id": row["id"], "category": line["category"], "amount": line["amount"]}
            for line in snapshot["budget"]
        ]
        if lines:
            self._connection.execute(budget_lines.insert(), lines)

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = self._connection.execute(
            sa.select(campaigns).where(campaigns.c.id == campaign_id)
        ).mappings().first()
        if row is None:
            return None
        budget = self._connection.execute(
            sa.select(budget_lines.c.category, budget_lines.c.amount)
            .where(budget_lines.c.campaign_id == campaign_id)
            .order_by(budget_lines.c.category)
        ).mappings().all()
        return {**row, "budget": [dict(line) for line in budget]}
