"""The inbox of Stripe's webhook events: which Stripe event ids this service has taken in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import stripe_events
from shared.db import _insert_ignoring_duplicates


class StripeEventInbox:
    """One row per Stripe event id, written in the transaction of the event's effect."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def known(self, event_id: str) -> bool:
        """Whether the event was taken in already (a redelivery)."""
        query = sa.select(stripe_events.c.event_id).where(stripe_events.c.event_id == event_id)
        return self._connection.execute(query).first() is not None

    def claim(self, event_id: str, event_type: str, created: datetime, now: datetime) -> bool:
        """Record the event; False if it was recorded already. A concurrent claim of the same id
        waits for this transaction (the primary key), then finds it and gets False."""
        values = {
            "event_id": event_id,
            "event_type": event_type,
            "created": created,
            "received_at": now,
            "took_effect": False,
        }
        insert = _insert_ignoring_duplicates(self._connection, stripe_events, values)
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        returned = self._connection.execute(insert.returning(stripe_events.c.event_id))
        return returned.first() is not None

    def took_effect(self, event_id: str) -> None:
        self._connection.execute(
            stripe_events.update()
            .where(stripe_events.c.event_id == event_id)
            .values(took_effect=True)
        )

    def effect_of(self, event_id: str) -> bool | None:
        """Whether the event took effect; None if it was never taken in."""
        query = sa.select(stripe_events.c.took_effect).where(stripe_events.c.event_id == event_id)
        row = self._connection.execute(query).first()
        return None if row is None else bool(row[0])
