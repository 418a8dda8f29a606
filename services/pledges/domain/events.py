"""What happened to campaigns and pledges: frozen records the Campaign aggregate appends.

Each event carries everything a consumer in another service needs, so none has to ask back:
campaign events a snapshot of the campaign's terms, pledge events the campaign, pledge, backer,
amount, currency and tier. ``version`` is the shape's version; the wire form (type names,
marshmallow schemas) lives in ``shared/``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from shared.languages import DEFAULT_LANGUAGE

from .pledges import Pledge
from .values import BudgetLine, FundingModel, TierTerms


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """Something that happened to one campaign, at ``occurred_at`` (UTC)."""

    version: ClassVar[int] = 1

    campaign_id: uuid.UUID
    occurred_at: datetime


# --- campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignEvent(Event):
    """A campaign event, with the campaign's terms as they stand after it."""

    creator_id: uuid.UUID
    title: str
    currency: str
    #: In minor units of ``currency``.
    goal_amount: int
    funding_model: FundingModel
    deadline: datetime
    budget: tuple[BudgetLine, ...]
    tiers: tuple[TierTerms, ...]
    #: No money moves for this campaign (the record-only gateway).
    test_mode: bool = True
    #: What the campaign's automatic updates are written in.
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignCreated(CampaignEvent):
    """A creator drafted a campaign."""

    description: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignUpdated(CampaignEvent):
    """A creator edited a draft; the event holds the whole new version, not a difference."""

    description: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignRevised(CampaignEvent):
    """After launch, the creator revised the story or the tiers' words (never amounts, goal or
    deadline). The whole new version, as for a draft's edit; ``status`` is the campaign's."""

    description: str
    status: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignLaunched(CampaignEvent):
    """A draft went live and takes pledges until its deadline."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignCancelled(CampaignEvent):
    """The creator called the campaign off; any live pledges were released."""

    #: Active pledges at the moment of cancelling (each gets a PledgeReleased).
    released_count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignSettled(CampaignEvent):
    """Common shape of the two settlement outcomes."""

    #: Sum of the active pledges at the deadline, in minor units.
    pledged_amount: int
    backers_count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignSucceeded(CampaignSettled):
    """The deadline passed and the pledges are being collected."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CampaignFailed(CampaignSettled):
    """An all-or-nothing campaign missed its goal; the pledges are being released."""


# --- pledges ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeEvent(Event):
    """A pledge event.

    ``amount`` is in minor units of ``currency``: the pledge's amount after the event, except on
    PledgeRefunded, where it is the sum this refund returns.
    """

    pledge_id: uuid.UUID
    #: The backer's opaque account id; never a name or an e-mail.
    backer_id: uuid.UUID
    amount: int
    currency: str
    tier_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeCreated(PledgeEvent):
    """A backer pledged to a live campaign."""

    #: The tier's name, so the mails about it need not know the campaign's tiers.
    tier_name: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeChanged(PledgeEvent):
    """A backer changed the amount or tier of an active pledge (or pledged again)."""

    previous_amount: int
    previous_tier_id: uuid.UUID | None
    tier_name: str | None = None
    previous_tier_name: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeCancelled(PledgeEvent):
    """A backer withdrew an active pledge; ``amount`` is what it had promised."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeCollected(PledgeEvent):
    """The payment provider says ``amount`` arrived from the backer."""

    payment_reference: str
    #: What the provider kept of it, in minor units, where known (``None``: not known).
    fee_amount: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgePaymentFailed(PledgeEvent):
    """The provider could not take the money; the backer may fix it until ``retry_until``."""

    #: The attempt that failed.
    payment_reference: str
    #: The provider's short reason (``card_declined``, ``authentication_required``).
    reason_code: str
    retry_until: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeDropped(PledgeEvent):
    """The grace period ended without a payment: the pledge no longer counts."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeReleased(PledgeEvent):
    """The campaign failed or was cancelled; the backer owes nothing."""

    payment_reference: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PledgeRefunded(PledgeEvent):
    """Some of a collected pledge went back to the backer.

    ``amount`` is this refund; ``collected_amount`` and ``refunded_total`` (all refunds so far,
    this one included) let a consumer check the pledge without keeping its own tally.
    """

    collected_amount: int
    refunded_total: int
    reason: str
    payment_reference: str


def pledge_fields(pledge: Pledge) -> dict[str, Any]:
    """The fields every PledgeEvent takes, from the pledge as it now stands."""
    return {
        "campaign_id": pledge.campaign_id,
        "occurred_at": pledge.updated_at,
        "pledge_id": pledge.id,
        "backer_id": pledge.backer_id,
        "amount": pledge.amount,
        "currency": pledge.currency,
        "tier_id": pledge.tier_id,
    }
