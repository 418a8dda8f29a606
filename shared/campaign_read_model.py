"""The copy of campaigns that a service other than pledges keeps, from `campaign.*` events.

Every campaign event carries the whole campaign as it stands after it, so a service keeps the
newest snapshot: launch, edits, settlement and cancellation all show, and a late, older event
(a redelivery, a replay) changes nothing. The ledger and updates each keep one in a table of
their own (each service owns its data, and keeps what it needs: the ledger the funding terms,
updates enough to title feeds and know the creator); the rule is written once, here.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.events.catalog import CampaignEvent


class CampaignReadModel:
    """A service's `table` of campaigns: `id`, `updated_at` (the event's time) and any of the
    event's other fields by name (`creator_id`, `title`, `status`, `goal_amount` ...)."""

    def __init__(self, connection: Connection, table: sa.Table) -> None:
        self._connection = connection
        self._table = table

    def record(self, event: CampaignEvent) -> bool:
        """Store the campaign as `event` leaves it, unless a newer event was already applied;
        whether it was stored. Updated in place, never deleted and re-inserted: a service's
        other rows may refer to it (the ledger's journal)."""
        table = self._table
        row = {
            column.name: getattr(event, column.name)
            for column in table.columns
            if column.name not in ("id", "updated_at")
        }
        row["updated_at"] = event.occurred_at
        held = self._connection.execute(
            sa.select(table.c.updated_at).where(table.c.id == event.campaign_id)
        ).scalar_one_or_none()
        if held is None:
            self._connection.execute(table.insert().values(id=event.campaign_id, **row))
        elif held <= event.occurred_at:
            self._connection.execute(
                table.update().where(table.c.id == event.campaign_id).values(**row)
            )
        else:
            return False
        return True

    def get(self, campaign_id: uuid.UUID) -> dict[str, Any] | None:
        row = (
            self._connection.execute(sa.select(self._table).where(self._table.c.id == campaign_id))
            .mappings()
            .first()
        )
        return None if row is None else dict(row)
