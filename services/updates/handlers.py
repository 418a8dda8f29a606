"""The updates service's event handlers: one per event type it acts on."""

from __future__ import annotations

from services.updates.unit_of_work import UpdatesUnitOfWork
from shared.events.catalog import CampaignEvent


def on_campaign_event(event: CampaignEvent, uow: UpdatesUnitOfWork) -> None:
    """Any `campaign.*` event: the read model follows the campaign (late, stale ones ignored)."""
    uow.campaigns.record(event)
