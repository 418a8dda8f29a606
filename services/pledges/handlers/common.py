"""What every pledges handler shares: the clock, lookups that lock, and "no such thing"."""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable

from services.pledges.domain import Campaign, PaymentGateway, Pledge
from services.pledges.domain.errors import NotFound
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.clock import Clock, utc_now

__all__ = ["Clock", "utc_now"]  # the clock handlers default to, re-exported for their callers

# Named "Unknown…" and outside the three domain families, so the API answers them with 404.


class UnknownAccount(NotFound):
    """No account has that id."""


class UnknownCampaign(NotFound):
    """No campaign has that id."""


class UnknownPledge(NotFound):
    """No pledge has that id."""


def locked_campaign(
    uow: PledgesUnitOfWork,
    campaign_id: uuid.UUID,
    *,
    with_budget: bool = True,
    with_tiers: bool = True,
) -> Campaign:
    """The campaign, locked until commit: every write to a campaign or its pledges takes this
    lock first, so its tallies and tier counts are decided one writer at a time. Without its
    budget or tiers it can only be written back with `save_state` (`CampaignRepository.get`)."""
    campaign = uow.campaigns.get(
        campaign_id, for_update=True, with_budget=with_budget, with_tiers=with_tiers
    )
    if campaign is None:
        raise UnknownCampaign(f"No campaign {campaign_id}.")
    return campaign


def locked_pledge(uow: PledgesUnitOfWork, pledge_id: uuid.UUID) -> tuple[Campaign, Pledge]:
    """The pledge and its campaign, the campaign locked first and the pledge read after it."""
    campaign_id = uow.pledges.campaign_of(pledge_id)
    if campaign_id is None:
        raise UnknownPledge(f"No pledge {pledge_id}.")
    campaign = locked_campaign(uow, campaign_id)
    pledge = uow.pledges.get(pledge_id)
    assert pledge is not None  # pledges are never deleted
    return campaign, pledge


@runtime_checkable
class CampaignBoundGateway(Protocol):
    """A gateway that needs the campaign and the books to move money (the Stripe gateway:
    the backer's customer, the creator's payout account)."""

    def for_campaign(self, campaign: Campaign, uow: PledgesUnitOfWork) -> PaymentGateway: ...


def gateway_for(
    gateway: PaymentGateway, campaign: Campaign, uow: PledgesUnitOfWork
) -> PaymentGateway:
    """`gateway`, bound to the campaign the handler holds locked and its open unit of work when
    it needs them; any other gateway (record-only, the tests') as it is."""
    if isinstance(gateway, CampaignBoundGateway):
        return gateway.for_campaign(campaign, uow)
    return gateway
