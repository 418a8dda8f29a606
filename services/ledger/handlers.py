"""The ledger's event handlers: one per event type it acts on, each inside a unit of work."""

from __future__ import annotations

from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.events import Envelope


def on_campaign_created(envelope: Envelope, uow: LedgerUnitOfWork) -> None:
    uow.campaigns.record(envelope.payload, as_of=envelope.occurred_at)
