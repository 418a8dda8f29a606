"""The updates service's event handlers: one per event type it acts on."""

from __future__ import annotations

from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.events import Envelope


def on_campaign_created(envelope: Envelope, uow: UpdatesUnitOfWork) -> None:
    uow.campaigns.record(envelope.payload, as_of=envelope.occurred_at)
